"""`flwr login` on the portal's side: the login pages, device codes, CLI sessions and their revocation."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from accounts import cli_login as services
from accounts.models import CliSession, DeviceAuthorization, token_hash

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending():
    authorization, device_code = services.start_device_authorization()
    return authorization, device_code


def login_url(authorization):
    return reverse("cli_login", args=[authorization.user_code])


def test_login_page_needs_sign_in(client, pending):
    response = client.get(login_url(pending[0]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_login_page_shows_what_is_asking_and_authorizes(client, user, pending):
    authorization, device_code = pending
    client.force_login(user)
    page = client.get(login_url(authorization))
    assertContains(page, "Authorize")
    assertContains(page, authorization.user_code)
    assert services.exchange_device_code(device_code) is None  # still waiting
    assertContains(client.post(login_url(authorization)), "Return to your terminal")
    issued = services.exchange_device_code(device_code)
    assert issued.session.user == user
    session = CliSession.objects.get()
    assert session.access_token_hash == token_hash(issued.access_token) != issued.access_token
    assert issued.access_token not in str(CliSession.objects.values_list())
    with pytest.raises(services.LoginError, match="already used"):
        services.exchange_device_code(device_code)


@pytest.mark.parametrize("state", ["unknown", "expired", "used"])
def test_bad_login_links_get_a_clear_page(client, user, pending, state):
    authorization, _ = pending
    code = authorization.user_code
    if state == "unknown":
        code = "NOPE-NOPE"
    elif state == "expired":
        DeviceAuthorization.objects.filter(pk=authorization.pk).update(expires_at=timezone.now())
    else:
        services.approve_device_authorization(user_code=code, user=user)
    client.force_login(user)
    response = client.get(reverse("cli_login", args=[code]))
    assert response.status_code == 410
    assertContains(response, "cannot be used", status_code=410)
    assert client.post(reverse("cli_login", args=[code])).status_code == 410


def test_unapproved_login_expires_for_the_cli(pending):
    authorization, device_code = pending
    DeviceAuthorization.objects.filter(pk=authorization.pk).update(expires_at=timezone.now())
    with pytest.raises(services.LoginError, match="not authorized in time"):
        services.exchange_device_code(device_code)


def test_expired_access_tokens_are_refused(user):
    issued = services.issue_session(user)
    CliSession.objects.update(access_expires_at=timezone.now() - timedelta(seconds=1))
    assert services.account_for_access_token(issued.access_token) is None


def test_only_the_owner_revokes_a_cli_session(client, user, outsider):
    session = services.issue_session(user).session
    client.force_login(outsider)
    assert client.post(reverse("revoke_cli_session", args=[session.pk])).status_code == 404
    assert client.get(reverse("revoke_cli_session", args=[session.pk])).status_code == 405
    client.force_login(user)
    client.post(reverse("revoke_cli_session", args=[session.pk]))
    session.refresh_from_db()
    assert session.revoked_at is not None
    assertContains(client.get(reverse("profile")), "No CLI sessions")
