#!/usr/bin/python3
"""Writes the kid fixtures: keys made by Python's `cryptography` in every format it writes, and the key id
the Python library asymmetric-jwt-auth computes for each,
    hashlib.sha256(public_key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)).hexdigest().

Run once by hand with Debian's python (`/usr/bin/python3 tests/data/kid/make_fixtures.py`); the files are
committed. tests/keys_test.cpp checks that ajwt's kid() of every file equals the recorded one, and
tests/kid_test.py imports write_fixtures() to do the same with fresh keys through the `ajwt` tool.
"""
import hashlib
import json
import os
import sys

from cryptography.hazmat.primitives import serialization as s
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

MANIFEST = "kids.json"


def python_kid(public_key):
    """The key id of asymmetric-jwt-auth: lowercase hex SHA-256 of the SPKI PEM text."""
    return hashlib.sha256(public_key.public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo)).hexdigest()


def write_fixtures(directory, rsa_bits=2048):
    """Makes one RSA, Ed25519 and P-256 key, writes each in every format into `directory`, writes the
    manifest and returns it: {"keys": [{"name", "type", "kid", "private": [files], "public": [files]}]}."""
    keys = [
        ("rsa", "rsa", rsa.generate_private_key(public_exponent=65537, key_size=rsa_bits)),
        ("ed25519", "ed25519", ed25519.Ed25519PrivateKey.generate()),
        ("p256", "ec-p256", ec.generate_private_key(ec.SECP256R1())),
    ]
    manifest = {"keys": []}
    for name, key_type, key in keys:
        public = key.public_key()
        files = {
            "private": {
                name + ".pkcs8.pem": key.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()),
                name + ".openssh": key.private_bytes(s.Encoding.PEM, s.PrivateFormat.OpenSSH, s.NoEncryption()),
            },
            "public": {
                name + ".spki.pem": public.public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo),
                name + ".pub": public.public_bytes(s.Encoding.OpenSSH, s.PublicFormat.OpenSSH) + b"\n",
            },
        }
        if key_type != "ed25519":  # PKCS#1 and SEC1 ("traditional") exist for RSA and EC only
            files["private"][name + ".traditional.pem"] = key.private_bytes(
                s.Encoding.PEM, s.PrivateFormat.TraditionalOpenSSL, s.NoEncryption())
        if key_type == "rsa":
            files["public"][name + ".pkcs1-public.pem"] = public.public_bytes(s.Encoding.PEM, s.PublicFormat.PKCS1)
        entry = {"name": name, "type": key_type, "kid": python_kid(public)}
        for kind in ("private", "public"):
            entry[kind] = sorted(files[kind])
            for file_name, data in files[kind].items():
                with open(os.path.join(directory, file_name), "wb") as f:
                    f.write(data)
        manifest["keys"].append(entry)
    with open(os.path.join(directory, MANIFEST), "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=True)
        f.write("\n")
    return manifest


if __name__ == "__main__":
    write_fixtures(os.path.dirname(os.path.abspath(sys.argv[0])))
