"""Reviews: `flwr app review` posts a signature of a version's FAB, checked against the reviewer's keys;
the Hub returns the reviews that count with the FAB; the app page shows them; federations may require them."""

import json

import pytest
from django.urls import reverse
from flwr.supercore.error import FlowerError
from pytest_django.asserts import assertContains

from accounts import services as account_services
from accounts.cli_login import issue_session
from apps import services
from apps.models import Review
from federations import services as federation_services
from superlink.federation_manager import PortalFederationManager
from superlink.node_directory import NodeDirectory

from ..signing import new_key, sign
from ..support import folder_storage
from .test_hub_api import example_files

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(owner, settings, tmp_path):
    folder_storage(settings, "hub", tmp_path)
    return services.publish_files(account=owner, files=example_files())


@pytest.fixture
def reviewer(member):
    private, public = new_key()
    account_services.add_signing_key(user=member, name="laptop", public_key=public)
    return member, private


def post_review(client, user, version, signature, signed_at, **extra):
    body = {
        "app_id": version.app.handle,
        "app_version": version.version,
        "signature_b64": signature,
        "signed_at": signed_at,
        "flwr_version": "1.42.0",
        **extra,
    }
    headers = {"Authorization": f"Bearer {issue_session(user).access_token}"} if user else {}
    return client.post(reverse("hub:signature"), json.dumps(body), content_type="application/json", headers=headers)


def fetched_verifications(client, version):
    body = json.dumps({"app_id": version.app.handle, "app_version": version.version})
    return client.post(reverse("hub:fetch_fab"), body, content_type="application/json").json()["verifications"]


def test_a_good_signature_is_kept_and_returned_with_the_fab(client, version, reviewer):
    member, private = reviewer
    assert fetched_verifications(client, version) == []
    signature, signed_at = sign(private, version.sha256)
    response = post_review(client, member, version, signature, signed_at)
    assert response.status_code == 201, response.content
    key = member.signing_keys.get()
    assert response.json()["key"] == key.key_id
    assert fetched_verifications(client, version) == [
        {"public_key_id": key.key_id, "signature": signature, "signed_at": signed_at}
    ]
    client.force_login(member)
    page = client.get(reverse("hub:app", kwargs={"owner": "olivia", "name": "quickstart-numpy"}))
    assertContains(page, "@max · ")
    assertContains(page, "flwr app review @olivia/quickstart-numpy==1.0.0")


@pytest.mark.parametrize("case", ["garbage", "other key", "other fab", "other time"])
def test_bad_signatures_are_refused_with_words(client, version, reviewer, case):
    member, private = reviewer
    signature, signed_at = sign(private, version.sha256)
    if case == "garbage":
        signature = "not-a-signature"
    elif case == "other key":
        signature, signed_at = sign(new_key()[0], version.sha256)
    elif case == "other fab":
        signature, signed_at = sign(private, "ab" * 32)
    else:
        signed_at += 1
    response = post_review(client, member, version, signature, signed_at)
    assert response.status_code == 400
    assert "does not verify with any of your signing keys" in response.json()["detail"]
    assert not Review.objects.exists()


def test_refusals_without_a_key_a_token_or_a_valid_body(client, version, outsider):
    signature, signed_at = sign(new_key()[0], version.sha256)
    assert post_review(client, None, version, signature, signed_at).status_code == 401
    no_keys = post_review(client, outsider, version, signature, signed_at)
    assert no_keys.status_code == 400
    assert "no signing key" in no_keys.json()["detail"]
    assert post_review(client, outsider, version, signature, "soon").status_code == 400
    assert post_review(client, outsider, version, signature, signed_at, extra=1).status_code == 400
    future = post_review(client, outsider, version, signature, signed_at + 86_400)
    assert future.status_code == 400
    unknown = client.post(
        reverse("hub:signature"),
        json.dumps({"app_id": "@olivia/nothing", "app_version": "1.0.0", "signature_b64": "x", "signed_at": 1}),
        content_type="application/json",
        headers={"Authorization": f"Bearer {issue_session(outsider).access_token}"},
    )
    assert unknown.status_code == 404


def test_a_removed_keys_review_stays_marked_and_stops_counting(client, version, reviewer):
    member, private = reviewer
    signature, signed_at = sign(private, version.sha256)
    post_review(client, member, version, signature, signed_at)
    account_services.remove_signing_key(user=member, key_id=member.signing_keys.get().pk)
    assert fetched_verifications(client, version) == []
    client.force_login(member)
    page = client.get(reverse("hub:app", kwargs={"owner": "olivia", "name": "quickstart-numpy"}))
    assertContains(page, "removed key: does not count")


def test_a_federation_that_requires_reviews_refuses_runs_without_one(client, version, federation, owner, reviewer):
    member, private = reviewer
    manager = PortalFederationManager(directory=NodeDirectory(interval=60))
    settings_url = reverse("federations:settings", kwargs=federation.url_kwargs())
    client.force_login(owner)
    refused = client.post(settings_url, {"num_supernodes": 2, "reviewers_required": "nobody-here"})
    assertContains(refused, "There is no account named nobody-here.")
    client.post(settings_url, {"num_supernodes": 2, "reviewers_required": "@MAX"})
    federation.refresh_from_db()
    assert federation.required_reviewers == ["max"]
    assertContains(client.get(reverse("federations:overview", kwargs=federation.url_kwargs())), "@max")

    with pytest.raises(FlowerError, match=r"must be reviewed by @max, and @olivia/quickstart-numpy==1.0.0 has no"):
        manager.check_launch(owner.flwr_aid, federation.handle, "@olivia/quickstart-numpy", "")
    with pytest.raises(FlowerError, match="this FAB is not a version of a Hub app they reviewed"):
        manager.check_launch(owner.flwr_aid, federation.handle, "", "f" * 64)
    other_private, other_public = new_key()
    account_services.add_signing_key(user=owner, name="own", public_key=other_public)
    services.review_version(
        reviewer=owner,
        app_id=version.app.handle,
        version="1.0.0",
        **dict(zip(("signature_b64", "signed_at"), sign(other_private, version.sha256), strict=True)),
    )
    with pytest.raises(FlowerError, match="has no review by them"):  # the owner's own review is not max's
        manager.check_launch(owner.flwr_aid, federation.handle, "@olivia/quickstart-numpy", "")

    signature, signed_at = sign(private, version.sha256)
    services.review_version(
        reviewer=member, app_id=version.app.handle, version="1.0.0", signature_b64=signature, signed_at=signed_at
    )
    launch = manager.check_launch(owner.flwr_aid, federation.handle, "", version.sha256)
    assert launch.app_spec == "@olivia/quickstart-numpy==1.0.0"  # the FAB is fetched with its reviews
    assert launch.reviewed_by == {"max", "olivia"}

    federation_services.update_settings(federation=federation, actor=owner, reviewers_required="")
    assert federation.activities.filter(verb="reviews_not_required").exists()
