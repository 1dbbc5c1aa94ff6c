"""The commands the SuperNodes page gives, as in production: the CA to download, each node's own port, the
public address."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from superlink.tls import ensure_local_ca

pytestmark = pytest.mark.django_db


def test_supernodes_download_the_ca_and_get_commands_with_their_own_ports(client, user, settings, tmp_path):
    settings.SUPERLINK_TLS_DIR = tmp_path / "tls"
    settings.SUPERLINK_PUBLIC_ADDRESS = "grid.example.org:9093"
    settings.PORTAL_URL = "https://grid.example.org"
    assert client.get(reverse("supernodes:ca")).status_code == 404  # no CA made yet
    files = ensure_local_ca(settings.SUPERLINK_TLS_DIR)
    download = client.get(reverse("supernodes:ca"))  # no sign-in needed: a public certificate
    assert download.content == files.ca_certfile.read_bytes()
    assert download["Content-Type"] == "application/x-pem-file"

    from supernodes.commands import start_commands

    first, second = start_commands(index=0), start_commands(index=1)
    assert first.download_ca == "curl -fsSLO https://grid.example.org/supernodes/ca.pem"
    assert "--root-certificates ca.pem" in first.pip
    assert "--auth-supernode-private-key supernode " in first.pip  # the file the page's ssh-keygen line writes
    assert ("--port 9094" in first.pip, "--port 9095" in second.pip) == (True, True)
    assert "flwr/supernode:1.42.0" in first.docker
    assert "--root-certificates /keys/ca.pem" in first.docker
    assert str(tmp_path) not in first.pip + first.docker  # never the server's own paths

    client.force_login(user)
    page = client.get(reverse("supernodes:list")).content.decode()
    assert "curl -fsSLO https://grid.example.org/supernodes/ca.pem" in page
    assert "docker run" in page
    assert "ssh-keygen -t ecdsa -b 384 -N '' -f supernode</code>" in page


def test_public_certificates_need_no_ca_file(settings):
    from supernodes.commands import start_commands

    settings.SUPERLINK_SSL_CERTFILE = "/etc/letsencrypt/live/grid/fullchain.pem"
    settings.SUPERLINK_SSL_CA_CERTFILE = ""
    commands = start_commands()
    assert commands.download_ca == ""
    assert "--root-certificates" not in commands.pip


def test_supernode_command_uses_the_public_address(client, user, settings):
    settings.SUPERLINK_PUBLIC_ADDRESS = "grid.example.org:9093"
    client.force_login(user)
    assertContains(client.get(reverse("supernodes:list")), "--superlink grid.example.org:9093")
