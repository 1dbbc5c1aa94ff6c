"""Abuse and careless input on accounts: sign-in rate limits that see the real client, capped anonymous
`flwr login`s, evicting CLI sessions with the password, text limits and login links that cannot be codes."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import cli_login
from accounts.models import CliSession, DeviceAuthorization

from ..factories import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, login, client_ip, password="wrong-password"):
    return client.post(
        reverse("account_login"),
        {"login": login, "password": password},
        REMOTE_ADDR="10.0.0.1",  # the reverse proxy
        HTTP_X_FORWARDED_FOR=client_ip,
    )


def test_failed_sign_ins_behind_a_trusted_proxy_lock_out_only_that_client(client, settings, user):
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    for attempt in range(25):
        sign_in(client, f"made-up-{attempt}", "203.0.113.5")
    locked = sign_in(client, "alice", "203.0.113.5", PASSWORD)
    assert "Too many failed login attempts" in locked.content.decode()
    assert sign_in(client, "alice", "198.51.100.7", PASSWORD).status_code == 302


def test_the_trusted_proxy_count_comes_from_the_environment():
    code = "from django.conf import settings; print(settings.ALLAUTH_TRUSTED_PROXY_COUNT)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={"DJANGO_SETTINGS_MODULE": "supergrid.settings", "TRUSTED_PROXY_COUNT": "2", "PATH": "/usr/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "2"


def test_anonymous_flwr_logins_are_capped_and_expired_ones_swept(settings):
    settings.CLI_LOGIN_PENDING_LIMIT = 3
    stale, _ = cli_login.start_device_authorization()
    DeviceAuthorization.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    for _ in range(3):
        cli_login.start_device_authorization()
    assert not DeviceAuthorization.objects.filter(pk=stale.pk).exists()
    with pytest.raises(cli_login.LoginError, match="Too many `flwr login` requests"):
        cli_login.start_device_authorization()
    assert DeviceAuthorization.objects.count() == 3


def test_changing_the_password_signs_out_every_cli_and_says_so(client, user):
    cli_login.issue_session(user)
    cli_login.issue_session(user)
    client.force_login(user)
    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a-new-long-passphrase", "password2": "a-new-long-passphrase"},
        follow=True,
    )
    assert "signed out 2 flwr CLI sessions" in response.content.decode()
    assert not CliSession.objects.filter(revoked_at__isnull=True).exists()


def test_a_password_reset_signs_out_every_cli(user):
    cli_login.issue_session(user)
    user.set_password("another-long-passphrase")
    user.save()
    assert cli_login.active_cli_sessions(user).count() == 0


def test_deployment_access_reasons_refuse_control_characters(client, user):
    client.force_login(user)
    response = client.post(reverse("request_deployment_access"), {"reason": "please\x1b[2J"})
    assert response.status_code == 400
    assert "control characters" in response.content.decode()


@pytest.mark.parametrize("code", ["%00", "ABCD-%00", "x" * 300, "ab%C3%A9"])
def test_a_cli_login_link_that_cannot_be_a_code_says_it_is_not_valid(client, user, code):
    client.force_login(user)
    for response in (client.get(f"/cli/login/{code}/"), client.post(f"/cli/login/{code}/")):
        assert response.status_code == 410
        assert "This login link is not valid" in response.content.decode()
