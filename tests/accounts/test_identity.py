"""Usernames and federation names are ASCII and compared ASCII-lowercased, never by Unicode case folding.

On PostgreSQL ``UPPER('ı') = 'I'`` (dotless i) and ``UPPER('ſ') = 'S'`` (long s): a lookup with
Django's ``__iexact`` would let look-alike names reach real accounts. CI runs these on PostgreSQL too.
"""

import pytest
from django.urls import reverse

from accounts.models import User
from federations import services

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.mark.parametrize("name", ["alıce", "ALİCE", "aliſe"])
def test_signing_in_with_a_look_alike_username_fails(client, alice, password, name):
    response = client.post(reverse("account_login"), {"login": name, "password": password})
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session


def test_signing_in_ignores_ascii_case(client, alice, password):
    response = client.post(reverse("account_login"), {"login": "ALICE", "password": password})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


@pytest.mark.parametrize("owner", ["alıce", "aliſe"])
def test_look_alike_federation_urls_are_not_found(client, alice, owner):
    FederationFactory(owner=alice, name="fedavg-playground")
    client.force_login(alice)
    assert client.get(f"/@{owner}/fedavg-playground/").status_code == 404
    assert client.get("/@ALICE/FedAvg-Playground/").status_code == 200


def test_look_alike_federation_names_are_not_found(client, alice):
    FederationFactory(owner=alice, name="kit")
    client.force_login(alice)
    assert client.get("/@alice/\u212ait/").status_code == 404  # KELVIN SIGN lowercases to "k" in Python


@pytest.mark.parametrize("name", ["bıb", "BİB", "\u212aate"])
def test_invitations_to_look_alike_names_reach_nobody(alice, name):
    UserFactory(username="bib"), UserFactory(username="kate")
    federation = FederationFactory(owner=alice)
    with pytest.raises(services.FederationError, match="There is no account with the username"):
        services.invite(federation=federation, inviter=alice, username=name)


def test_natural_key_lookups_ignore_ascii_case_only(alice):
    assert User.objects.get_by_natural_key("Alice") == alice
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key("alıce")
