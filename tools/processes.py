"""Processes the bench and the Flower tests start: free ports, waiting for TLS, ending process groups."""

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from pathlib import Path

BIN = Path(sys.executable).parent
FLWR_ENV = {"FLWR_DISABLE_UPDATE_CHECK": "1", "FLWR_TELEMETRY_ENABLED": "0", "PYTHONUNBUFFERED": "1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_tls(address: str, ca_certfile: Path, process: subprocess.Popen, log_path: Path, timeout=60.0):
    host, port = address.rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"SuperLink exited with {process.returncode}:\n{log_path.read_text()}")
        if ca_certfile.exists():
            try:
                context = ssl.create_default_context(cafile=str(ca_certfile))
                with (
                    socket.create_connection((host, int(port)), timeout=1) as raw,
                    context.wrap_socket(raw, server_hostname=host),
                ):
                    return
            except OSError:
                pass
        time.sleep(0.2)
    raise RuntimeError(f"SuperLink did not start in {timeout}s:\n{log_path.read_text()}")


def wait_for_http(address: str, path: str, process: subprocess.Popen, log_path: Path, timeout=60.0) -> None:
    import http.client

    host, port = address.rsplit(":", 1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            program = process.args[0] if isinstance(process.args, list) else process.args
            raise RuntimeError(f"{program!s} exited with {process.returncode}:\n{log_path.read_text()}")
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{address} did not answer in {timeout}s:\n{log_path.read_text()}")


def start(command: list[str], env: dict, log_path: Path, cwd: Path) -> subprocess.Popen:
    """A process in its own group, so that ``stop`` ends whatever it starts too."""
    with log_path.open("wb") as log_file:
        return subprocess.Popen(
            command, cwd=cwd, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    """End the process and everything it started (its own process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    else:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


def stop_ray() -> None:
    """Simulations start a local Ray whose agents leave the SuperLink's process group; end them too."""
    subprocess.run([str(BIN / "ray"), "stop", "--force"], capture_output=True, timeout=120, check=False)
