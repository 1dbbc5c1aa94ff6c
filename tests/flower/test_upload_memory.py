"""A huge request body never becomes a huge server process, under runserver and under gunicorn.

Django's test client hands the view the body in memory, so only real servers show how much of a body the
portal reads at once. Each server runs on its own migrated SQLite database under tmp_path (no PostgreSQL
needed); the test streams 300 MiB bodies to it and reads the peak RSS of the process that handled them.
"""

import contextlib
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from runs.uploads import TOO_LARGE
from superlink.fab import FAB_MAX_BYTES

from ..factories import PASSWORD
from .conftest import BIN, ROOT, free_port, stop
from .test_production_smoke import Browser, start, wait_http

pytestmark = pytest.mark.flower

MiB = 2**20
HUGE = 300 * MiB
GROWTH_LIMIT = 50 * MiB
LAUNCH = "/@alice/lab/runs/launch/"
SETUP = (
    "from tests.factories import FederationFactory, UserFactory; "
    "FederationFactory(owner=UserFactory(username='alice'), name='lab')"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, str]:
    """The environment of a portal of its own: migrated SQLite under tmp_path, alice and her federation "lab"."""
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("real servers are measured once, in the PostgreSQL pass (they run on SQLite of their own)")
    var = tmp_path_factory.mktemp("upload-memory")
    unwanted = {"DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL", "REDIS_URL", "EMAIL_HOST"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted} | {
        "PYTHONUNBUFFERED": "1",
        "SUPERGRID_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'portal.sqlite3'}",
        "SUPERLINK_ADDRESS": "127.0.0.1:9",  # none: pages say so at once
        "SUPERLINK_TLS_DIR": str(var / "no-superlink-tls"),
        "SECRET_KEY": "upload-memory-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",  # no TLS proxy in front here
        "PORTAL_URL": "http://127.0.0.1",
    }
    steps = [("1", ["migrate", "--noinput"]), ("1", ["shell", "-c", SETUP]), ("0", ["collectstatic", "--noinput"])]
    for debug, command in steps:  # DEBUG=0 serves the collected, hashed static files
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env={**env, "DEBUG": debug},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    return env


@dataclass
class Server:
    name: str
    base: str
    pid: int  # the process that handles requests: runserver itself, gunicorn's one worker
    log: Path


def only_child(parent: int) -> int:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == parent:
            children.append(int(stat.parent.name))
    assert len(children) == 1, children
    return children[0]


