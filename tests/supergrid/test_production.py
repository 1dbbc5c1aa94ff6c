"""Production mode as documented in deploy/: settings, error pages, health, the queue."""

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from federations import services
from superlink.tls import ensure_local_ca

from ..factories import FederationFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]

REQUIRE_TOOLS = os.environ.get("REQUIRE_TOOLS") == "1"


def documented_environment(tmp_path) -> dict:
    """deploy/supergrid.env as an operator fills it in, on a throwaway SQLite database."""
    env = {}
    for line in (ROOT / "deploy" / "supergrid.env").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value.strip().strip('"')
    env |= {"DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}", "SUPERGRID_VAR_DIR": str(tmp_path)}
    return env


def manage(*args, env: dict):
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")}
    command = [sys.executable, "manage.py", *args]
    return subprocess.run(command, cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_with_the_documented_environment(tmp_path):
    env = documented_environment(tmp_path)
    assert "CHANGE" in env["SECRET_KEY"]  # the template asks for one, made as its comment says
    env["SECRET_KEY"] = secrets.token_urlsafe(64)
    result = manage("check", "--deploy", "--fail-level", "DEBUG", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_needs_the_portal_url(tmp_path):
    env = documented_environment(tmp_path) | {"PORTAL_URL": ""}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "PORTAL_URL must be set" in result.stderr


def test_development_derives_the_portal_url_from_port(tmp_path):
    code = "from django.conf import settings; print(settings.PORTAL_URL)"
    env = {"DEBUG": "1", "PORT": "8100", "SUPERGRID_VAR_DIR": str(tmp_path), "PORTAL_URL": ""}
    result = manage("shell", "-c", code, env=env)
    assert result.stdout.strip().splitlines()[-1] == "http://127.0.0.1:8100", result.stderr


def tool(name: str) -> str:
    path = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if path is None:
        if REQUIRE_TOOLS:
            pytest.fail(f"REQUIRE_TOOLS=1 but {name} is not installed")
        pytest.skip(f"{name} is not installed")
    return path


def test_the_systemd_units_pass_systemd_analyze(tmp_path):
    analyze = tool("systemd-analyze")
    for unit in (ROOT / "deploy" / "systemd").glob("*.service"):
        (tmp_path / unit.name).write_text(unit.read_text().replace("/opt/supergrid", str(ROOT)))
    result = subprocess.run(
        [analyze, "verify", *sorted(str(p) for p in tmp_path.glob("*.service"))], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(tmp_path.glob("*.service"))) == 3


def test_the_nginx_example_passes_nginx_t(tmp_path):
    nginx = tool("nginx")
    files = ensure_local_ca(tmp_path / "tls", hosts=("grid.example.org",))
    config = (
        (ROOT / "deploy" / "nginx.conf")
        .read_text()
        .replace("/etc/letsencrypt/live/grid.example.org/fullchain.pem", str(files.certfile))
        .replace("/etc/letsencrypt/live/grid.example.org/privkey.pem", str(files.keyfile))
        .replace("/var/log/nginx/", f"{tmp_path}/")
        .replace("/run/nginx.pid", f"{tmp_path}/nginx.pid")
    )
    (tmp_path / "nginx.conf").write_text(config)
    result = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "error.log")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


@pytest.mark.django_db
def test_healthz_reports_each_part_and_fails_only_without_the_database(client, monkeypatch):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"superlink": "unreachable", "database": "ok", "tasks": {"backend": "immediate"}}

    def broken(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr("supergrid.views.connection.cursor", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


@pytest.mark.django_db
def test_a_get_to_a_post_only_url_gets_a_page_that_explains(client, federation, owner):
    client.force_login(owner)
    response = client.get(reverse("federations:archive", kwargs=federation.url_kwargs()))
    assertContains(response, "Use the button on the page", status_code=405)
    assert response["Allow"] == "POST"


def test_the_500_page_needs_neither_request_nor_database(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert b"Something went wrong" in response.content


@pytest.mark.django_db
def test_every_response_carries_a_request_id_for_the_logs(client):
    assert len(client.get("/").headers["X-Request-ID"]) == 32
    assert client.get("/", headers={"X-Request-ID": "lb-42"}).headers["X-Request-ID"] == "lb-42"
    assert client.get("/", headers={"X-Request-ID": "bad id\n"}).headers["X-Request-ID"] != "bad id\n"


class BrokenMail(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_queued_emails_are_retried_until_they_are_sent(settings, mailoutbox, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS_BACKEND = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    owner, invitee = UserFactory(username="olivia"), UserFactory(username="ivy")
    federation = FederationFactory(owner=owner)
    services.invite(federation=federation, inviter=owner, username="ivy")
    assert DBTaskResult.objects.ready().count() == 1  # queued, not sent inside the request
    assert mailoutbox == []

    def refuse(*args, **kwargs):
        raise BrokenMail("SMTP server down")

    monkeypatch.setattr("federations.notifications.send_mail", refuse)
    call_command("worker", batch=True)
    retry = DBTaskResult.objects.get(status="READY")
    assert json.loads(json.dumps(retry.args_kwargs))["args"][-1] == 2  # the second attempt
    assert retry.run_after > timezone.now()

    monkeypatch.undo()
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    call_command("worker", batch=True)
    assert [mail.to for mail in mailoutbox] == [[invitee.email]]


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_stopped_beating_is_queued_again(settings, mailoutbox):
    from datetime import timedelta

    from django_tasks_db.models import DBTaskResult

    from supergrid.management.commands.worker import LEASE_SECONDS, requeue_abandoned
    from supergrid.models import WorkerHeartbeat

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    owner, invitee = UserFactory(username="olivia"), UserFactory(username="ivy")
    federation = FederationFactory(owner=owner)
    services.invite(federation=federation, inviter=owner, username="ivy")
    now = timezone.now()
    long_ago = now - timedelta(seconds=LEASE_SECONDS + 1)
    WorkerHeartbeat.objects.create(worker_id="dead", beat_at=long_ago)
    WorkerHeartbeat.objects.create(worker_id="alive", beat_at=now)
    task = DBTaskResult.objects.get()
    DBTaskResult.objects.filter(pk=task.pk).update(status="RUNNING", started_at=long_ago, worker_ids=["alive"])
    assert requeue_abandoned() == 0  # a live worker keeps its task however long it runs
    DBTaskResult.objects.filter(pk=task.pk).update(worker_ids=["alive", "dead"])
    assert requeue_abandoned(now - timedelta(seconds=LEASE_SECONDS)) == 0  # the lease has not run out yet
    assert requeue_abandoned() == 1
    assert DBTaskResult.objects.get().status == "READY"

    call_command("worker", batch=True)
    assert [mail.to for mail in mailoutbox] == [[invitee.email]]
