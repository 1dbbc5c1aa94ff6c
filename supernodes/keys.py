"""SuperNode public keys as people paste them: OpenSSH ECDSA on a NIST curve, never a private key."""

import base64
import hashlib
import re
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils.translation import gettext as _

ALLOWED_TYPES = ("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521")
NIST_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)

# A private key announces itself in its first line, whole or damaged: OpenSSH's own format (ssh-keygen),
# PKCS #8, plain or encrypted, and the older per-algorithm PEM (openssl's EC, RSA and DSA keys).
PRIVATE_KEY_ARMOUR = re.compile(r"^\s*-----BEGIN (?:(?:OPENSSH|ENCRYPTED|EC|RSA|DSA) )?PRIVATE KEY-----", re.MULTILINE)


class InvalidKey(ValueError):
    """A pasted key we refuse, with a message that says what to paste instead; ``code`` says why (the form
    never echoes a pasted ``private_key``, whatever the language of the message)."""

    def __init__(self, message: str, code: str = "invalid"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SuperNodeKey:
    pem: bytes
    fingerprint: str


def fingerprint_of(public_key) -> str:
    """The SHA256 fingerprint as `ssh-keygen -l` prints it."""
    blob = public_key.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).split()[1]
    digest = hashlib.sha256(base64.b64decode(blob)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def fingerprint_of_pem(pem: bytes) -> str:
    try:
        return fingerprint_of(serialization.load_pem_public_key(pem))
    except (ValueError, TypeError):
        return ""


def parse_public_key(text: str) -> SuperNodeKey:
    text = (text or "").strip()
    if not text:
        raise InvalidKey(_("Paste the SuperNode's public key (the contents of its .pub file)."))
    if PRIVATE_KEY_ARMOUR.search(text):
        raise InvalidKey(
            _(
                "That is a private key. Keep it on the SuperNode and paste the public key instead "
                "(the .pub file, starting with ecdsa-sha2-nistp256)."
            ),
            code="private_key",
        )
    key_type = text.split()[0]
    if key_type in ("ssh-ed25519", "ssh-rsa", "ssh-dss") or key_type.startswith("sk-"):
        raise InvalidKey(
            _(
                "%(key_type)s keys cannot identify SuperNodes. Use an ECDSA key on a NIST curve, for example "
                "ssh-keygen -t ecdsa -b 384 -N '' -f supernode"
            )
            % {"key_type": key_type}
        )
    if key_type not in ALLOWED_TYPES:
        raise InvalidKey(
            _("This is not an OpenSSH public key. It should start with ecdsa-sha2-nistp256, -384 or -521.")
        )
    try:
        public_key = serialization.load_ssh_public_key(" ".join(text.split()[:2]).encode())
    except (ValueError, TypeError, IndexError):
        raise InvalidKey(
            _("This public key is damaged or incomplete. Paste the whole line of the .pub file.")
        ) from None
    if not isinstance(public_key, ec.EllipticCurvePublicKey) or not isinstance(public_key.curve, NIST_CURVES):
        raise InvalidKey(_("Use an ECDSA key on a NIST curve (P-256, P-384 or P-521)."))
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return SuperNodeKey(pem=pem, fingerprint=fingerprint_of(public_key))
