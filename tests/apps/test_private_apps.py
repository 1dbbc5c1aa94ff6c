"""Private apps: seen and run only by their publisher and the members of federations that use them.

Every URL of the Hub, for an outsider, a member of a federation that uses the app, and its publisher:
a private app is a missing page (404) to those who may not see it, on the web and in the Hub API.
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps import services
from apps.models import App, AppVersion
from superlink.control_client import build_fab
from superlink.hub_client import LAUNCHER_HEADER, launcher_token

from ..factories import FederationFactory
from ..support import folder_storage
from .test_hub_api import EXAMPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def secret(owner):
    """@olivia/secret-model, private, in none of the federations yet."""
    app = App.objects.create(owner=owner, name="secret-model", description="Hospital-only training", private=True)
    AppVersion.objects.create(app=app, version="1.0.0", fab_file="x", sha256="1" * 64, size=1)
    return app


def app_url(view: str) -> str:
    return reverse(view, kwargs={"owner": "olivia", "name": "secret-model"})


def fetch_fab(client, headers=None):
    body = json.dumps({"app_id": "@olivia/secret-model", "app_version": None})
    return client.post(reverse("hub:fetch_fab"), body, content_type="application/json", headers=headers or {})


@pytest.mark.parametrize(("method", "view"), [("get", "hub:app"), ("post", "hub:run"), ("post", "hub:visibility")])
def test_a_private_app_is_a_missing_page_to_those_who_may_not_see_it(client, secret, member, method, view):
    client.force_login(member)  # a member of the owner's federation, which does not use the app
    data = {"federation": "@olivia/fedavg-lab", "version": "1.0.0", "private": ""}
    assert getattr(client, method)(app_url(view), data).status_code == 404
    assert secret.versions.get().runs.count() == 0
    secret.refresh_from_db()
    assert secret.private
    assertNotContains(client.get(reverse("hub:list")), "secret-model")
    assertNotContains(client.get(reverse("hub:list"), {"q": "secret"}), "secret-model")


def test_members_of_a_federation_that_uses_it_see_it_and_its_publisher_changes_who_sees_it(
    client, secret, federation, owner, member, outsider
):
    services.add_to_federation(federation=federation, actor=owner, app=secret)
    client.force_login(member)
    page = client.get(app_url("hub:app"))
    assertContains(page, "private</span>")
    assertContains(page, "one of its apps")
    assertNotContains(page, "Make it public")  # only the publisher changes it
    assert client.post(app_url("hub:visibility"), {"private": ""}).status_code == 403
    assertContains(client.get(reverse("hub:list")), "@olivia/secret-model")

    client.force_login(outsider)
    assert client.get(app_url("hub:app")).status_code == 404
    client.force_login(owner)
    assertContains(client.post(app_url("hub:visibility"), {"private": ""}, follow=True), "is public now")
    client.force_login(outsider)
    assert client.get(app_url("hub:app")).status_code == 200


def test_the_hub_api_serves_a_private_app_only_to_a_launcher_who_may_see_it(client, secret, federation, owner, member):
    assert fetch_fab(client).status_code == 404  # no launcher: public apps only
    assert fetch_fab(client, {LAUNCHER_HEADER: launcher_token(member.flwr_aid)}).status_code == 404
    assert fetch_fab(client, {LAUNCHER_HEADER: launcher_token(owner.flwr_aid)}).status_code == 200
    services.add_to_federation(federation=federation, actor=owner, app=secret)
    assert fetch_fab(client, {LAUNCHER_HEADER: launcher_token(member.flwr_aid)}).status_code == 200
    forged = launcher_token(member.flwr_aid)[:-2] + "xx"
    assert fetch_fab(client, {LAUNCHER_HEADER: forged}).status_code == 404
    assert fetch_fab(client, {LAUNCHER_HEADER: member.flwr_aid}).status_code == 404  # an unsigned id
    zipped = client.post(
        reverse("hub:fetch_zip"),
        json.dumps({"app_id": "@olivia/secret-model", "app_version": None}),
        content_type="application/json",
    )
    assert zipped.status_code == 404  # `flwr new` sends nobody: private apps cannot be started from
    assert "secret-model" not in client.get(reverse("hub:apps")).content.decode()


def test_a_launcher_token_expires(client, secret, owner, monkeypatch):
    token = launcher_token(owner.flwr_aid)
    monkeypatch.setattr("superlink.hub_client.LAUNCHER_MAX_AGE", -1)
    assert fetch_fab(client, {LAUNCHER_HEADER: token}).status_code == 404


def test_an_owner_adds_only_apps_they_may_see(client, secret, outsider):
    theirs = FederationFactory(owner=outsider, name="elsewhere")
    client.force_login(outsider)
    page = client.get(reverse("hub:federation_apps", kwargs=theirs.url_kwargs()))
    assertNotContains(page, "secret-model")
    response = client.post(reverse("hub:add_app", kwargs=theirs.url_kwargs()), {"app": secret.pk})
    assert response.status_code == 404
    assert not theirs.hub_apps.exists()


def test_publishing_on_the_web_can_make_a_private_app(client, member, settings, tmp_path):
    folder_storage(settings, "hub", tmp_path)
    client.force_login(member)
    fab = SimpleUploadedFile("quickstart-numpy.fab", build_fab(EXAMPLE))
    response = client.post(reverse("hub:list"), {"fab": fab, "private": "on"}, follow=True)
    assertContains(response, "Published @max/quickstart-numpy==1.0.0")
    assert App.objects.get(owner=member).private
