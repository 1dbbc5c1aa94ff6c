"""Ed25519 keys and Flower review signatures for tests, made as `ssh-keygen -t ed25519` and
`flwr app review` make them."""

import base64
import hashlib
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519


def new_key() -> tuple[ed25519.Ed25519PrivateKey, str]:
    """A private key and its public half as an OpenSSH line."""
    private = ed25519.Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
    return private, public.decode() + " reviewer@laptop"


def openssh_private(private: ed25519.Ed25519PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )


def sign(private: ed25519.Ed25519PrivateKey, fab: bytes | str, signed_at: int | None = None) -> tuple[str, int]:
    """The review signature of a FAB (its bytes, or its sha256 in hex), as `flwr app review` sends it."""
    signed_at = int(time.time()) if signed_at is None else signed_at
    digest = hashlib.sha256(fab).digest() if isinstance(fab, bytes) else bytes.fromhex(fab)
    signature = private.sign(signed_at.to_bytes(8, "big") + digest)
    return base64.urlsafe_b64encode(signature).rstrip(b"=").decode(), signed_at
