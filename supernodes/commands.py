"""How a SuperNode at another site starts against this grid: pip or Flower's Docker image."""

from dataclasses import dataclass

from django.conf import settings

from supergrid.links import absolute_url
from superlink import control_client

from .trust import FILE_NAME as TRUSTED_ENTITIES_FILE  # the name the page downloads it under

KEY_FILE = "supernode"  # what the registration card's ssh-keygen line writes
FIRST_LOCAL_PORT = 9094  # flower-supernode's own default; each further node on a machine takes the next
SUPERNODE_IMAGE = "flwr/supernode:1.42.0"


@dataclass(frozen=True)
class StartCommands:
    download_ca: str  # empty when the SuperLink's certificate comes from a public authority
    pip: str
    docker: str


def start_commands(*, index: int = 0, trusted: bool = False) -> StartCommands:
    """The commands for one node; ``index`` gives each node on a machine its own local port; ``trusted``:
    it runs only apps reviewed by the accounts its owner trusts (the trusted-entities file beside the key)."""
    own_ca = control_client.ca_certfile() is not None
    options = [
        f"--superlink {settings.SUPERLINK_PUBLIC_ADDRESS}",
        *(["--root-certificates {ca}"] if own_ca else []),
        "--auth-supernode-private-key {key}",
        *([f"--trusted-entities {{folder}}{TRUSTED_ENTITIES_FILE}"] if trusted else []),
        f"--port {FIRST_LOCAL_PORT + index}",
        f'--node-config "partition-id={index} num-partitions=2"',
    ]
    pip = " \\\n  ".join(["flower-supernode", *options]).format(ca="ca.pem", key=KEY_FILE, folder="")
    docker = " \\\n  ".join(['docker run --rm --network host -v "$PWD:/keys:ro"', SUPERNODE_IMAGE, *options]).format(
        ca="/keys/ca.pem", key=f"/keys/{KEY_FILE}", folder="/keys/"
    )
    download = f"curl -fsSLO {absolute_url('supernodes:ca')}" if own_ca else ""
    return StartCommands(download_ca=download, pip=pip, docker=docker)
