import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


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
