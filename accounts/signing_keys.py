"""Ed25519 signing keys as people paste them (the .pub file of `ssh-keygen -t ed25519`), and Flower's
review signatures checked against them (flwr 1.42: the signed message is the signature time as 8 bytes,
big-endian, then the FAB's SHA-256 digest; the signature is unpadded URL-safe base64)."""

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from django.utils.translation import gettext as _

MAX_KEY_TEXT = 1000  # an ssh-ed25519 line is about 100 characters; a pasted comment may add some
PRIVATE_KEY_ARMOUR = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


class InvalidSigningKey(ValueError):
    """A pasted key we refuse, with a message that says what to paste instead."""


@dataclass(frozen=True)
class ParsedKey:
    public_key: str  # "ssh-ed25519 AAAA…"
    key_id: str  # SHA256:…


def key_id_of(public_key: ed25519.Ed25519PublicKey) -> str:
    """The SHA256 fingerprint as `ssh-keygen -l` prints it."""
    blob = public_key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).split()[1]
    return "SHA256:" + base64.b64encode(hashlib.sha256(base64.b64decode(blob)).digest()).decode().rstrip("=")


def parse_signing_key(text: str) -> ParsedKey:
    text = (text or "").strip()
    if not text:
        raise InvalidSigningKey(_("Paste your public key: the contents of the .pub file, starting with ssh-ed25519."))
    if len(text) > MAX_KEY_TEXT:
        raise InvalidSigningKey(
            _("That is far longer than an Ed25519 public key. Paste the one line of the .pub file.")
        )
    if PRIVATE_KEY_ARMOUR.search(text):
        raise InvalidSigningKey(
            _(
                "That is a private key: keep it to yourself (flwr app review asks for its path) and paste the "
                "public key instead, the .pub file."
            )
        )
    parts = text.split()
    if parts[0] != "ssh-ed25519":
        raise InvalidSigningKey(
            _(
                "%(kind)s keys cannot sign Flower apps: flwr app review uses Ed25519. "
                "Make one with: ssh-keygen -t ed25519 -f flwr-review"
            )
            % {"kind": parts[0][:40]}
        )
    try:
        key = serialization.load_ssh_public_key(" ".join(parts[:2]).encode())
    except (ValueError, TypeError, IndexError, binascii.Error):
        raise InvalidSigningKey(
            _("This public key is damaged or incomplete. Paste the whole line of the .pub file.")
        ) from None
    if not isinstance(key, ed25519.Ed25519PublicKey):
        raise InvalidSigningKey(_("This is not an Ed25519 key."))
    line = key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()
    return ParsedKey(public_key=line, key_id=key_id_of(key))


def signed_message(fab_sha256: str, signed_at: int) -> bytes:
    return signed_at.to_bytes(8, byteorder="big") + bytes.fromhex(fab_sha256)


def decode_signature(signature_b64: str) -> bytes | None:
    try:
        return base64.urlsafe_b64decode(signature_b64 + "=" * (-len(signature_b64) % 4))
    except (binascii.Error, ValueError):
        return None


def verifies(public_key: str, fab_sha256: str, signed_at: int, signature_b64: str) -> bool:
    """Whether the signature is this key's, over this FAB at this time (as a SuperNode checks it)."""
    signature = decode_signature(signature_b64)
    if signature is None or not 0 <= signed_at < 2**63:
        return False
    key = serialization.load_ssh_public_key(public_key.encode())
    assert isinstance(key, ed25519.Ed25519PublicKey)  # parse_signing_key let in nothing else
    try:
        key.verify(signature, signed_message(fab_sha256, signed_at))
    except InvalidSignature:
        return False
    return True
