"""FAB uploads and run-config overrides, and the launch form with no SuperLink running."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from superlink.fab import FAB_MAX_BYTES, InvalidFab, inspect_fab
from superlink.run_config import LaunchError, parse_overrides

pytestmark = pytest.mark.django_db


def fab(pyproject: str | None = '[tool.flwr.app]\npublisher = "me"\n') -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if pyproject is not None:
            archive.writestr("pyproject.toml", pyproject)
        archive.writestr("app/__init__.py", "")
    return buffer.getvalue()


def test_fab_checks():
    assert inspect_fab(fab()).run_config == {}
    with pytest.raises(InvalidFab, match="not a FAB"):
        inspect_fab(b"just text")
    with pytest.raises(InvalidFab, match="no pyproject.toml"):
        inspect_fab(fab(pyproject=None))
    with pytest.raises(InvalidFab, match=r"no \[tool.flwr.app\]"):
        inspect_fab(fab('[project]\nname = "x"\n'))
    with pytest.raises(InvalidFab, match="at most 10 MB"):
        inspect_fab(b"PK" + bytes(FAB_MAX_BYTES))


def test_overrides_parse_toml_scalars():
    assert parse_overrides('num-server-rounds=5\n\n# note\nlr = 0.1\nname="x y"\nflag=true') == {
        "num-server-rounds": 5,
        "lr": 0.1,
        "name": "x y",
        "flag": True,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rounds", "write key=value"),
        ("rounds=", "write key=value"),
        ("bad key=1", "not a valid key"),
        ("name=hello", "not a value"),
        ("list=[1,2]", "only numbers"),
    ],
)
def test_bad_overrides_name_the_line(text, message):
    with pytest.raises(LaunchError, match=f"Line 1: .*{message}|{message}"):
        parse_overrides(text)


def launch(client, federation, **data):
    payload = {"fab": SimpleUploadedFile("app.fab", fab()), "overrides": "", **data}
    return client.post(reverse("runs:launch_run", kwargs=federation.url_kwargs()), payload)


def test_launch_refuses_bad_uploads_next_to_the_field(client, federation, member):
    client.force_login(member)
    response = launch(client, federation, fab=SimpleUploadedFile("x.fab", b"not a zip"), overrides="rounds")
    assert response.status_code == 400
    form = response.context["launch_form"]
    assert "not a FAB" in form.errors["fab"][0]
    assert "key=value" in form.errors["overrides"][0]
    response = launch(client, federation, fab="")
    assert "fab" in response.context["launch_form"].errors


def test_launch_says_when_the_superlink_is_down(client, federation, member):
    client.force_login(member)
    assertContains(launch(client, federation), "SuperLink unreachable", status_code=400)


def test_launch_access(client, federation, archived_federation, owner, outsider):
    client.force_login(outsider)
    assert launch(client, federation).status_code == 404
    client.force_login(owner)
    assertContains(launch(client, archived_federation), "archived", status_code=403)
    assert client.get(reverse("runs:launch_run", kwargs=federation.url_kwargs())).status_code == 405
    response = client.get(reverse("runs:runs", kwargs=archived_federation.url_kwargs()))
    assertNotContains(response, "Launch run")
