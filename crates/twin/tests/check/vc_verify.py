"""An independent eddsa-jcs-2022 verifier on PyPI `cryptography` and `rfc8785`: for each
credential file, prints JSON {file, valid}. did:key verification methods only (offline).
Usage: python3 vc_verify.py CRED.json..."""
import hashlib
import json
import sys

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58decode(s):
    n = 0
    for c in s:
        n = n * 58 + ALPHABET.index(c)
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\x00" * (len(s) - len(s.lstrip("1"))) + raw


def verify(cred):
    doc = dict(cred)
    proof = dict(doc.pop("proof"))
    value = proof.pop("proofValue")
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    key = b58decode(proof["verificationMethod"].split("did:key:z")[1].split("#")[0])
    assert key[:2] == b"\xed\x01"
    data = hashlib.sha256(rfc8785.dumps(proof)).digest() + hashlib.sha256(rfc8785.dumps(doc)).digest()
    try:
        Ed25519PublicKey.from_public_bytes(key[2:]).verify(b58decode(value[1:]), data)
        return True
    except InvalidSignature:
        return False


for path in sys.argv[1:]:
    print(json.dumps({"file": path, "valid": verify(json.load(open(path)))}))
