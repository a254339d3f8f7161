#!/usr/bin/python3
"""Writes the seed corpus of every fuzz target into fuzz/corpus/<target>/ (valid inputs of every kind
plus a few classic invalid ones). Run once by hand with Debian's python3 (python3-jwt,
python3-cryptography); the output is committed. Tokens use the fuzz keys and the fuzzers' fixed
clock (time 1700000000)."""
import base64, hashlib, json, os, pathlib, shutil

import jwt
from cryptography.hazmat.primitives import serialization

HERE = pathlib.Path(__file__).resolve().parent
NOW = 1700000000
CORPUS = HERE / "corpus"


def load(name):
    return serialization.load_pem_private_key((HERE / "keys" / f"{name}.pem").read_bytes(), password=None)


def pem_private(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def pem_public(k):
    return k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def kid(k):
    return hashlib.sha256(pem_public(k)).hexdigest()


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


keys = {"rsa": load("rsa"), "ed25519": load("ed25519"), "p256": load("p256")}
users = {"alice": "ed25519", "bob": "rsa", "carol": "p256"}
algs = {"rsa": ["RS512", "RS384", "RS256", "PS256"], "ed25519": ["EdDSA"], "p256": ["ES256"]}


def token(key_name, alg, claims, headers=None):
    h = {"kid": kid(keys[key_name])}
    h.update(headers or {})
    return jwt.encode(claims, pem_private(keys[key_name]), algorithm=alg, headers=h)


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


shutil.rmtree(CORPUS, ignore_errors=True)
n = 0
for user, key_name in list(users.items()) + [("dave", "rsa"), ("dave", "ed25519"), ("dave", "p256")]:
    for alg in algs[key_name]:
        base = {"username": user, "time": NOW}
        variants = {
            "plain": dict(base),
            "aud": dict(base, aud="orders"),
            "auds": dict(base, aud=["x", "orders"]),
            "exp": dict(base, exp=NOW + 60, nbf=NOW - 60),
            "stale": dict(base, time=NOW - 21),
            "bound": dict(base, htm="GET", htu="https://api.example.com/v1/items", htq="x", htb="y"),
        }
        for vname, claims in variants.items():
            claims = dict(claims, nonce=f"n{n:010d}")
            n += 1
            write("verify_header", f"{user}-{alg}-{vname}", "JWT " + token(key_name, alg, claims))
write("verify_header", "wrong-scheme", "Bearer " + token("ed25519", "EdDSA", {"username": "alice", "time": NOW, "nonce": "x"}))
none_tok = b64(b'{"alg":"none","typ":"JWT"}') + "." + b64(json.dumps({"username": "alice", "time": NOW, "nonce": "a"}).encode()) + "."
write("verify_header", "alg-none", "JWT " + none_tok)
write("verify_header", "hs256", "JWT " + jwt.encode({"username": "bob", "time": NOW, "nonce": "h"}, "secret", algorithm="HS256"))
write("verify_header", "crit", "JWT " + token("ed25519", "EdDSA", {"username": "alice", "time": NOW, "nonce": "c"}, {"crit": ["exp"]}))
write("verify_header", "empty", "")

# verify_claims: selector byte + payload JSON.
payloads = [
    {"username": "alice", "time": NOW, "nonce": "abcdefghijk"},
    {"username": "dave", "time": NOW, "nonce": "n", "aud": "orders"},
    {"username": "dave", "time": NOW + 20, "nonce": "n", "exp": NOW, "nbf": NOW},
    {"username": "carol", "time": NOW, "nonce": "n", "htm": "GET", "htu": "https://api.example.com/v1/items",
     "htq": b64(hashlib.sha256(b"id=7").digest()), "htb": b64(hashlib.sha256(b"body").digest())},
    {"username": "bob", "time": 1.5, "nonce": "n"},
    {"username": "bob", "time": "1700000000", "nonce": ""},
    {"username": ["x"], "time": None, "nonce": True},
]
for i, p in enumerate(payloads):
    for sel in (0, 1, 2, 12):
        write("verify_claims", f"p{i}-s{sel}", bytes([sel]) + json.dumps(p).encode())

# base64
for i, s in enumerate(["", "QQ", "QUI", "QUJD", "_-8", "a+b/", "QQ==", "eyJhbGciOiJFZERTQSJ9"]):
    write("base64", f"s{i}", s)

# key_load: every format of every key.
for name, k in keys.items():
    write("key_load", f"{name}-pkcs8.pem", pem_private(k))
    write("key_load", f"{name}-spki.pem", pem_public(k))
    write("key_load", f"{name}-openssh-private", k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()))
    write("key_load", f"{name}-openssh.pub", k.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH) + b" comment")
    write("key_load", f"{name}-jwk.json", json.dumps(json.loads(jwt.algorithms.get_default_algorithms()[algs[name][0]].to_jwk(k))))
    write("key_load", f"{name}-jwk-public.json", json.dumps(json.loads(jwt.algorithms.get_default_algorithms()[algs[name][0]].to_jwk(k.public_key()))))
write("key_load", "rsa-pkcs1.pem", keys["rsa"].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
write("key_load", "p256-sec1.pem", keys["p256"].private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
write("key_load", "rsa-pkcs1-public.pem", keys["rsa"].public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1))
jwks = {"keys": [json.loads(jwt.algorithms.get_default_algorithms()[algs[n][0]].to_jwk(k.public_key())) for n, k in keys.items()]}
jwks["keys"].append({"kty": "oct", "k": "c2VjcmV0"})
write("key_load", "jwks.json", json.dumps(jwks))

# key_load: degenerate Ed25519 public keys (small-order points, canonical and not), in every public format;
# every loader must refuse them.
SMALL_ORDER = {
    "zero": bytes(32),
    "identity": bytes([1]) + bytes(31),
    "order2": bytes.fromhex("ec" + "ff" * 30 + "7f"),
    "order8": bytes.fromhex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"),
    "noncanonical-identity": bytes.fromhex("ee" + "ff" * 30 + "7f"),
}
for name, point in SMALL_ORDER.items():
    spki = bytes.fromhex("302a300506032b6570032100") + point
    write("key_load", f"ed25519-small-order-{name}-spki.pem",
          "-----BEGIN PUBLIC KEY-----\n" + base64.b64encode(spki).decode() + "\n-----END PUBLIC KEY-----\n")
    x = base64.urlsafe_b64encode(point).rstrip(b"=").decode()
    write("key_load", f"ed25519-small-order-{name}-jwk.json", json.dumps({"kty": "OKP", "crv": "Ed25519", "x": x}))
    blob = len(b"ssh-ed25519").to_bytes(4, "big") + b"ssh-ed25519" + (32).to_bytes(4, "big") + point
    write("key_load", f"ed25519-small-order-{name}.pub", "ssh-ed25519 " + base64.b64encode(blob).decode() + " placeholder\n")
zero_x = base64.urlsafe_b64encode(bytes(32)).rstrip(b"=").decode()
write("key_load", "jwks-with-small-order-key.json", json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": zero_x, "kid": "zero"}]}))

# authorized_keys
lines = ["# users", ""]
for user, key_name in users.items():
    lines.append(user + " " + keys[key_name].public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode() + " " + user + "@host")
write("authorized_keys", "valid", "\n".join(lines) + "\n")
write("authorized_keys", "bad-line", "alice ssh-ed25519\n")
print("corpus written to", CORPUS)
