#!/bin/bash
# Makes the key fixtures of tests/keys_test.cpp. Run once by hand (the files are committed; the tests never
# run this script): openssl makes every PEM, ssh-keygen the OpenSSH files of RSA and P-256 keys, and
# Debian's Python (cryptography, PyJWT) the OpenSSH files of the Ed25519 key and every JWK, so each format
# comes from a tool other than ajwt. <name>.kid holds the lowercase hex SHA-256 of <name>.spki.pem, the key
# id the Python library asymmetric-jwt-auth computes.
set -euo pipefail
cd "$(dirname "$0")"
PASS='fixture passphrase'  # the passphrase of every *-encrypted* file; keys_test.cpp uses it too
umask 077

spki() { openssl pkey -in "$1.pkcs8.pem" -pubout -out "$1.spki.pem"; sha256sum "$1.spki.pem" | cut -d' ' -f1 >"$1.kid"; }
enc_pkcs8() {
  openssl pkcs8 -topk8 -v2 aes-256-cbc -passout "pass:$PASS" -in "$1.pkcs8.pem" -out "$1.pkcs8-encrypted.pem"
}
ssh_from_pem() {  # $1: name, $2: the PEM ssh-keygen reads
  cp "$2" "$1.openssh"
  ssh-keygen -q -p -N '' -P '' -f "$1.openssh" </dev/null >/dev/null
  ssh-keygen -y -f "$1.openssh" >"$1.pub"
}

# Supported keys, one of each kind, in every format.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa-2048.pkcs8.pem
openssl rsa -in rsa-2048.pkcs8.pem -traditional -out rsa-2048.pkcs1.pem
openssl rsa -in rsa-2048.pkcs8.pem -traditional -aes256 -passout "pass:$PASS" -out rsa-2048.pkcs1-encrypted.pem
openssl rsa -in rsa-2048.pkcs8.pem -RSAPublicKey_out -out rsa-2048.pkcs1-public.pem
spki rsa-2048
enc_pkcs8 rsa-2048
ssh_from_pem rsa-2048 rsa-2048.pkcs1.pem

openssl genpkey -algorithm ED25519 -out ed25519.pkcs8.pem
spki ed25519
enc_pkcs8 ed25519

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out p256.pkcs8.pem
openssl ec -in p256.pkcs8.pem -out p256.sec1.pem
openssl ec -in p256.pkcs8.pem -aes256 -passout "pass:$PASS" -out p256.sec1-encrypted.pem
spki p256
enc_pkcs8 p256
ssh_from_pem p256 p256.sec1.pem
cp p256.openssh p256.openssh-encrypted
ssh-keygen -q -p -P '' -N "$PASS" -a 4 -f p256.openssh-encrypted </dev/null >/dev/null

/usr/bin/python3 - <<'PY'
import json
from cryptography.hazmat.primitives import serialization as s
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

def load(name):
    with open(name + ".pkcs8.pem", "rb") as f:
        return s.load_pem_private_key(f.read(), None)

ed = load("ed25519")
with open("ed25519.openssh", "wb") as f:
    f.write(ed.private_bytes(s.Encoding.PEM, s.PrivateFormat.OpenSSH, s.NoEncryption()))
with open("ed25519.pub", "wb") as f:
    f.write(ed.public_key().public_bytes(s.Encoding.OpenSSH, s.PublicFormat.OpenSSH) + b"\n")

for name, alg in (("rsa-2048", RSAAlgorithm), ("ed25519", OKPAlgorithm), ("p256", ECAlgorithm)):
    key = load(name)
    for suffix, k in ((".private.jwk.json", key), (".jwk.json", key.public_key())):
        with open(name + suffix, "w") as f:
            f.write(json.dumps(json.loads(alg.to_jwk(k)), sort_keys=True) + "\n")

# A P-256 key with a coordinate below 2^248: PyJWT 2.6 writes that coordinate in fewer than 32 bytes.
from cryptography.hazmat.primitives.asymmetric import ec
while True:
    short = ec.generate_private_key(ec.SECP256R1())
    numbers = short.public_key().public_numbers()
    if min(numbers.x, numbers.y) < 1 << 248:
        break
with open("p256-short.pkcs8.pem", "wb") as f:
    f.write(short.private_bytes(s.Encoding.PEM, s.PrivateFormat.PKCS8, s.NoEncryption()))
with open("p256-short.spki.pem", "wb") as f:
    f.write(short.public_key().public_bytes(s.Encoding.PEM, s.PublicFormat.SubjectPublicKeyInfo))
for suffix, k in ((".private.jwk.json", short), (".jwk.json", short.public_key())):
    with open("p256-short" + suffix, "w") as f:
        f.write(json.dumps(json.loads(ECAlgorithm.to_jwk(k)), sort_keys=True) + "\n")
PY

# Keys ajwt must refuse, each as a private PKCS#8 and a public SPKI file.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out rsa-1024.pkcs8.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out p384.pkcs8.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:secp256k1 -out secp256k1.pkcs8.pem
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out dsa.params.pem
openssl genpkey -paramfile dsa.params.pem -out dsa.pkcs8.pem
rm dsa.params.pem
openssl genpkey -algorithm X25519 -out x25519.pkcs8.pem
openssl genpkey -algorithm ED448 -out ed448.pkcs8.pem
openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out rsa-pss.pkcs8.pem
for name in rsa-1024 p384 secp256k1 dsa x25519 ed448 rsa-pss; do
  openssl pkey -in "$name.pkcs8.pem" -pubout -out "$name.spki.pem"
done
ssh_from_pem rsa-1024 rsa-1024.pkcs8.pem
rm rsa-1024.openssh
cp p384.pkcs8.pem p384.tmp && ssh-keygen -y -f p384.tmp >p384.pub && rm p384.tmp

chmod 644 ./*.pem ./*.pub ./*.openssh ./*.openssh-encrypted ./*.json ./*.kid
