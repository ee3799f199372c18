"""An independent SUN tap maker (NXP AN12196, AES mode) on PyPI `cryptography`: what a genuine
NTAG 424 DNA with these keys, UID and counter would put in its URL, with mirrored file data.
Usage: python3 sun_tap.py META_KEY FILE_KEY UID COUNTER FILE_DATA_HEX  -> the URL on stdout."""
import sys

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.cmac import CMAC


def cmac(key, data):
    c = CMAC(algorithms.AES(key))
    c.update(data)
    return c.finalize()


def ecb(key, block):
    e = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return e.update(block) + e.finalize()


meta, file_key, uid = bytes.fromhex(sys.argv[1]), bytes.fromhex(sys.argv[2]), bytes.fromhex(sys.argv[3])
ctr = int(sys.argv[4]).to_bytes(3, "little")
data = bytes.fromhex(sys.argv[5])
picc = ecb(meta, bytes([0xC7]) + uid + ctr + bytes(5))
k_mac = cmac(file_key, bytes.fromhex("3CC300010080") + uid + ctr)
k_enc = cmac(file_key, bytes.fromhex("C33C00010080") + uid + ctr)
iv = ecb(k_enc, ctr + bytes(13))
e = Cipher(algorithms.AES(k_enc), modes.CBC(iv)).encryptor()
enc_hex = (e.update(data) + e.finalize()).hex().upper()
mac = cmac(k_mac, (enc_hex + "&cmac=").encode())
print(f"https://lumen.example/t?picc_data={picc.hex().upper()}&enc={enc_hex}&cmac={mac[1::2].hex().upper()}")
