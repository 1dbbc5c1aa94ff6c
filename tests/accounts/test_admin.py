import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client):
    client.force_login(UserFactory(username="root-op", is_staff=True, is_superuser=True))
    return client


def test_grant_deployment_access_action(operator_client):
    bob, carol, dave = UserFactory(username="bob"), UserFactory(username="carol"), UserFactory(username="dave")
    response = operator_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "grant_deployment_access", "_selected_action": [bob.pk, carol.pk]},
        follow=True,
    )
    assertContains(response, "Granted deployment access to 2 user(s).")
    bob.refresh_from_db(), carol.refresh_from_db(), dave.refresh_from_db()
    assert (bob.has_deployment_access, carol.has_deployment_access, dave.has_deployment_access) == (True, True, False)


def test_user_admin_searches_and_filters(operator_client):
    UserFactory(username="searchable", has_deployment_access=True)
    UserFactory(username="zz-no-access")
    url = reverse("admin:accounts_user_changelist")
    assertContains(operator_client.get(url, {"q": "searchab"}), "searchable")
    response = operator_client.get(url, {"has_deployment_access__exact": "1"})
    assertContains(response, "searchable")
    assert "zz-no-access" not in response.content.decode()


def test_regular_users_cannot_open_the_admin(client):
    client.force_login(UserFactory())
    response = client.get(reverse("admin:accounts_user_changelist"))
    assert response.status_code == 302


def test_operators_cannot_rename_a_user(operator_client):
    bob = UserFactory(username="bob")
    url = reverse("admin:accounts_user_change", args=[bob.pk])
    page = operator_client.get(url).content.decode()
    assert 'name="username"' not in page
    operator_client.post(url, {"username": "robert", "email": bob.email, "date_joined_0": "2026-01-01"})
    bob.refresh_from_db()
    assert bob.username == "bob"


def test_operators_still_name_new_users(operator_client):
    page = operator_client.get(reverse("admin:accounts_user_add")).content.decode()
    assert 'name="username"' in page


def test_operators_see_signing_keys_and_reviews(operator_client, settings, tmp_path):
    from accounts import services
    from apps import services as hub

    from ..apps.test_hub_api import example_files
    from ..signing import new_key, sign
    from ..support import folder_storage

    folder_storage(settings, "hub", tmp_path)
    carol = UserFactory(username="carol")
    private, public = new_key()
    key = services.add_signing_key(user=carol, name="laptop", public_key=public)
    version = hub.publish_files(account=carol, files=example_files())
    signature, signed_at = sign(private, version.sha256)
    hub.review_version(
        reviewer=carol, app_id=version.app.handle, version="1.0.0", signature_b64=signature, signed_at=signed_at
    )
    assertContains(operator_client.get(reverse("admin:accounts_signingkey_changelist")), key.key_id)
    assertContains(operator_client.get(reverse("admin:hub_review_changelist")), "@carol/quickstart-numpy==1.0.0")
