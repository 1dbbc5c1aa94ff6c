"""The local CA's server certificate covers every name the grid is reached by, and follows changes."""

import socket
import ssl
import threading
from pathlib import Path

from cryptography import x509

from superlink.tls import certificate_hosts, ensure_local_ca, host_of


def names_in(certfile: Path) -> set[str]:
    cert = x509.load_pem_x509_certificates(certfile.read_bytes())[0]
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(san.get_values_for_type(x509.DNSName)) | {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}


def test_hosts_come_from_every_address_form():
    assert host_of("grid.example.org:9093") == "grid.example.org"
    assert host_of("[2001:db8::1]:9093") == "2001:db8::1"
    assert host_of("10.0.0.5") == "10.0.0.5"
    hosts = certificate_hosts(["0.0.0.0:9093", "Grid.Example.org:9093", "127.0.0.1:9093"], ["10.0.0.5", " "])
    assert hosts == ("localhost", "127.0.0.1", "::1", "grid.example.org", "10.0.0.5")


def test_the_certificate_covers_the_public_host_and_listed_names(tmp_path):
    files = ensure_local_ca(tmp_path, certificate_hosts(["grid.example.org:9093"], ["site.example.net", "10.0.0.5"]))
    assert files.issued
    assert names_in(files.certfile) == {
        "localhost",
        "127.0.0.1",
        "::1",
        "grid.example.org",
        "site.example.net",
        "10.0.0.5",
    }


def test_a_new_public_address_gets_a_new_certificate_from_the_same_ca(tmp_path):
    first = ensure_local_ca(tmp_path, certificate_hosts(["grid.example.org:9093"]))
    ca, server = first.ca_certfile.read_bytes(), first.certfile.read_bytes()
    again = ensure_local_ca(tmp_path, certificate_hosts(["grid.example.org:9093"]))
    assert not again.issued
    assert again.certfile.read_bytes() == server

    moved = ensure_local_ca(tmp_path, certificate_hosts(["grid.example.com:9093"]))
    assert moved.issued
    assert moved.ca_certfile.read_bytes() == ca  # the sites' ca.pem stays valid
    assert "grid.example.com" in names_in(moved.certfile)


def test_a_damaged_server_certificate_is_made_again(tmp_path):
    files = ensure_local_ca(tmp_path)
    files.certfile.write_text("not a certificate")
    assert ensure_local_ca(tmp_path).issued
    assert names_in(files.certfile) >= {"localhost", "127.0.0.1"}


def test_a_client_checking_the_host_name_accepts_the_certificate(tmp_path):
    """What flwr and flower-supernode do: verify against ca.pem and the name they dialled."""
    files = ensure_local_ca(tmp_path, certificate_hosts([f"{socket.gethostname()}:9093"]))
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(files.certfile, files.keyfile)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve():
        for _ in range(2):
            connection, _ = listener.accept()
            try:
                with server_context.wrap_socket(connection, server_side=True):
                    pass
            except ssl.SSLError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_context = ssl.create_default_context(cafile=str(files.ca_certfile))
    try:
        for name in (socket.gethostname(), "localhost"):
            raw = socket.create_connection(("127.0.0.1", port), timeout=5)
            with client_context.wrap_socket(raw, server_hostname=name) as tls:
                assert tls.version()
    finally:
        listener.close()
        thread.join(timeout=5)
