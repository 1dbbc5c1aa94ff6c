import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertRedirects

from accounts.models import CliSession, User
from federations.services import invite

from ..factories import PASSWORD, FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


def signup(client, **overrides):
    data = {
        "username": "newcomer",
        "email": "newcomer@example.com",
        "password1": PASSWORD,
        "password2": PASSWORD,
        **overrides,
    }
    return client.post(reverse("account_signup"), data)


def test_signup_creates_the_account_and_lands_on_the_dashboard(client):
    response = signup(client)
    assertRedirects(response, reverse("federations:dashboard"))
    user = User.objects.get(username="newcomer")
    assert user.email == "newcomer@example.com"
    assert client.get(reverse("profile")).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"username": "ALICE"}, "username", "That username is taken"),
        ({"username": "two words"}, "username", "no spaces"),
        ({"username": "x" * 40}, "username", "at most 39 characters"),
        ({"username": "-leading"}, "username", "starting with a letter or digit"),
        ({"password1": "password", "password2": "password"}, "password1", "too common"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1", "entirely numeric"),
        ({"email": "alice@example.com"}, "email", "already registered"),
        ({"email": "not-an-email"}, "email", "valid email"),
    ],
)
def test_refused_signups_show_the_error_next_to_the_field(client, overrides, field, message):
    UserFactory(username="alice", email="alice@example.com")
    response = signup(client, **overrides)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assertContains(response, f'id="id_{field}_error"')
    assert not User.objects.filter(email="newcomer@example.com").exists()


def test_production_sign_up_does_not_reveal_which_emails_have_accounts(
    client, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    UserFactory(username="alice", email="alice@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, email="alice@example.com")
    assert response.status_code == 302  # the same "check your inbox" page as for a new address
    assert "already registered" not in client.get(response["Location"]).content.decode()
    assert not User.objects.filter(username="newcomer").exists()
    assert mailoutbox[-1].to == ["alice@example.com"]  # the owner of the address is told instead


def test_sign_in_with_username_in_another_case_or_email(client, user):
    for login in ("ALICE", "alice@example.com"):
        client.logout()
        response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
        assertRedirects(response, reverse("federations:dashboard"), fetch_redirect_response=False)


def test_wrong_password_is_refused_with_a_message(client, user):
    response = client.post(reverse("account_login"), {"login": "alice", "password": "nope"})
    assert response.status_code == 200
    assertContains(response, "not correct")


def test_repeated_failed_sign_ins_are_rate_limited(client, user):
    for _ in range(5):
        client.post(reverse("account_login"), {"login": "alice", "password": "wrong"})
    response = client.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
    assert response.status_code == 200
    assertContains(response, "Too many failed login attempts")


def test_password_reset_sends_an_email(client, user, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def test_a_refused_password_reset_email_is_logged_without_its_link(
    client, user, settings, mailoutbox, django_capture_on_commit_callbacks, caplog
):
    settings.TASKS = {"default": {"BACKEND": "tests.support.BrokenTaskBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("account_reset_password"), {"email": "alice@example.com"})
    assert response.status_code == 302
    assert mailoutbox == []
    assert "Could not queue send_email" in caplog.text
    assert "/accounts/password/reset/key/" not in caplog.text


@pytest.mark.django_db(transaction=True)
def test_allauth_emails_wait_in_the_queue_and_keep_no_link_once_sent(client, settings, mailoutbox):
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    UserFactory(username="alice", email="alice@example.com")
    assert client.post(reverse("account_reset_password"), {"email": "alice@example.com"}).status_code == 302
    assert signup(client, email="new@example.com").status_code == 302
    assert mailoutbox == []  # nothing went out inside the requests
    assert DBTaskResult.objects.ready().count() == 2

    call_command("worker", batch=True)
    assert sorted(mail.to[0] for mail in mailoutbox) == ["alice@example.com", "new@example.com"]
    reset = next(mail for mail in mailoutbox if mail.to == ["alice@example.com"])
    assert "/accounts/password/reset/key/" in reset.body
    assert reset.subject.startswith("[SuperGrid] ")
    for result in DBTaskResult.objects.all():
        assert result.status == "SUCCESSFUL"
        assert "/accounts/" not in str(result.args_kwargs)


def test_sign_out_needs_post_and_ends_the_session(client, user):
    client.force_login(user)
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assertRedirects(client.get(reverse("profile")), f"{reverse('account_login')}?next=/profile/")


def test_profile_sends_anonymous_visitors_to_sign_in(client):
    response = client.get(reverse("profile"))
    assertRedirects(response, f"{reverse('account_login')}?next=/profile/")


def test_profile_shows_the_account(client, user):
    client.force_login(user)
    response = client.get(reverse("profile"))
    assertContains(response, user.flwr_aid)
    assertContains(response, "alice@example.com")
    assertContains(response, "Not granted")


def post_forms(html: str) -> dict[str, str]:
    """Each POST form's action and the CSRF token it carries ("" for none), as a browser would send it."""
    forms = re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', html, re.DOTALL)
    return {
        action: next(iter(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)), "")
        for action, body in forms
    }


def test_every_form_of_the_profile_posts_without_javascript(user):
    """The profile is one page with its sections (the inbox, run emails, limits) inside: every form of
    theirs and its own carries the request's CSRF token, and the answer's message shows on the page."""
    owner = UserFactory(username="olivia")
    lab = FederationFactory(owner=owner, name="lab")
    invitation = invite(federation=lab, inviter=owner, username=user.username)
    now = timezone.now()
    session = CliSession.objects.create(
        user=user,
        access_token_hash="a",
        refresh_token_hash="r",
        access_expires_at=now + timedelta(hours=1),
        refresh_expires_at=now + timedelta(days=30),
    )
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    page = browser.get(reverse("profile"))
    assertContains(page, "Limits")
    forms = post_forms(page.text)
    wanted = {
        reverse("change_language"),
        reverse("runs:emails"),
        reverse("revoke_cli_session", args=[session.pk]),
        reverse("federations:accept_invitation", args=[invitation.pk]),
        reverse("federations:decline_invitation", args=[invitation.pk]),
        reverse("request_deployment_access"),
    }
    assert wanted <= forms.keys()
    assert all(forms[action] for action in wanted)

    revoke = reverse("revoke_cli_session", args=[session.pk])
    answer = browser.post(revoke, {"csrfmiddlewaretoken": forms[revoke]}, follow=True)
    assertContains(answer, "CLI session revoked. That flwr CLI must log in again.")
    accept = reverse("federations:accept_invitation", args=[invitation.pk])
    answer = browser.post(accept, {"csrfmiddlewaretoken": forms[accept]}, follow=True)
    assertContains(answer, "You joined @olivia/lab.")
    assertContains(answer, "No pending invitations.")


def test_landing_page_sends_signed_in_users_to_the_dashboard(client, user):
    assertContains(client.get("/"), "Sign Up")
    client.force_login(user)
    assertRedirects(client.get("/"), reverse("federations:dashboard"))


def test_the_profile_says_how_to_point_flwr_at_this_supergrid_and_its_hub(client, settings):
    settings.SUPERLINK_PUBLIC_ADDRESS = "grid.example.org:9093"
    settings.HUB_API_URL = "https://grid.example.org/api/hub/v1"
    client.force_login(UserFactory(username="alice"))
    response = client.get(reverse("profile"))
    assertContains(response, 'address = "grid.example.org:9093"')
    assertContains(response, "export FLWR_SUPERGRID_API_URL=https://grid.example.org/api/hub/v1")
    assertContains(response, "export FLWR_SUPERGRID_ADDRESS=grid.example.org:9093")
