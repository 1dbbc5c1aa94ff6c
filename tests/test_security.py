import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "x" * 64 + "production-like-secret-key-for-the-check",
        "ALLOWED_HOSTS": "grid.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        "SUPERGRID_VAR_DIR": str(tmp_path),
        "EMAIL_HOST": "smtp.example.org",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": "", "SUPERGRID_VAR_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_every_script_carries_the_csp_nonce(client):
    response = client.get(reverse("account_login"))
    policy = response.headers["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "unsafe-eval" not in policy
    assert "unsafe-inline" not in policy
    scripts = re.findall(r"<script[^>]*>", response.content.decode())
    assert scripts
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag or 'src="/static/' in tag, tag
    inline = [tag for tag in scripts if "src=" not in tag]
    assert all(f'nonce="{nonce}"' in tag for tag in inline)


@pytest.mark.django_db
def test_htmx_is_served_locally_with_the_csrf_header(client, user):
    client.force_login(user)
    page = client.get(reverse("profile")).content.decode()
    assert "/static/django_htmx/htmx-2.min.js" in page
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
