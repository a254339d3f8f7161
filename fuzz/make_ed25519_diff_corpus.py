#!/usr/bin/python3
"""Writes the seed corpus of ed25519_diff_fuzz into fuzz/corpus/ed25519_diff/: the RFC 8032 section 7.1
TEST 1-3 vectors and degenerate inputs in the raw mode (mode byte even: key, signature, message), and
each mutation of the signed mode (mode byte odd: seed, mutation, position, message). Run by hand; the
output is committed."""
import pathlib, shutil

HERE = pathlib.Path(__file__).resolve().parent
OUT = HERE / "corpus" / "ed25519_diff"
L = bytes.fromhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
IDENTITY = bytes.fromhex("01" + "00" * 31)
RFC8032 = [
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]

shutil.rmtree(OUT, ignore_errors=True)
OUT.mkdir(parents=True)
for i, (seed, pub, msg, sig) in enumerate(RFC8032, 1):
    (OUT / f"raw-rfc8032-test{i}").write_bytes(b"\x00" + bytes.fromhex(pub) + bytes.fromhex(sig) + bytes.fromhex(msg))
    (OUT / f"signed-rfc8032-test{i}").write_bytes(b"\x01" + bytes.fromhex(seed) + b"\x00\x00" + bytes.fromhex(msg))
# The forgery under the identity key that bare OpenSSL accepts: R = identity, S = 0.
(OUT / "raw-identity-forgery").write_bytes(b"\x00" + IDENTITY + IDENTITY + b"\x00" * 32 + b"any message")
# S = L under a genuine key.
seed, pub, msg, sig = RFC8032[0]
(OUT / "raw-s-equals-l").write_bytes(b"\x00" + bytes.fromhex(pub) + bytes.fromhex(sig)[:32] + L)
token_input = b"eyJhbGciOiJFZERTQSJ9.eyJ1c2VybmFtZSI6ImFsaWNlIiwidGltZSI6MTcwMDAwMDAwMH0"
for mutation in range(6):
    for position in (0, 63, 200):
        (OUT / f"signed-mutation{mutation}-at{position}").write_bytes(
            b"\x01" + bytes.fromhex(RFC8032[1][0]) + bytes([mutation, position]) + token_input)
