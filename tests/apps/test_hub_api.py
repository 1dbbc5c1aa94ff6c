"""The Hub API as stock flwr 1.42 calls it: publish with a `flwr login` token, fetch-fab, fetch-zip, apps."""

import io
import json
import zipfile
from pathlib import Path

import pytest
from django.urls import reverse
from urllib3 import encode_multipart_formdata

from accounts.cli_login import issue_session
from apps import services
from apps.management.commands import seed_hub
from apps.models import App, AppVersion

from ..support import folder_storage

pytestmark = pytest.mark.django_db

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "quickstart-numpy"


@pytest.fixture(autouse=True)
def _hub_storage(settings, tmp_path):
    folder_storage(settings, "hub", tmp_path)


def example_files(version: str = "1.0.0") -> list[tuple[str, bytes]]:
    """The example app's files as `flwr app publish` sends them (seed_hub's), at ``version``."""
    return [
        (name, content.replace(b'version = "1.0.0"', f'version = "{version}"'.encode()))
        if name == "pyproject.toml"
        else (name, content)
        for name, content in seed_hub.example_files()
    ]


def publish(client, user, files) -> object:
    """As `flwr app publish` sends them (requests' multipart): one "files" part per file, named by its path."""
    token = issue_session(user).access_token
    body, content_type = encode_multipart_formdata([("files", (name, content)) for name, content in files])
    return client.post(
        reverse("hub:publish"), body, content_type=content_type, headers={"Authorization": f"Bearer {token}"}
    )


def fetch(client, view: str, body) -> object:
    return client.post(reverse(view), json.dumps(body), content_type="application/json")


def test_publish_then_fetch_the_fab_and_the_source(client, owner):
    response = publish(client, owner, example_files())
    assert response.status_code == 201, response.content
    assert response.json()["app_id"] == "@olivia/quickstart-numpy"
    version = AppVersion.objects.get(app__name="quickstart-numpy", version="1.0.0")
    assert version.run_config["num-server-rounds"] == 5

    found = fetch(client, "hub:fetch_fab", {"app_id": "@olivia/quickstart-numpy", "app_version": None})
    assert found.status_code == 200
    fab = client.get(found.json()["fab_url"].removeprefix("http://testserver"))
    assert fab.status_code == 200
    with zipfile.ZipFile(io.BytesIO(fab.content)) as archive:
        pyproject = archive.read("pyproject.toml").decode()
    assert 'publisher = "olivia"' in pyproject  # stamped: stock flwr runs a Hub FAB only from its publisher

    zipped = fetch(client, "hub:fetch_zip", {"app_id": "@OLIVIA/quickstart-numpy", "app_version": "1.0.0"})
    source = client.get(zipped.json()["zip_url"].removeprefix("http://testserver"))
    names = zipfile.ZipFile(io.BytesIO(source.content)).namelist()
    assert "quickstart-numpy/pyproject.toml" in names
    assert "quickstart-numpy/quickstart_numpy/server_app.py" in names
    assert not any(name.startswith("quickstart-numpy/.info") for name in names)

    listed = client.get(reverse("hub:apps"), {"tag": "recommended"}).json()
    assert listed["apps"][0]["app_id"] == "@olivia/quickstart-numpy"


def test_versions_never_change_and_unknown_ones_name_those_there_are(client, owner):
    assert publish(client, owner, example_files("1.0.0")).status_code == 201
    again = publish(client, owner, example_files("1.0.0"))
    assert again.status_code == 400
    assert "already published, and versions never change" in again.json()["detail"]
    assert publish(client, owner, example_files("1.1.0")).status_code == 201
    latest = fetch(client, "hub:fetch_fab", {"app_id": "@olivia/quickstart-numpy", "app_version": None})
    assert latest.status_code == 200
    missing = fetch(client, "hub:fetch_fab", {"app_id": "@olivia/quickstart-numpy", "app_version": "9.9.9"})
    assert missing.status_code == 404
    assert missing.json()["detail"]["available_app_versions"] == ["1.0.0", "1.1.0"]
    assert fetch(client, "hub:fetch_fab", {"app_id": "@olivia/nothing", "app_version": None}).status_code == 404


