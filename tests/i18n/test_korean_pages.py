"""Every page, rendered for a Korean reader, says nothing in English outside what stays in Latin letters:
Flower's own terms, names people chose (usernames, federations, apps), code, commands and ids."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from accounts import cli_login
from accounts import services as account_services
from accounts.models import SigningKey
from apps.models import App
from federations import services
from superlink.control_client import build_fab
from supernodes.models import FederationNode

from ..apps.test_hub_api import EXAMPLE
from ..factories import FederationFactory, UserFactory
from ..signing import new_key
from ..support import folder_storage
from .prose import english_left

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid(settings, tmp_path):
    folder_storage(settings, "hub", tmp_path)
    alice = UserFactory(username="alice", has_deployment_access=True, language="ko", is_staff=True, is_superuser=True)
    bob = UserFactory(username="bob", language="ko")
    UserFactory(username="carol", language="ko")
    federation = FederationFactory(owner=alice, name="hospitals", kind="deployment", members=[bob])
    FederationNode.objects.create(federation=federation, node_id="18446744073709551615", owner=bob)
    services.invite(federation=federation, inviter=alice, username="carol")
    FederationFactory(owner=alice, name="sims", kind="simulation", members=[bob])
    FederationFactory(owner=alice, name="old", members=[bob], archived=True)
    FederationFactory(owner=bob, name="bobs-lab")
    services.invite(federation=FederationFactory(owner=bob, name="study"), inviter=bob, username="alice")
    account_services.add_signing_key(user=alice, name="laptop", public_key=new_key()[1])
    cli_login.issue_session(alice)  # the profile's CLI sessions table
    web = Client()
    web.force_login(alice)
    published = web.post("/apps/", {"fab": SimpleUploadedFile("app.fab", build_fab(EXAMPLE))})
    assert published.status_code == 302
    return alice


NAMES = {
    "laptop",
    "alice",
    "bob",
    "carol",
    "hospitals",
    "sims",
    "old",
    "bobs",
    "lab",
    "study",
    "quickstart",
    "numpy",
    "supergrid",
}

SIGNED_IN = [
    "/federations/",
    "/federations/archived/",
    "/federations/new/",
    "/@alice/hospitals/",
    "/@alice/hospitals/members/",
    "/@alice/hospitals/members/invite/",
    "/@alice/hospitals/members/bob/remove/",
    "/@alice/hospitals/supernodes/",
    "/@alice/hospitals/runs/",
    "/@alice/hospitals/apps/",
    "/@alice/hospitals/activity/",
    "/@alice/hospitals/settings/",
    "/@alice/sims/",
    "/@alice/sims/settings/",
    "/@alice/old/",
    "/@alice/old/members/",
    "/profile/",
    "/profile/signing-keys/",
    "/supernodes/",
    "/runs/",
    "/apps/",
    "/apps/@alice/quickstart-numpy/",
    "/nowhere/",
    "/@bob/bobs-lab/",
]
ADMIN = [
    "/admin/",
    "/admin/accounts/user/",
    "/admin/accounts/deploymentaccessrequest/",
    "/admin/accounts/signingkey/",
    "/admin/federations/federation/",
    "/admin/federations/activity/",
    "/admin/federations/invitation/",
    "/admin/hub/app/",
    "/admin/hub/appversion/",
    "/admin/runs/runartifacts/",
    "/admin/webhooks/webhook/",
    "/admin/webhooks/delivery/",
]
SIGNED_OUT = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]


# Django's admin writes these alt texts in English whatever the language (not marked for translation).
DJANGO_ALTS = {"Search", "True", "False"}


@pytest.mark.parametrize("path", SIGNED_IN + ADMIN)
def test_pages_of_a_korean_member_have_no_english_left(client, grid, path):
    client.force_login(grid)
    response = client.get(path)
    assert response.status_code in (200, 403, 404), (path, response.status_code)
    page = response.content.decode()
    assert '<html lang="ko"' in page
    # What people wrote stays as written: the app's description and key ids (the admin lists them unmarked).
    for written in [App.objects.get().description, *SigningKey.objects.values_list("key_id", flat=True)]:
        page = page.replace(escape(written), "")
    left = english_left(page, NAMES)
    assert [word for word in left if not (path in ADMIN and word in DJANGO_ALTS)] == [], path


def test_the_cli_approval_pages_have_no_english_left(client, grid):
    """`flwr login`'s link: the approval page, its answer, and an unknown code."""
    client.force_login(grid)
    code = cli_login.start_device_authorization()[0].user_code
    pages = [client.get(f"/cli/login/{code}/"), client.post(f"/cli/login/{code}/"), client.get("/cli/login/NOPE-NOPE/")]
    for response in pages:
        assert english_left(response.content.decode(), NAMES) == [], response.request["PATH_INFO"]


@pytest.mark.parametrize("path", SIGNED_OUT)
def test_pages_for_a_korean_visitor_have_no_english_left(client, db, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9,en;q=0.5")
    assert response.status_code == 200
    assert english_left(response.content.decode(), NAMES) == [], path


def test_the_scan_finds_english():
    """The check itself: English prose is caught, code and names are not."""
    html = '<p>Invite someone <code>flwr run .</code> 초대 alice</p><button aria-label="Close">x</button>'
    assert english_left(html, {"alice"}) == ["Invite", "someone", "Close"]
