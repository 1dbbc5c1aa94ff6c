"""Real processes: the portal's SuperLink (manage.py superlink) and the stock `flwr` CLI.

The SuperLink reads the same test database as the test (PostgreSQL only: SQLite's test database lives
in this process's memory), so these tests use ``transaction=True`` and commit what they set up.
"""

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from django.db import connection

from tools.processes import BIN, FLWR_ENV, free_port, stop, stop_ray, wait_for_tls

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@dataclass
class SuperLink:
    address: str
    ca_certfile: Path
    process: subprocess.Popen
    log_path: Path
    metrics_url: str = ""

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def metric(self, name: str, **labels: str) -> float:
        """One sample of the SuperLink's own /metrics (0 when it has none yet)."""
        from prometheus_client.parser import text_string_to_metric_families

        text = httpx.get(self.metrics_url, timeout=10).text
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and all(sample.labels.get(key) == value for key, value in labels.items()):
                    return sample.value
        return 0.0


@contextlib.contextmanager
def running_superlink(workdir: Path, **extra_env: str):
    """`manage.py superlink` on a free port, on the test database; stopped (with its children) afterwards."""
    address = f"127.0.0.1:{free_port()}"
    metrics_port = str(free_port())
    env = {
        **os.environ,
        **FLWR_ENV,
        "SUPERLINK_METRICS_PORT": metrics_port,
        "DATABASE_URL": database_url(),
        "SUPERLINK_ADDRESS": address,
        "SUPERLINK_DATABASE": str(workdir / "state.db"),
        "SUPERLINK_TLS_DIR": str(workdir / "tls"),
        "PORTAL_URL": "http://testserver",
        "ARTIFACTS_WORK_DIR": str(workdir / "artifacts-work"),
        "ARTIFACTS_LOCATION": str(workdir / "artifacts"),
        "FLWR_HOME": str(workdir / "flwr-home"),
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        **extra_env,
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log_path = workdir / "superlink.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "superlink"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_tls(address, workdir / "tls" / "ca.pem", process, log_path)
        metrics_url = f"http://127.0.0.1:{env['SUPERLINK_METRICS_PORT']}/metrics"
        yield SuperLink(address, workdir / "tls" / "ca.pem", process, log_path, metrics_url)
    finally:
        stop(process)
        # This stops every Ray instance of this user on the machine, which tests never share.
        stop_ray()


@pytest.fixture(scope="module")
def superlink(django_db_setup, django_db_blocker, tmp_path_factory):
    if connection.vendor != "postgresql":
        pytest.skip("the SuperLink subprocess shares the test database: run with DATABASE_URL=postgres://…")
    with running_superlink(tmp_path_factory.mktemp("superlink")) as running:
        yield running


@pytest.fixture(autouse=True)
def quiet_database_before_flush(request):
    """After each test, before its database is emptied (TRUNCATE of every table): wait until the SuperLink
    has finished what the test's last actions started (recording a run that ended, packing it, queueing
    webhooks), so the TRUNCATE does not deadlock with one of its transactions. Set up after the database
    fixture, so torn down before it."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        yield
        return
    request.getfixturevalue("_django_db_helper")
    yield
    if connection.vendor != "postgresql":
        return
    busy = (
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND state IN ('active', 'idle in transaction')"
    )
    deadline, quiet_since = time.monotonic() + 30, None
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(busy)
            working = cursor.fetchone()[0]
        if working:
            quiet_since = None
        elif quiet_since is None:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= 1.5:
            return
        time.sleep(0.1)


def clean(text: str) -> str:
    """CLI output without Rich's box drawing and line wrapping."""
    return re.sub(r"\s+", " ", re.sub(r"[│╭╮╰╯─]", " ", text)).strip()


@dataclass
class CliResult:
    returncode: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return clean(self.stdout + " " + self.stderr)


class FlwrCli:
    """The stock `flwr` CLI with its own FLWR_HOME, connected to the test SuperLink as one user."""

    def __init__(self, superlink: SuperLink, home: Path, client):
        self.superlink = superlink
        self.home = home
        self.client = client
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text(
            '[superlink]\ndefault = "grid"\n\n[superlink.grid]\n'
            f'address = "{superlink.address}"\nroot-certificates = "{superlink.ca_certfile}"\n'
        )
        self.env = {**os.environ, **FLWR_ENV, "FLWR_HOME": str(home)}
        self.env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    def __call__(self, *args: str, timeout: float = 60) -> CliResult:
        result = subprocess.run(
            [str(BIN / "flwr"), *args], env=self.env, capture_output=True, text=True, timeout=timeout, check=False
        )
        return CliResult(result.returncode, result.stdout, result.stderr)

    def json(self, *args: str):
        import json

        result = self(*args, "--format", "json")
        assert result.returncode == 0, result.text
        return json.loads(result.stdout)

    def login(self, user) -> CliResult:
        """`flwr login`, approved through the portal's page as the signed-in user."""
        process = subprocess.Popen(
            [str(BIN / "flwr"), "login", "grid"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            lines = []
            code = None
            deadline = time.monotonic() + 30
            while code is None and time.monotonic() < deadline:
                line = process.stdout.readline()
                if not line:
                    break
                lines.append(line)
                match = re.search(r"/cli/login/([A-Z0-9-]+)/", line)
                if match:
                    code = match.group(1)
            assert code, "".join(lines) + self.superlink.log()[-3000:]
            self.client.force_login(user)
            response = self.client.post(f"/cli/login/{code}/")
            assert response.status_code == 200, response.content
            rest, _ = process.communicate(timeout=30)
            return CliResult(process.returncode, "".join(lines) + rest, "")
        finally:
            stop(process)


@pytest.fixture
def cli_for(superlink, tmp_path):
    """cli_for(user) -> a logged-in FlwrCli for that user."""
    from django.test import Client

    def make(user, login=True):
        cli = FlwrCli(superlink, tmp_path / f"flwr-{user.username}", Client())
        if login:
            result = cli.login(user)
            assert result.returncode == 0, result.text
            assert "Login successful" in result.text
        return cli

    return make


@pytest.fixture
def portal(settings, superlink):
    """Point the portal's Control API client at the test SuperLink, and its artifacts storage at the one
    the SuperLink packs into."""
    from ..support import folder_storage

    settings.SUPERLINK_ADDRESS = superlink.address
    settings.SUPERLINK_TLS_DIR = superlink.ca_certfile.parent
    workdir = superlink.ca_certfile.parent.parent
    settings.ARTIFACTS_WORK_DIR = workdir / "artifacts-work"
    folder_storage(settings, "artifacts", workdir / "artifacts")
    return superlink


@pytest.fixture(scope="session")
def quickstart_app(tmp_path_factory) -> Path:
    """A copy of the example app's folder, for `flwr build` and `flwr run`."""
    app = tmp_path_factory.mktemp("app") / "quickstart-numpy"
    shutil.copytree(ROOT / "examples" / "quickstart-numpy", app)
    return app


@pytest.fixture(scope="session")
def quickstart_fab(quickstart_app) -> bytes:
    """The example app, built by the stock `flwr build`."""
    env = {**os.environ, **FLWR_ENV, "FLWR_HOME": str(quickstart_app.parent / "flwr-home")}
    result = subprocess.run(
        [str(BIN / "flwr"), "build"], cwd=quickstart_app, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    (fab,) = quickstart_app.glob("*.fab")
    return fab.read_bytes()


@pytest.fixture
def supernodes(superlink, tmp_path):
    """start(private_key_path, partition_id) -> a running stock flower-supernode; all stopped afterwards."""
    with supernode_starter(superlink, tmp_path) as start:
        yield start


@contextlib.contextmanager
def supernode_starter(superlink: SuperLink, tmp_path: Path):
    """start(private_key_path, partition_id, *extra_options) for stock flower-supernodes of this SuperLink;
    every one stopped on the way out, whatever happened."""
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(
        private_key: Path, partition_id: int = 0, num_partitions: int = 2, *extra: str
    ) -> tuple[subprocess.Popen, Path]:
        log_path = tmp_path / f"supernode-{len(started)}.log"
        env = {
            **os.environ,
            **FLWR_ENV,
            "FLWR_HOME": str(tmp_path / f"supernode-home-{len(started)}"),
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        with log_path.open("wb") as log_file:
            process = subprocess.Popen(
                [
                    str(BIN / "flower-supernode"),
                    "--superlink",
                    superlink.address,
                    "--root-certificates",
                    str(superlink.ca_certfile),
                    "--auth-supernode-private-key",
                    str(private_key),
                    "--node-config",
                    f"partition-id={partition_id} num-partitions={num_partitions}",
                    "--port",
                    str(free_port()),
                    *extra,
                ],
                env=env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append((process, log_path))
        return process, log_path

    try:
        yield start
    finally:
        for process, _ in started:
            stop(process)