def test_publishing_needs_a_valid_token(client, owner):
    body, content_type = encode_multipart_formdata([("files", ("pyproject.toml", b"x"))])
    assert client.post(reverse("hub:publish"), body, content_type=content_type).status_code == 401
    refused = client.post(
        reverse("hub:publish"), body, content_type=content_type, headers={"Authorization": "Bearer not-a-token"}
    )
    assert refused.status_code == 401
    assert "flwr login" in refused.json()["detail"]
    assert not App.objects.exists()


@pytest.mark.parametrize("name", ["../evil.py", "/etc/passwd", "a\\b.py", "C:/x.py", "ok/../../x.py"])
def test_file_names_that_leave_the_app_are_refused(client, owner, name):
    response = publish(client, owner, [*example_files(), (name, b"print('hi')")])
    assert response.status_code == 400
    assert "Refused the file name" in response.json()["detail"]
    assert not App.objects.exists()


def test_bad_bodies_are_refused_with_words_never_a_500(client, owner):
    for body in [b"not json", b"[]", json.dumps({"app_id": "@o/a", "extra": 1}).encode(), b'{"app_id": 5}']:
        response = client.post(reverse("hub:fetch_fab"), body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()["detail"]
    assert fetch(client, "hub:fetch_fab", {"app_id": "no-at-sign", "app_version": None}).status_code == 404


def test_a_fab_link_works_for_its_version_only_and_not_for_long(client, owner):
    publish(client, owner, example_files())
    url = fetch(client, "hub:fetch_fab", {"app_id": "@olivia/quickstart-numpy", "app_version": None}).json()["fab_url"]
    path = url.removeprefix("http://testserver")
    assert client.get(path).status_code == 200
    assert client.get(path.replace("/fab/", "/zip/")).status_code == 404  # a fab link is no zip link
    assert client.get(path[:-3] + "xyz").status_code == 404
    from apps import hub

    original = hub.LINK_SECONDS
    hub.LINK_SECONDS = -1
    try:
        assert client.get(path).status_code == 404  # expired
    finally:
        hub.LINK_SECONDS = original


def test_a_fab_whose_publisher_is_someone_else_is_refused(owner):
    from superlink.control_client import build_fab

    fab = build_fab(EXAMPLE)  # publisher = "supergrid"
    with pytest.raises(services.HubError, match='set publisher = "olivia"'):
        services.publish_fab(account=owner, fab=fab)


def test_the_app_page_shows_versions_and_how_to_run_it(client, owner, member):
    publish(client, owner, example_files())
    client.force_login(member)
    page = client.get(reverse("hub:app", kwargs={"owner": "olivia", "name": "quickstart-numpy"}))
    assert page.status_code == 200
    assert b"flwr run @olivia/quickstart-numpy" in page.content
    assert client.get(reverse("hub:app", kwargs={"owner": "olivia", "name": "nope"})).status_code == 404


def test_publish_takes_an_app_larger_than_a_form_and_refuses_one_larger_than_a_fab_in_json(client, owner):
    import os

    from apps.hub import PUBLISH_MAX_BYTES

    # 3 MB of Python (flwr build packs code, not data files): over the portal's 2.6 MB form limit.
    weights = ("quickstart_numpy/weights.py", b'W = "' + os.urandom(1_500_000).hex().encode() + b'"\n')
    response = publish(client, owner, [*example_files(), weights])
    assert response.status_code == 201, response.content
    assert AppVersion.objects.get(app__name="quickstart-numpy").size > 1_500_000

    too_large = ("quickstart_numpy/weights.py", b"#" * (PUBLISH_MAX_BYTES + 1))
    response = publish(client, owner, [*example_files("1.0.1"), too_large])
    assert response.status_code == 413
    assert response.json()["detail"].startswith("An app's files may be at most 10.5 MB")
