"""Single sign-on through a real OpenID provider (tests/oidc/idp.py, django-oauth-toolkit, a subprocess):
the first sign-in asks for a username, later ones find the account; every failure is a page that says
what happened, never a 500."""

from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.urls import reverse

from accounts.models import User

from ..factories import UserFactory
from ..oidc.provider import idp, use_providers  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sso(settings, idp):  # noqa: F811
    use_providers(settings, idp.provider())
    return idp


def start(client, provider_id: str = "uni"):
    """Click "Sign in with …" and confirm: the portal sends the browser to the provider."""
    url = reverse("openid_connect_login", kwargs={"provider_id": provider_id})
    return client.post(url, {"process": "login"})


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_the_sign_in_page_offers_each_provider_and_its_csp_allows_only_them(client, sso):
    page = client.get(reverse("account_login"))
    assert "Sign in with University A" in page.text
    csp = page.headers["Content-Security-Policy"]
    form_action = next(part for part in csp.split(";") if "form-action" in part)
    assert form_action.split() == ["form-action", "'self'", f"http://127.0.0.1:{sso.port}"]


def test_first_sign_in_asks_for_a_username_then_later_sign_ins_find_the_account(client, sso):
    redirect = start(client)
    assert redirect.status_code == 302
    assert redirect.headers["Location"].startswith(f"{sso.issuer}/authorize/")
    callback = client.get(path_of(sso.sign_in(redirect.headers["Location"])))
    assert callback.status_code == 302
    signup = client.get(callback.headers["Location"])
    assert "Username" in signup.text
    assert 'value="ada"' not in signup.text
    refused = client.post(callback.headers["Location"], {"username": "ada l!", "email": "ada@uni.example"})
    assert refused.status_code == 200
    assert not User.objects.filter(email="ada@uni.example").exists()
    done = client.post(callback.headers["Location"], {"username": "ada-l", "email": "ada@uni.example"})
    assert done.status_code == 302
    user = User.objects.get(username="ada-l")
    assert SocialAccount.objects.get(user=user).provider == "uni"
    assert EmailAddress.objects.get(user=user).verified  # the provider said email_verified
    assert user.flwr_aid
    assert user.owned_federations.filter(name="workspace").exists()

    client.logout()
    again = client.get(path_of(sso.sign_in(start(client).headers["Location"])))
    assert again.status_code == 302
    assert again.headers["Location"] == reverse("federations:dashboard")
    assert client.get(reverse("profile")).context["user"] == user
    assert User.objects.filter(email="ada@uni.example").count() == 1


def test_a_username_that_looks_like_anothers_is_refused(client, sso):
    UserFactory(username="ada")
    callback = client.get(path_of(sso.sign_in(start(client).headers["Location"])))
    response = client.post(callback.headers["Location"], {"username": "ADA", "email": "ada@uni.example"})
    assert response.status_code == 200
    assert "That username is taken" in response.text


def test_a_replayed_or_forged_state_is_a_clear_page(client, sso):
    callback = path_of(sso.sign_in(start(client).headers["Location"]))
    client.get(callback)
    client.logout()
    replayed = client.get(callback)
    assert replayed.status_code == 401
    assert "Sign-in with University A did not work" in replayed.text
    forged = client.get(reverse("openid_connect_callback", kwargs={"provider_id": "uni"}) + "?code=x&state=forged")
    assert forged.status_code == 401
    assert "did not work" in forged.text


def test_a_wrong_client_secret_is_a_clear_page(client, settings, sso):
    use_providers(settings, sso.provider(client_secret="not-the-secret"))
    response = client.get(path_of(sso.sign_in(start(client).headers["Location"])))
    assert response.status_code == 401
    assert "Sign-in with University A did not work" in response.text
    assert "tell your SuperGrid's operator" in response.text


@pytest.mark.parametrize("issuer", ["http://127.0.0.1:9/o", "{issuer}/nothing-here"])
def test_a_provider_that_is_down_or_a_wrong_issuer_is_a_clear_page(client, settings, sso, issuer):
    use_providers(settings, sso.provider(issuer=issuer.format(issuer=sso.issuer)))
    response = start(client)
    assert response.status_code == 502
    assert "University A is not answering" in response.text
    assert "Signing in with your username and password still works" in response.text


def test_password_sign_up_can_be_turned_off(client, settings, sso):
    settings.PASSWORD_SIGNUP = False
    page = client.get(reverse("account_signup"))
    assert "Sign Up Closed" in page.text or page.status_code in (302, 403)
    callback = client.get(path_of(sso.sign_in(start(client).headers["Location"])))
    done = client.post(callback.headers["Location"], {"username": "ada-l", "email": "ada@uni.example"})
    assert done.status_code == 302
    assert User.objects.filter(username="ada-l").exists()


def test_an_existing_account_connects_its_institution_on_the_profile(client, sso, user):
    client.force_login(user)
    profile = client.get(reverse("profile"))
    assert "Sign-in through your institution" in profile.text
    assert "Connect your institution" in profile.text
    connections = client.get(reverse("socialaccount_connections"))
    assert "Connect University A" in connections.text
    url = reverse("openid_connect_login", kwargs={"provider_id": "uni"})
    redirect = client.post(url, {"process": "connect"})
    done = client.get(path_of(sso.sign_in(redirect.headers["Location"])))
    assert done.status_code == 302
    assert SocialAccount.objects.get(user=user).provider == "uni"
    assert "You can sign in through University A." in client.get(reverse("profile")).text
    client.logout()
    client.get(path_of(sso.sign_in(start(client).headers["Location"])))
    assert client.get(reverse("profile")).context["user"] == user
