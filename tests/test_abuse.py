"""Abuse and careless input: rate limits that see the real client, capped anonymous work, evicting
intruders, text limits on every path, and emails that go only where they should."""

import subprocess
import sys
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from flwr.supercore.error import FlowerError

from accounts import cli_login
from accounts.models import CliSession, DeviceAuthorization
from federations import services
from superlink.federation_manager import PortalFederationManager
from superlink.node_directory import NodeDirectory

from .factories import PASSWORD, FederationFactory, UserFactory

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


def test_invitation_attempts_to_unknown_usernames_count_toward_the_rate_limit(settings, owner):
    settings.INVITATION_RATE_LIMIT = "3/h"
    federation = FederationFactory(owner=owner)
    UserFactory(username="real")
    for name in ("nobody-1", "nobody-2", "nobody-3"):
        with pytest.raises(services.FederationError, match="There is no account"):
            services.invite(federation=federation, inviter=owner, username=name)
    with pytest.raises(services.FederationError, match="too quickly"):
        services.invite(federation=federation, inviter=owner, username="real")


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


def test_the_superlink_tells_the_cli_when_logins_are_capped(settings):
    from superlink.auth_plugin import PortalAuthnPlugin

    settings.CLI_LOGIN_PENDING_LIMIT = 0
    with pytest.raises(FlowerError, match="Too many"):
        PortalAuthnPlugin().get_login_details()


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


@pytest.fixture
def manager():
    return PortalFederationManager(directory=NodeDirectory(interval=60))


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("x" * 5000, "Keep it under 1000 characters"),
        ("\x1b[31mred\x1b[0m", "control characters"),
        ("nul\x00byte", "control characters"),
    ],
)
def test_descriptions_from_the_cli_get_the_webs_limits(manager, owner, description, message):
    with pytest.raises(FlowerError, match=message):
        manager.create_federation(owner.flwr_aid, "@olivia/lab", description, simulation=True)
    federation = FederationFactory(owner=owner, name="ok")
    with pytest.raises(services.FederationError, match=message):
        services.update_settings(federation=federation, actor=owner, description=description)


def test_line_breaks_and_tabs_are_fine_in_descriptions(owner):
    federation = services.create_federation(owner=owner, name="lab", kind="simulation", description="a\n\tb")
    assert federation.description == "a\n\tb"


def test_nul_and_control_characters_in_names_are_not_found_never_a_500(client, owner, member):
    federation = FederationFactory(owner=owner, name="lab", members=[member])
    for name in ("ivy\x00", "ivy\x1b"):
        with pytest.raises(services.FederationError, match="There is no account"):
            services.invite(federation=federation, inviter=owner, username=name)
    client.force_login(member)
    assert client.get("/@olivia%00/lab/").status_code == 404
    assert client.get("/@olivia/lab%00/").status_code == 404


def test_deployment_access_reasons_refuse_control_characters(client, user):
    client.force_login(user)
    response = client.post(reverse("request_deployment_access"), {"reason": "please\x1b[2J"})
    assert response.status_code == 400
    assert "control characters" in response.content.decode()


def test_invitation_emails_link_to_the_portal_and_reach_only_verified_addresses(
    settings, owner, mailoutbox, django_capture_on_commit_callbacks
):
    settings.PORTAL_URL = "https://grid.example.org"
    federation = FederationFactory(owner=owner)
    verified, unverified = UserFactory(username="ivy"), UserFactory(username="una", verified_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.invite(federation=federation, inviter=owner, username="ivy")
        services.invite(federation=federation, inviter=owner, username="una")
    assert [mail.to for mail in mailoutbox] == [[verified.email]]
    assert "https://grid.example.org/profile/" in mailoutbox[0].body
    assert unverified.email not in str([mail.to for mail in mailoutbox])


@pytest.mark.parametrize("run_id", [2**64, 10**50])
def test_a_run_id_beyond_flowers_64_bits_is_not_found(client, federation, member, run_id):
    client.force_login(member)
    base = f"/@{federation.owner.username}/{federation.name}/runs/{run_id}/"
    for path in (base, f"{base}logs/", f"{base}metrics.csv"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"{base}stop/").status_code == 404


def test_the_largest_run_id_still_reaches_the_run_page(client, federation, member):
    client.force_login(member)
    response = client.get(f"/@{federation.owner.username}/{federation.name}/runs/{2**64 - 1}/")
    assert response.status_code == 200
    assert "SuperLink unreachable" in response.content.decode()


@pytest.mark.parametrize("code", ["%00", "ABCD-%00", "x" * 300, "ab%C3%A9"])
def test_a_cli_login_link_that_cannot_be_a_code_says_it_is_not_valid(client, user, code):
    client.force_login(user)
    for response in (client.get(f"/cli/login/{code}/"), client.post(f"/cli/login/{code}/")):
        assert response.status_code == 410
        assert "This login link is not valid" in response.content.decode()
