"""Production as deploy/ runs it, with real processes, and broken on purpose: gunicorn (2 workers, DEBUG=0,
collected static files), the SuperLink (listening on every interface, reached by the machine's host name)
and the email worker on PostgreSQL and Redis, a local SMTP server, and a stock SuperNode started from the
command the portal shows, with the CA downloaded from the portal. Then the SuperLink and the worker are
killed at the worst moments: nothing is lost and the SuperNode comes back."""

import asyncio
import io
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
import zipfile
from email import message_from_bytes
from html import unescape
from pathlib import Path

import httpx
import pytest
import redis
from aiosmtpd.controller import Controller
from prometheus_client.parser import text_string_to_metric_families

from ..factories import FederationFactory, UserFactory
from ..webhooks.receiving import Receiver
from .conftest import BIN, FLWR_ENV, ROOT, FlwrCli, SuperLink, database_url, free_port, stop, wait_for_tls
from .test_runs_e2e import make_key

pytestmark = [pytest.mark.flower, pytest.mark.django_db(transaction=True)]


class Inbox:
    """A local SMTP server that keeps what it receives; ``hold`` keeps it from answering a message, and a
    message whose sender hung up before the answer is dropped, as a mail server drops an unfinished one."""

    def __init__(self):
        self.messages = []
        self.hold = False
        self.holding = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        while self.hold:
            self.holding += 1
            await asyncio.sleep(0.1)
        if server.transport is None or server.transport.is_closing():
            return "421 sender went away"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"

    def wait_for(self, count: int, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.messages) < count:
            time.sleep(0.2)
        assert len(self.messages) >= count, f"{len(self.messages)} email(s) arrived, expected {count}"
        return self.messages[count - 1]

    def wait_for_hold(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.holding:
            time.sleep(0.1)
        assert self.holding, "no email reached the mail server"


class Browser:
    """A signed-in browser against the real server: cookies kept by hand (production marks them Secure)."""

    def __init__(self, base: str):
        self.http = httpx.Client(base_url=base, follow_redirects=False, timeout=30)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = kwargs.pop("headers", {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        response = self.http.request(method, path, headers=headers, **kwargs)
        for name, value in response.cookies.items():
            self.cookies[name] = value
        return response

    def get(self, path: str) -> httpx.Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict | None = None, files=None) -> httpx.Response:
        if "csrftoken" not in self.cookies:
            self.get("/accounts/login/")
        headers = {"X-CSRFToken": self.cookies["csrftoken"]}
        return self.request("POST", path, data={**(data or {})}, files=files, headers=headers)

    def sign_in(self, username: str, password: str) -> None:
        response = self.post("/accounts/login/", {"login": username, "password": password})
        assert response.status_code == 302, response.text[-1500:]


def start(command: list[str], env: dict, log: Path, cwd: Path = ROOT) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def wait_http(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer:\n{log.read_text()[-3000:]}")


@pytest.fixture
def grid(django_db_setup, tmp_path, settings):
    """The three processes of deploy/systemd, started the way the units start them."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the production processes share the test database: run with DATABASE_URL=postgres://…")
    portal_port, superlink_port = free_port(), free_port()
    host_name = socket.gethostname()  # where other sites reach the grid, as a real server's name
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    var = tmp_path / "var"
    (tmp_path / "metrics").mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        **FLWR_ENV,
        "DEBUG": "0",
        "SECRET_KEY": "smoke-test-" + "k" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "PORTAL_URL": f"http://127.0.0.1:{portal_port}",
        "SECURE_SSL_REDIRECT": "0",  # no TLS proxy in front here; nginx does this in production
        "DATABASE_URL": database_url(),
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        "TASKS_BACKEND": "database",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp.port),
        "EMAIL_USE_TLS": "0",
        "SUPERGRID_VAR_DIR": str(var),
        "SUPERLINK_ADDRESS": f"127.0.0.1:{superlink_port}",
        "SUPERLINK_LISTEN": f"0.0.0.0:{superlink_port}",
        "SUPERLINK_PUBLIC_ADDRESS": f"{host_name}:{superlink_port}",
        "SUPERLINK_DATABASE": str(var / "superlink.db"),
        "SUPERLINK_TLS_DIR": str(var / "tls"),
        "GUNICORN_BIND": f"127.0.0.1:{portal_port}",
        "WEB_CONCURRENCY": "2",
        "METRICS_TOKEN": "smoke-metrics-token",
        "SUPERLINK_METRICS_PORT": str(free_port()),
        "WEBHOOKS_ALLOW_HTTP": "1",  # the receiver below is plain HTTP on this machine, which the operator allows
        "WEBHOOKS_ALLOWED_NETWORKS": "127.0.0.0/8",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),  # the portal unit's RuntimeDirectory
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    # Rate limits live in this Redis database: a grid starts with none used (allauth sends one address
    # verification per address every 3 minutes, which a run of this test a minute earlier would have used).
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    collect = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert collect.returncode == 0, collect.stderr
    logs = {name: tmp_path / f"{name}.log" for name in ("portal", "superlink", "worker")}
    commands = {
        "portal": [str(BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "supergrid.wsgi"],
        "superlink": [sys.executable, "manage.py", "superlink"],
        "worker": [sys.executable, "manage.py", "worker"],
    }
    processes = {name: start(command, env, logs[name]) for name, command in commands.items()}

    class Grid:
        base = f"http://127.0.0.1:{portal_port}"
        superlink_address = env["SUPERLINK_ADDRESS"]
        superlink_metrics = f"http://127.0.0.1:{env['SUPERLINK_METRICS_PORT']}/metrics"
        public_address = env["SUPERLINK_PUBLIC_ADDRESS"]
        ca_certfile = var / "tls" / "ca.pem"

        def restart(self, name: str) -> None:
            processes[name] = start(commands[name], env, logs[name])

        def kill(self, name: str, sig=signal.SIGTERM) -> None:
            os.killpg(processes[name].pid, sig)
            processes[name].wait(timeout=30)

        def wait_for_superlink(self) -> None:
            wait_for_tls(self.superlink_address, self.ca_certfile, processes["superlink"], logs["superlink"])

        def log(self, name: str) -> str:
            return logs[name].read_text(errors="replace")[-4000:]

    grid = Grid()
    grid.inbox = inbox
    grid.processes = processes
    try:
        wait_http(f"{grid.base}/healthz", processes["portal"], logs["portal"])
        grid.wait_for_superlink()
        yield grid
    finally:
        for process in processes.values():
            stop(process)
        smtp.stop()


def wait_for_text(browser: Browser, path: str, *texts: str, timeout: float = 240) -> str:
    deadline = time.monotonic() + timeout
    body = ""
    while time.monotonic() < deadline:
        body = browser.get(path).text
        if any(text in body for text in texts):
            return body
        time.sleep(2)
    raise AssertionError(f"{texts!r} never appeared on {path}:\n{body[-2000:]}")


def launch(browser: Browser, fab: bytes) -> str:
    launched = browser.post(
        "/@alice/hospitals/runs/launch/",
        {"overrides": "num-server-rounds=1"},
        files={"fab": ("app.fab", fab, "application/octet-stream")},
    )
    assert launched.status_code == 302, launched.text[-2000:]
    return launched.headers["Location"]


def wait_for_run(browser: Browser, run_page: str, node_log: Path) -> None:
    body = wait_for_text(browser, run_page, ">finished:completed<", ">finished:failed<", timeout=240)
    assert ">finished:completed<" in body, body[-3000:] + node_log.read_text()[-3000:]


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := check():
            return found
        time.sleep(0.5)
    raise AssertionError(f"{what} did not happen within {timeout} s")


@pytest.fixture
def receiver(tmp_path):
    receiver = Receiver(tmp_path / "receiver")
    yield receiver
    receiver.stop()


def test_production_grid_end_to_end(grid, tmp_path, quickstart_app, quickstart_fab, receiver):
    from federations.models import Invitation
    from webhooks.models import Delivery, Webhook

    alice = UserFactory(username="alice", has_deployment_access=True)
    UserFactory(username="bob"), UserFactory(username="carol"), UserFactory(username="dave")
    FederationFactory(owner=alice, name="hospitals", kind="deployment")
    password = "correct-horse-battery-staple"
    as_alice, as_bob = Browser(grid.base), Browser(grid.base)
    as_alice.sign_in("alice", password)
    as_bob.sign_in("bob", password)

    # Health, and collected static files served by the portal itself.
    health = httpx.get(f"{grid.base}/healthz").json()
    assert health == {"superlink": "ok", "database": "ok", "tasks": {**health["tasks"], "backend": "database"}}
    stylesheet = re.search(r'href="(/static/css/app\.[0-9a-f]+\.css)"', as_alice.get("/federations/").text).group(1)
    assert as_alice.get(stylesheet).status_code == 200

    # /metrics as Prometheus scrapes it: never without the token; every gunicorn worker's requests, merged.
    assert httpx.get(f"{grid.base}/metrics").status_code == 404
    for _ in range(6):  # spread over both workers
        httpx.get(f"{grid.base}/healthz")
    scraped = httpx.get(f"{grid.base}/metrics", headers={"Authorization": "Bearer smoke-metrics-token"})
    assert scraped.status_code == 200, scraped.text[-1000:]
    counts = {
        sample.labels.get("view"): sample.value
        for family in text_string_to_metric_families(scraped.text)
        for sample in family.samples
        if sample.name == "supergrid_request_duration_seconds_count"
    }
    assert counts.get("healthz", 0) >= 6, counts
    assert "supergrid_accounts" in scraped.text

    # An invitation is emailed by the worker, with an absolute link that opens the profile.
    members = "/@alice/hospitals/members/invite/"
    assert as_alice.post(members, {"username": "bob"}).status_code == 302
    mail = grid.inbox.wait_for(1)
    assert mail["To"] == "bob@example.com"
    link = re.search(r"(http://127\.0\.0\.1:\d+/profile/)", mail.get_payload(decode=True).decode()).group(1)
    assert link.startswith(grid.base)
    assert "Invitations" in as_bob.get(link.removeprefix(grid.base)).text

    # The worker dies while an email is queued; the email arrives once it is back.
    grid.kill("worker", signal.SIGKILL)
    assert as_alice.post(members, {"username": "carol"}).status_code == 302
    time.sleep(2)
    assert len(grid.inbox.messages) == 1
    grid.restart("worker")
    assert grid.inbox.wait_for(2)["To"] == "carol@example.com"

    # The worker dies while the mail server holds its answer: the email is sent again, once, when the
    # worker's lease runs out (30 s), within a minute of the restart.
    grid.inbox.hold = True
    assert as_alice.post(members, {"username": "dave"}).status_code == 302
    grid.inbox.wait_for_hold()
    grid.kill("worker", signal.SIGKILL)
    grid.inbox.hold = False
    grid.restart("worker")
    restarted = time.monotonic()
    assert grid.inbox.wait_for(3, timeout=60)["To"] == "dave@example.com"
    assert time.monotonic() - restarted < 60
    time.sleep(6)  # a heartbeat and more: nothing is sent twice
    assert [message["To"] for message in grid.inbox.messages].count("dave@example.com") == 1

    # A webhook for the federation's events (the owner's Settings tab); the worker dies while the receiver
    # holds its answer to "member joined": the event is delivered again when the lease runs out, with the
    # same event id (at least once), and recorded as delivered once.
    events = ["run.started", "run.finished", "run.failed", "member.joined", "supernode.added"]
    added = as_alice.post("/@alice/hospitals/settings/webhooks/add/", {"url": receiver.url, "events": events})
    assert added.status_code == 302, added.text[-2000:]
    receiver.trust(Webhook.objects.get().secret)
    receiver.hold(True)
    invitation = Invitation.objects.get(invitee__username="bob")
    assert as_bob.post(f"/invitations/{invitation.pk}/accept/").status_code == 302
    receiver.wait_for(lambda lines: {"holding": True} in lines, what="the held delivery")
    grid.kill("worker", signal.SIGKILL)
    receiver.hold(False)
    grid.restart("worker")
    joined = wait_until(
        lambda: Delivery.objects.filter(event="member.joined", status="delivered").first(), 90, "the redelivery"
    )
    received = receiver.received("member.joined")
    assert 1 <= len(received) <= 2
    assert {line["event_id"] for line in received} == {str(joined.event_id)}
    assert all(line["verified"] for line in received)
    assert received[0]["body"]["member"] == "bob"
    assert Delivery.objects.filter(event="member.joined").count() == 1
    assert grid.inbox.wait_for(4)["To"] == "alice@example.com"  # the owner hears that bob joined

    # Sign-up with the worker stopped sends nothing (allauth's emails wait in the queue too) until it runs.
    grid.kill("worker")
    newcomer = Browser(grid.base)
    signed_up = newcomer.post(
        "/accounts/signup/",
        {"username": "erin", "email": "erin@example.com", "password1": password, "password2": password},
    )
    assert signed_up.status_code == 302, signed_up.text[-2000:]
    time.sleep(3)
    assert len(grid.inbox.messages) == 4
    grid.restart("worker")
    verification = grid.inbox.wait_for(5)
    assert verification["To"] == "erin@example.com"
    assert "/accounts/confirm-email/" in verification.get_payload(decode=True).decode()

    # A SuperNode at "another site", started from the command on the SuperNodes page: it dials the
    # grid's host name, which the SuperLink's certificate covers.
    private, public = make_key(tmp_path, "key")
    assert as_alice.post("/supernodes/register/", {"public_key": public, "name": "site-a"}).status_code == 302
    page = unescape(as_alice.get("/supernodes/?show=all").text)
    keygen = re.search(r"ssh-keygen -t ecdsa -b 384 -N '' -f (\S+)</code>", page).group(1)
    download = re.search(r"curl -fsSLO ([^\s<]+)", page).group(1)
    command = re.search(r"(flower-supernode \\.*?)</code>", page, re.S).group(1)
    site = tmp_path / "site-a"
    site.mkdir()
    (site / "ca.pem").write_bytes(httpx.get(download).content)
    assert (site / "ca.pem").read_bytes() == grid.ca_certfile.read_bytes()
    (site / keygen).write_bytes(private.read_bytes())
    (site / keygen).chmod(0o600)
    argv = shlex.split(command.replace("\\\n", " "))
    assert argv[argv.index("--superlink") + 1] == grid.public_address
    assert argv[argv.index("--auth-supernode-private-key") + 1] == keygen  # the file ssh-keygen wrote
    # flwr at that site logs in to the public host name too, trusting the same downloaded CA.
    from django.test import Client

    public = SuperLink(grid.public_address, site / "ca.pem", grid.processes["superlink"], tmp_path / "superlink.log")
    cli = FlwrCli(public, site / "flwr", Client())
    logged_in = cli.login(alice)
    assert logged_in.returncode == 0, logged_in.text
    assert [f["id"] for f in cli.json("federation", "list", "grid")["federations"]] == [
        "@alice/workspace",
        "@alice/hospitals",
    ]

    node_env = {**os.environ, **FLWR_ENV, "FLWR_HOME": str(site / "home"), "PATH": f"{BIN}{os.pathsep}/usr/bin"}
    node_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    node_log = site / "supernode.log"
    node = start([str(BIN / argv[0]), *argv[1:]], node_env, node_log, cwd=site)
    try:
        node_id = re.search(
            r'<option value="(\d+)">site-a', as_alice.get("/@alice/hospitals/supernodes/?show=all").text
        )
        assert as_alice.post("/@alice/hospitals/supernodes/add/", {"node_id": node_id.group(1)}).status_code == 302
        wait_for_text(as_alice, "/@alice/hospitals/supernodes/?show=all", "Online", timeout=60)
        run_page = launch(as_alice, quickstart_fab)
        wait_for_run(as_alice, run_page, node_log)
        # A deployment run's ServerApp (flwr-serverapp under the SuperExec) saved its model; the worker
        # packed it; gunicorn serves the zip to a member.
        # (Not "final_model.npz": the run's log says that name before the worker has packed the zip.)
        wait_for_text(as_alice, run_page, "Download all (zip", timeout=60)
        zipped = as_alice.get(f"{run_page}artifacts/")
        assert zipped.status_code == 200, zipped.text[-2000:]
        assert {"final_model.npz", "metrics.json"} <= set(zipfile.ZipFile(io.BytesIO(zipped.content)).namelist())

        # The SuperLink is killed outright: pages keep answering and say so; health tells the monitor.
        grid.kill("superlink", signal.SIGKILL)
        assert httpx.get(f"{grid.base}/healthz").status_code == 200  # the portal itself is fine
        assert httpx.get(f"{grid.base}/healthz?all=1").status_code == 503
        for path in ("/federations/", "/@alice/hospitals/", "/@alice/hospitals/runs/", "/supernodes/", "/profile/"):
            response = as_alice.get(path)
            assert response.status_code == 200, path
        assert "SuperLink unreachable" in as_alice.get("/@alice/hospitals/runs/?show=all").text
        time.sleep(3)  # the SuperNode meets the closed port
        reconnections = node_log.read_text().count("Connection successful after")

        # Restarted as its unit restarts it: the SuperNode is back within 60 s and the next run completes.
        grid.restart("superlink")
        grid.wait_for_superlink()
        restarted = time.monotonic()
        while node_log.read_text().count("Connection successful after") == reconnections:
            assert node.poll() is None, node_log.read_text()[-3000:]
            assert time.monotonic() - restarted < 60, (
                "the SuperNode did not come back:\n" + node_log.read_text()[-3000:]
            )
            time.sleep(0.5)
        assert "SSL/TLS handshake error" not in node_log.read_text()
        assert httpx.get(f"{grid.base}/healthz?all=1").status_code == 200
        # This run through the stock CLI: exactly one "run finished" delivery, with its id, federation,
        # launcher, status and links.
        started = cli.json(
            "run",
            str(quickstart_app),
            "grid",
            "--federation",
            "@alice/hospitals",
            "--run-config",
            "num-server-rounds=1",
        )
        run_id = str(started["run-id"])
        wait_for_run(as_alice, f"/@alice/hospitals/runs/{run_id}/", node_log)
        wait_for_text(as_alice, "/@alice/hospitals/supernodes/?show=all", "Online", timeout=10)
        receiver.wait_for(
            lambda lines: any(
                line.get("event") == "run.finished" and line["body"]["run"]["id"] == run_id for line in lines
            ),
            timeout=60,
            what="run.finished",
        )
        time.sleep(3)
        finished = [line for line in receiver.received("run.finished") if line["body"]["run"]["id"] == run_id]
        assert len(finished) == 1, finished
        body = finished[0]["body"]
        assert finished[0]["verified"]
        assert body["federation"]["id"] == "@alice/hospitals"
        assert body["run"]["launcher"] == "alice"
        assert body["run"]["status"] == "completed"
        assert body["run"]["url"] == f"{grid.base}/@alice/hospitals/runs/{run_id}/"
        assert [line["body"]["run"]["id"] for line in receiver.received("run.started")].count(run_id) == 1
        assert len(receiver.received("run.finished")) == 2  # the browser's run before it, and this one
        assert len(receiver.received("supernode.added")) == 1

        # The SuperLink's own /metrics (a local port): its Control calls by method, the FederationManager's
        # calls, and the runs it holds by status and federation kind.
        samples = {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(httpx.get(grid.superlink_metrics).text)
            for sample in family.samples
        }
        assert samples[("supergrid_runs", (("kind", "deployment"), ("status", "completed")))] == 2  # its state survived
        started_runs = samples[
            ("supergrid_superlink_control_duration_seconds_count", (("method", "start_run"), ("outcome", "ok")))
        ]
        assert started_runs == 1  # the CLI's, since the restart
        assert (
            samples[
                ("supergrid_superlink_federation_manager_calls_total", (("method", "can_execute"), ("outcome", "ok")))
            ]
            >= 1
        )
        # The run's messages were routed from memory: not one SQL statement while serving the SuperNode
        # (Fleet API) or the ServerApp (ServerAppIo API), however many messages and routing checks.
        for api in ("fleet", "serverappio"):
            assert samples[("supergrid_superlink_messages_total", (("api", api), ("direction", "pushed")))] > 0
            assert samples[("supergrid_superlink_messages_total", (("api", api), ("direction", "pulled")))] > 0
            assert samples.get(("supergrid_superlink_sql_statements_total", (("api", api),)), 0.0) == 0, api
        routing = sum(
            samples.get(("supergrid_superlink_federation_manager_calls_total", (("method", m), ("outcome", "ok"))), 0)
            for m in ("has_node", "filter_nodes")
        )
        assert routing > 0
    finally:
        stop(node)
