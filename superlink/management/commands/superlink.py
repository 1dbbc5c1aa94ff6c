import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from superlink.tls import certificate_hosts, ensure_local_ca

# The processes the SuperLink starts see this portal's Hub too; the SuperLink itself is told in seam.install().
os.environ["FLWR_SUPERGRID_API_URL"] = settings.HUB_API_URL


def superlink_environment() -> None:
    """Quiet, offline, and able to find flower-superexec next to this Python."""
    os.environ.setdefault("FLWR_DISABLE_UPDATE_CHECK", "1")
    os.environ.setdefault("FLWR_TELEMETRY_ENABLED", "0")
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    # Flower logs through its own handler; the portal's root handler would print every line twice.
    logging.getLogger("flwr").propagate = False
    # Where apps keep a run's outputs: <this>/<run id> (docs/artifacts.md). The SuperExec and the
    # ServerApp and simulation processes it starts inherit it.
    artifacts = Path(settings.ARTIFACTS_WORK_DIR).resolve()
    artifacts.mkdir(parents=True, exist_ok=True)
    os.environ["SUPERGRID_ARTIFACTS_DIR"] = str(artifacts)


class Command(BaseCommand):
    help = (
        "Start the stock Flower SuperLink with the portal's federation manager and CLI login. "
        "Arguments after -- go to flower-superlink unchanged."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("superlink_args", nargs=argparse.REMAINDER, help="extra flower-superlink arguments")

    def tls_arguments(self) -> list[str]:
        if settings.SUPERLINK_SSL_CERTFILE:
            ca, cert, key = (
                settings.SUPERLINK_SSL_CA_CERTFILE,
                settings.SUPERLINK_SSL_CERTFILE,
                settings.SUPERLINK_SSL_KEYFILE,
            )
        else:
            hosts = certificate_hosts(
                (settings.SUPERLINK_ADDRESS, settings.SUPERLINK_PUBLIC_ADDRESS), settings.SUPERLINK_TLS_HOSTS
            )
            files = ensure_local_ca(settings.SUPERLINK_TLS_DIR, hosts)
            ca, cert, key = str(files.ca_certfile), str(files.certfile), str(files.keyfile)
            made = "Made a new" if files.issued else "The"
            self.stdout.write(f"{made} SuperLink certificate, for: {', '.join(files.hosts)}")
        self.stdout.write(f"SuperLink root certificate for flwr and flower-supernode: {ca}")
        self.stdout.write(
            "Connect the flwr CLI: add to ~/.flwr/config.toml\n"
            f'  [superlink.supergrid]\n  address = "{settings.SUPERLINK_PUBLIC_ADDRESS}"\n'
            f'  root-certificates = "{Path(ca).resolve()}"\n'
            "then run: flwr login supergrid"
        )
        return ["--ssl-ca-certfile", str(ca), "--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]

    def handle(self, *args: Any, superlink_args: list[str], **options: Any) -> None:
        superlink_environment()
        self.stdout.write(f"Run artifacts: apps write into {os.environ['SUPERGRID_ARTIFACTS_DIR']}/<run id>")
        host, _, port = settings.SUPERLINK_LISTEN.rpartition(":")
        host = host.removeprefix("[").removesuffix("]")
        extra = [arg for arg in superlink_args if arg != "--"]
        argv = [
            "--host",
            host,
            "--port",
            port,
            "--database",
            settings.SUPERLINK_DATABASE,
            "--enable-supernode-auth",
            "--disable-runtime-dependency-installation",
            *self.tls_arguments(),
            *extra,
        ]
        Path(settings.SUPERLINK_DATABASE).parent.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"SuperLink on {settings.SUPERLINK_LISTEN} (Control, Fleet and Runtime APIs)")
        from superlink.seam import run_superlink

        run_superlink(argv)
