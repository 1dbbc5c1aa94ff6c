"""SuperNode public keys: what is accepted, with ssh-keygen's fingerprint, and each refusal with its reason."""

import subprocess

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from supernodes.keys import InvalidKey, parse_public_key

pytestmark = pytest.mark.django_db


def openssh_public(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


@pytest.mark.parametrize("curve", [ec.SECP256R1, ec.SECP384R1, ec.SECP521R1])
def test_nist_ecdsa_keys_are_accepted_with_the_ssh_keygen_fingerprint(tmp_path, curve):
    key = ec.generate_private_key(curve())
    (tmp_path / "k.pub").write_text(openssh_public(key) + " me@laptop\n")
    parsed = parse_public_key((tmp_path / "k.pub").read_text())
    assert parsed.pem.startswith(b"-----BEGIN PUBLIC KEY-----")
    expected = subprocess.run(["ssh-keygen", "-lf", str(tmp_path / "k.pub")], capture_output=True, text=True)
    if expected.returncode == 0:
        assert parsed.fingerprint == expected.stdout.split()[1]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Paste the SuperNode's public key"),
        (openssh_public(rsa.generate_private_key(public_exponent=65537, key_size=2048)), "ssh-rsa keys cannot"),
        (openssh_public(ed25519.Ed25519PrivateKey.generate()), "ssh-ed25519 keys cannot"),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----",
            "private key",
        ),
        ("ecdsa-sha2-nistp256 AAAAnotbase64", "damaged or incomplete"),
        ("hello world", "not an OpenSSH public key"),
    ],
)
def test_bad_keys_are_refused_with_a_reason(text, message):
    with pytest.raises(InvalidKey, match=message):
        parse_public_key(text)


PRIVATE_KEYS = {  # as ssh-keygen and openssl write them, with the first line each starts with
    "openssh": (ec.SECP384R1, serialization.PrivateFormat.OpenSSH, None, "OPENSSH PRIVATE KEY"),
    "pem-ec": (ec.SECP256R1, serialization.PrivateFormat.TraditionalOpenSSL, None, "EC PRIVATE KEY"),
    "pkcs8": (ec.SECP256R1, serialization.PrivateFormat.PKCS8, None, "PRIVATE KEY"),
    "pkcs8-encrypted": (ec.SECP521R1, serialization.PrivateFormat.PKCS8, b"secret", "ENCRYPTED PRIVATE KEY"),
}


@pytest.mark.parametrize("kind", PRIVATE_KEYS)
def test_pasted_private_keys_are_recognised_by_their_armour(kind):
    curve, private_format, password, label = PRIVATE_KEYS[kind]
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    text = ec.generate_private_key(curve()).private_bytes(serialization.Encoding.PEM, private_format, encryption)
    assert text.decode().startswith(f"-----BEGIN {label}-----\n")
    for pasted in (text.decode(), f"  my key:\n  {text.decode()}"):
        with pytest.raises(InvalidKey, match="That is a private key"):
            parse_public_key(pasted)


def test_a_public_key_whose_comment_mentions_private_keys_is_accepted():
    key = openssh_public(ec.generate_private_key(ec.SECP256R1()))
    assert parse_public_key(f"{key} not the PRIVATE KEY").fingerprint.startswith("SHA256:")