@pytest.fixture(scope="module", params=["runserver", "gunicorn"])
def server(request, site, tmp_path_factory) -> Iterator[Server]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("logs") / f"{request.param}.log"
    if request.param == "runserver":  # `make run`
        env = {**site, "DEBUG": "1", "PORTAL_URL": base}
        command = [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    else:  # production, as deploy/ runs it (one worker, to know which process to watch)
        env = {**site, "DEBUG": "0", "PORTAL_URL": base, "GUNICORN_BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
        command = [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "supergrid.wsgi"]
    process = start(command, env, log)
    try:
        wait_http(f"{base}/healthz", process, log)
        yield Server(request.param, base, process.pid if request.param == "runserver" else only_child(process.pid), log)
    finally:
        stop(process)


def memory(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (the peak RSS) in bytes."""
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {k: int(v.split()[0]) * 1024 for k, v in (line.split(":", 1) for line in lines) if k in ("VmRSS", "VmHWM")}


def peak_growth(server: Server, send: Callable[[], httpx.Response]) -> tuple[int, httpx.Response]:
    """How far above its RSS before the request the server's RSS peaked while handling it."""
    before = memory(server.pid)
    # Restart the peak from now (Linux >= 4.0); failing that, the peak since the start counts, which only overstates.
    with contextlib.suppress(OSError):
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")
    response = send()
    time.sleep(0.5)  # runserver reads what the portal left of a body after answering: let that count too
    after = memory(server.pid)
    growth = after["VmHWM"] - before["VmRSS"]
    print(
        f"\n{server.name}: RSS before {before['VmRSS'] / MiB:.0f} MiB, peak {after['VmHWM'] / MiB:.0f} MiB, "
        f"growth {growth / MiB:+.1f} MiB, answer {response.status_code}"
    )
    return growth, response


def zeros(size: int) -> Iterator[bytes]:
    """size zero bytes, a MiB at a time: no line breaks, the worst case for anything reading by lines."""
    chunk = bytes(MiB)
    for start_at in range(0, size, MiB):
        yield chunk[: min(MiB, size - start_at)]


def multipart(fields: dict[str, str], big_field: str, size: int, filename: str | None) -> tuple[str, int, Iterator]:
    """A multipart body whose last part (a file, or a plain field) is size zero bytes, streamed."""
    boundary = uuid.uuid4().hex
    head = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()
    )
    disposition = f'form-data; name="{big_field}"' + (f'; filename="{filename}"' if filename else "")
    head += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n"
    head += "Content-Type: application/octet-stream\r\n\r\n" if filename else "\r\n"
    tail = f"\r\n--{boundary}--\r\n".encode()

    def chunks():
        yield head.encode()
        yield from zeros(size)
        yield tail

    return f"multipart/form-data; boundary={boundary}", len(head.encode()) + size + len(tail), chunks()


def urlencoded(prefix: str, size: int) -> tuple[str, int, Iterator]:
    def chunks():
        yield prefix.encode()
        for chunk in zeros(size):
            yield chunk.replace(b"\0", b"A")

    return "application/x-www-form-urlencoded", len(prefix) + size, chunks()


def post_streamed(browser: Browser, path: str, body: tuple[str, int, Iterator]) -> httpx.Response:
    """POST a body streamed from a generator, with its length (runserver cannot take chunked bodies)."""
    content_type, length, chunks = body
    if "csrftoken" not in browser.cookies:
        browser.get("/accounts/login/")
    headers = {"X-CSRFToken": browser.cookies["csrftoken"], "Content-Type": content_type, "Content-Length": str(length)}
    return browser.request("POST", path, content=chunks, headers=headers)


def fab(size: int) -> tuple[str, int, Iterator]:
    return multipart({"overrides": ""}, "fab", size, filename="app.fab")


def test_an_oversized_fab_gets_its_field_error_and_the_server_stays_small(server):
    alice = Browser(server.base)
    alice.sign_in("alice", PASSWORD)

    response = post_streamed(alice, LAUNCH, fab(FAB_MAX_BYTES + 2 * MiB))
    assert response.status_code == 400, response.text[-2000:]
    assert TOO_LARGE in response.text

    growth, response = peak_growth(server, lambda: post_streamed(alice, LAUNCH, fab(HUGE)))
    assert response.status_code == 400, response.text[-2000:]
    assert TOO_LARGE in response.text
    assert growth < GROWTH_LIMIT, f"{server.name} grew by {growth / MiB:.0f} MiB for a {HUGE / MiB:.0f} MiB upload"


@pytest.mark.parametrize(
    ("path", "body", "signed_in", "status"),
    [
        ("/supernodes/register/", lambda: urlencoded("name=site&public_key=", HUGE), True, 413),
        ("/supernodes/register/", lambda: multipart({"name": "site"}, "public_key", HUGE, filename=None), True, 413),
        ("/supernodes/register/", lambda: multipart({"name": "site"}, "key", HUGE, filename="key.pub"), True, 413),
        ("/accounts/login/", lambda: multipart({"password": "x"}, "login", HUGE, filename=None), False, 413),
        (LAUNCH, lambda: fab(HUGE), False, 302),  # login_required answers without reading the body
    ],
    ids=["register-form", "register-multipart-field", "register-multipart-file", "sign-in", "launch-anonymous"],
)
def test_oversized_bodies_elsewhere_leave_the_server_small(server, path, body, signed_in, status):
    browser = Browser(server.base)
    if signed_in:
        browser.sign_in("alice", PASSWORD)
    growth, response = peak_growth(server, lambda: post_streamed(browser, path, body()))
    assert response.status_code == status, response.text[-2000:]
    if status == 413:
        assert "larger than the 2.6 MB the portal accepts here" in response.text
    assert growth < GROWTH_LIMIT, f"{server.name} grew by {growth / MiB:.0f} MiB for a {HUGE / MiB:.0f} MiB body"
