"""Launch input can never hurt the portal: no 500s, and memory bounded whatever the upload holds."""

import io
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.urls import reverse
from pytest_django.asserts import assertContains

from runs.uploads import TOO_LARGE, FabSizeLimit
from superlink.fab import FAB_MAX_BYTES, InvalidFab, inspect_fab
from superlink.run_config import LaunchError, parse_overrides

pytestmark = pytest.mark.django_db

APP = '[tool.flwr.app]\npublisher = "me"\n[tool.flwr.app.config]\nnum-server-rounds = 3\nlr = 0.1\n'


def zipped(files: dict, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """A FAB of about half a megabyte whose pyproject.toml inflates to 512 MiB."""
    buffer = io.BytesIO()
    chunk = b" " * (1024 * 1024)
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("pyproject.toml", "w", force_zip64=True) as entry,
    ):
        for _ in range(512):
            entry.write(chunk)
    return buffer.getvalue()


def test_a_fab_that_inflates_to_512_mib_is_refused_with_bounded_memory(bomb):
    assert len(bomb) < FAB_MAX_BYTES
    tracemalloc.start()
    try:
        with pytest.raises(InvalidFab, match="unpacks to more than 250 MB"):
            inspect_fab(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 4 * 1024 * 1024, f"peak {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"pyproject.toml": APP, "../evil.py": ""}, "unsafe path"),
        ({"pyproject.toml": APP, "/etc/evil.py": ""}, "unsafe path"),
        ({"pyproject.toml": APP, "C:/evil.py": ""}, "unsafe path"),
        ({"pyproject.toml": "tool = 1\n"}, r"no \[tool.flwr.app\]"),
        ({"pyproject.toml": "[tool]\nflwr = 5\n"}, r"no \[tool.flwr.app\]"),
        ({"pyproject.toml": "[tool.flwr]\napp = 3\n"}, r"no \[tool.flwr.app\]"),
        ({"pyproject.toml": "[tool.flwr.app]\nconfig = 3\n"}, "not a table"),
        ({"pyproject.toml": "x = " + "[" * 5000 + "]" * 5000 + "\n"}, "no readable pyproject.toml"),
        ({"pyproject.toml": b"\xff\xfe"}, "no readable pyproject.toml"),
        ({f"app/{n}.py": "" for n in range(2001)} | {"pyproject.toml": APP}, "at most 2000"),
    ],
)
def test_unsafe_or_malformed_fabs_are_refused_with_a_reason(files, message):
    with pytest.raises(InvalidFab, match=message):
        inspect_fab(zipped(files))


def test_encrypted_entries_and_other_compressions_are_refused():
    plain = bytearray(zipped({"pyproject.toml": APP}, compression=zipfile.ZIP_STORED))
    encrypted = bytes(plain).replace(b"PK\x03\x04\x14\x00\x00\x00", b"PK\x03\x04\x14\x00\x01\x00", 1)
    encrypted = encrypted.replace(b"PK\x01\x02\x14\x03\x14\x00\x00\x00", b"PK\x01\x02\x14\x03\x14\x00\x01\x00", 1)
    with pytest.raises(InvalidFab, match="encrypted"):
        inspect_fab(encrypted)
    with pytest.raises(InvalidFab, match="compression"):
        inspect_fab(zipped({"pyproject.toml": APP}, compression=zipfile.ZIP_BZIP2))


def test_the_apps_run_config_is_read_flattened():
    nested = APP + "[tool.flwr.app.config.optimizer]\nmomentum = 0.9\n"
    assert inspect_fab(zipped({"pyproject.toml": nested})).run_config == {
        "num-server-rounds": 3,
        "lr": 0.1,
        "optimizer.momentum": 0.9,
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x=" + "[" * 1500 + "]" * 1500, "not a value"),
        (f"x={2**63}", "fit in 64 bits"),
        (f"x={-(2**63) - 1}", "fit in 64 bits"),
        ("x=nan", "nan and inf"),
        ("x=-inf", "nan and inf"),
        ("x={a=1}", "only numbers"),
    ],
)
def test_overrides_the_superlink_cannot_take_are_refused(text, message):
    with pytest.raises(LaunchError, match=message):
        parse_overrides(text)


def test_extreme_but_valid_overrides_pass():
    assert parse_overrides(f"a={2**63 - 1}\nb={-(2**63)}\nc=1e308") == {"a": 2**63 - 1, "b": -(2**63), "c": 1e308}


def test_an_override_the_app_does_not_have_is_named():
    with pytest.raises(LaunchError, match="Line 2: this app's run config has no key “rounds” .*lr, num-server-rounds"):
        parse_overrides("lr=0.5\nrounds=3", known_keys={"num-server-rounds", "lr"})


def test_uploads_stop_streaming_at_the_fab_limit():
    limit = FabSizeLimit(limit=100)
    assert limit.receive_data_chunk(b"x" * 60, 0) == b"x" * 60
    with pytest.raises(StopUpload):
        limit.receive_data_chunk(b"x" * 60, 60)
    assert limit.too_large


def launch_url(federation):
    return reverse("runs:launch_run", kwargs=federation.url_kwargs())


def test_an_oversized_upload_gets_a_field_error(client, federation, member):
    client.force_login(member)
    big = SimpleUploadedFile("app.fab", b"PK" + bytes(FAB_MAX_BYTES))
    response = client.post(launch_url(federation), {"fab": big, "overrides": ""})
    assertContains(response, TOO_LARGE, status_code=400)


@pytest.mark.parametrize(
    ("pyproject", "overrides", "message"),
    [
        ("tool = 1\n", "", "no [tool.flwr.app] section"),
        ("[tool]\nflwr = 5\n", "", "no [tool.flwr.app] section"),
        (APP, "lr=" + "[" * 1500 + "]" * 1500, "is not a value"),
        (APP, f"lr={2**64}", "fit in 64 bits"),
        (APP, "lr=nan", "nan and inf"),
        (APP, "rounds=3", "has no key “rounds”"),
    ],
)
def test_bad_launch_input_is_a_field_error_never_a_500(client, federation, member, pyproject, overrides, message):
    client.force_login(member)
    upload = SimpleUploadedFile("app.fab", zipped({"pyproject.toml": pyproject}))
    response = client.post(launch_url(federation), {"fab": upload, "overrides": overrides})
    assertContains(response, message, status_code=400)


def test_launching_still_needs_the_csrf_token(federation, member):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    upload = SimpleUploadedFile("app.fab", zipped({"pyproject.toml": APP}))
    assert client.post(launch_url(federation), {"fab": upload}).status_code == 403


def test_outsiders_cannot_launch(client, federation, outsider):
    client.force_login(outsider)
    upload = SimpleUploadedFile("app.fab", zipped({"pyproject.toml": APP}))
    assert client.post(launch_url(federation), {"fab": upload}).status_code == 404
