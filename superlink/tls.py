"""A local certificate authority and server certificate for the SuperLink.

Flower's `flwr login` and `--enable-supernode-auth` need TLS. Unless the operator brings a certificate
(`SUPERLINK_SSL_*`), the SuperLink makes a CA under SUPERLINK_TLS_DIR once and, signed by it, a server
certificate for every name the grid is reached by: localhost, the hosts of SUPERLINK_ADDRESS and
SUPERLINK_PUBLIC_ADDRESS, and SUPERLINK_TLS_HOSTS. `flwr` and `flower-supernode` trust `ca.pem`.

The CA is kept for good (every site holds a copy of `ca.pem`); the server certificate is issued again
at start whenever it no longer covers those names or nears its end, so changing the public address
never asks the sites for anything.
"""

import datetime
import ipaddress
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALIDITY = datetime.timedelta(days=825)
RENEW_BEFORE = datetime.timedelta(days=30)
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")
WILDCARD_HOSTS = {"", "0.0.0.0", "::", "*"}  # noqa: S104 (addresses to listen on, never to dial)


@dataclass(frozen=True)
class TlsFiles:
    ca_certfile: Path
    certfile: Path
    keyfile: Path
    hosts: tuple[str, ...] = ()  # what the server certificate covers
    issued: bool = False  # the server certificate was made on this call


def host_of(address: str) -> str:
    """The host of ``host:port``, ``[v6]:port`` or a bare host, as a certificate names it."""
    address = address.strip()
    if address.startswith("["):
        return address[1 : address.index("]")] if "]" in address else address[1:]
    if address.count(":") > 1:
        return address  # a bare IPv6 address
    return address.rpartition(":")[0] if ":" in address else address


def normalized(host: str) -> str:
    host = host.strip().lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host.rstrip(".")


def certificate_hosts(addresses: Iterable[str] = (), extra: Iterable[str] = ()) -> tuple[str, ...]:
    """localhost, the hosts of ``addresses`` and the ``extra`` names, once each, wildcards left out."""
    hosts: list[str] = []
    for host in [*LOCAL_HOSTS, *(host_of(address) for address in addresses), *extra]:
        host = normalized(host)
        if host not in WILDCARD_HOSTS and host not in hosts:
            hosts.append(host)
    return tuple(hosts)


def general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def write_atomically(path: Path, data: bytes, mode: int = 0o644) -> None:
    """A crash mid-write never leaves a half-written key or certificate behind."""
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_bytes(data)
    temporary.chmod(mode)
    os.replace(temporary, path)


def key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def load_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    """The CA's certificate and key, or None when either is missing or unreadable."""
    try:
        cert = x509.load_pem_x509_certificate((directory / "ca.pem").read_bytes())
        key = serialization.load_pem_private_key((directory / "ca.key").read_bytes(), password=None)
    except (OSError, ValueError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey):  # make_ca writes nothing else; never replace a CA
        raise TypeError(f"{directory / 'ca.key'} is not the elliptic-curve key this CA is made with.")
    return cert, key


def make_ca(directory: Path, now: datetime.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "SuperGrid local CA")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    write_atomically(directory / "ca.key", key_bytes(key), 0o600)
    write_atomically(directory / "ca.pem", cert.public_bytes(serialization.Encoding.PEM))
    return cert, key


def covered_hosts(cert: x509.Certificate) -> set[str]:
    try:
        names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return {normalized(name) for name in names.get_values_for_type(x509.DNSName)} | {
        str(address) for address in names.get_values_for_type(x509.IPAddress)
    }


def server_certificate_fits(
    files: TlsFiles, ca_cert: x509.Certificate, hosts: Sequence[str], now: datetime.datetime
) -> bool:
    """The server certificate on disk is this CA's, covers every host and is not near its end."""
    try:
        cert = x509.load_pem_x509_certificates(files.certfile.read_bytes())[0]
        serialization.load_pem_private_key(files.keyfile.read_bytes(), password=None)
        cert.verify_directly_issued_by(ca_cert)
    except (OSError, ValueError, IndexError, TypeError, InvalidSignature):
        return False
    return set(hosts) <= covered_hosts(cert) and cert.not_valid_after_utc - now > RENEW_BEFORE


def issue_server_certificate(
    files: TlsFiles,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    hosts: Sequence[str],
    now: datetime.datetime,
) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    common_name = next((host for host in hosts if host not in LOCAL_HOSTS), hosts[0])
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(min(now + VALIDITY, ca_cert.not_valid_after_utc))
        .add_extension(x509.SubjectAlternativeName([general_name(host) for host in hosts]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    # The key first: a certificate on disk always has its key beside it.
    write_atomically(files.keyfile, key_bytes(key), 0o600)
    write_atomically(
        files.certfile,
        cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(serialization.Encoding.PEM),
    )


def ensure_local_ca(directory: Path, hosts: Sequence[str] = LOCAL_HOSTS) -> TlsFiles:
    """The CA (made once) and a server certificate that covers ``hosts`` (made again when it does not)."""
    directory.mkdir(parents=True, exist_ok=True)
    hosts = certificate_hosts(extra=hosts)
    files = TlsFiles(directory / "ca.pem", directory / "server.pem", directory / "server.key", hosts)
    now = datetime.datetime.now(datetime.UTC)
    ca = load_ca(directory) or make_ca(directory, now)
    if server_certificate_fits(files, ca[0], hosts, now):
        return files
    issue_server_certificate(files, *ca, hosts, now)
    return TlsFiles(files.ca_certfile, files.certfile, files.keyfile, hosts, issued=True)
