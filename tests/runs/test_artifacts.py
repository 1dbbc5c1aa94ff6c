"""A run's artifacts: packed once, streamed, capped, never following links; downloaded by members only."""

import hashlib
import io
import json
import os
import tracemalloc
import zipfile
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import OperationalError
from django.urls import reverse
from pytest_django.asserts import assertContains

from federations.models import Activity
from runs import artifacts, services
from runs.models import RunArtifacts, RunOutcome

from ..factories import FederationFactory, UserFactory
from ..support import folder_storage

pytestmark = pytest.mark.django_db

RUN_ID = 4242


@pytest.fixture(autouse=True)
def _artifact_dirs(settings, tmp_path):
    settings.ARTIFACTS_WORK_DIR = tmp_path / "work"
    folder_storage(settings, "artifacts", tmp_path / "packed")


def run_folder(run_id=RUN_ID):
    folder = artifacts.run_folder(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def ended(federation, member, run_id=RUN_ID) -> RunOutcome:
    return RunOutcome.objects.create(
        run_id=str(run_id), federation=federation, launched_by=member, sub_status="completed"
    )


def zip_of(artifact: RunArtifacts) -> zipfile.ZipFile:
    with storages["artifacts"].open(artifact.file, "rb") as handle:
        return zipfile.ZipFile(io.BytesIO(handle.read()))


def test_a_run_ending_packs_its_folder_once_with_a_manifest(federation, member, django_capture_on_commit_callbacks):
    folder = run_folder()
    (folder / "final_model.npz").write_bytes(b"model-bytes" * 100)
    (folder / "logs").mkdir()
    (folder / "logs" / "round-1.txt").write_text("loss 0.5")
    with django_capture_on_commit_callbacks(execute=True):
        services.record_run_outcome(
            run_id=RUN_ID, federation_id=federation.handle, launched_by_aid=member.flwr_aid, sub_status="completed"
        )
    packed = RunArtifacts.objects.get(outcome__run_id=str(RUN_ID))
    assert packed.status == "packed"
    assert {entry["name"]: entry["size"] for entry in packed.files} == {
        "final_model.npz": 1100,
        "logs/round-1.txt": 8,
    }
    archive = zip_of(packed)
    model = archive.read("final_model.npz")
    assert model == b"model-bytes" * 100
    manifest = json.loads(archive.read(artifacts.MANIFEST_NAME))
    (entry,) = [e for e in manifest["files"] if e["name"] == "final_model.npz"]
    assert entry["sha256"] == hashlib.sha256(model).hexdigest()
    assert not folder.exists()  # the zip is the record; the folder's space is given back
    assert artifacts.pack(packed.pk) is None  # once: a second packer finds it done


def test_a_run_that_saved_nothing_says_so(client, federation, member):
    outcome = ended(federation, member)
    assert artifacts.pack(outcome.pk).status == "empty"
    client.force_login(member)
    response = client.get(reverse("runs:artifacts", kwargs={**federation.url_kwargs(), "run_id": RUN_ID}))
    assertContains(response, "saved no artifacts", status_code=409)


def test_links_outside_the_folder_special_files_and_odd_names(federation, member, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    folder = run_folder()
    (folder / "escape.txt").symlink_to(secret)
    (folder / "escape-dir").symlink_to(tmp_path)
    os.mkfifo(folder / "pipe")
    (folder / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"latin-1 name")  # not UTF-8
    (folder / "ok.txt").write_text("fine")
    packed = artifacts.pack(ended(federation, member).pk)
    names = {entry["name"] for entry in packed.files}
    assert names == {"ok.txt", "caf\\xe9.txt"}
    assert [entry for entry in packed.files if entry["name"] == "caf\\xe9.txt"][0]["renamed"] is True
    reasons = {item["name"]: item["reason"] for item in packed.left_out}
    assert reasons["escape.txt"].startswith("a symbolic link")
    assert reasons["escape-dir"].startswith("a symbolic link")
    assert reasons["pipe"] == "not a regular file"
    archive = zip_of(packed)
    assert b"not yours" not in b"".join(archive.read(name) for name in archive.namelist())
    assert secret.read_text() == "not yours"  # and removing the folder did not follow the link


def test_a_5_gib_file_is_left_out_by_its_size_unread(settings, federation, member):
    settings.ARTIFACTS_MAX_BYTES = 1000
    folder = run_folder()
    with open(folder / "huge.bin", "wb") as huge:  # 5 GiB, sparse: the cap is decided by its size
        huge.truncate(5 * 1024**3)
    (folder / "model.bin").write_bytes(b"w" * 100)
    packed = artifacts.pack(ended(federation, member).pk)
    assert [entry["name"] for entry in packed.files] == ["model.bin"]
    assert packed.left_out == [{"name": "huge.bin", "reason": "over the limit of 1,000 bytes a run"}]
    assert packed.size < 10_000


def test_many_files_stop_at_the_cap_and_the_page_says_what_was_left_out(settings, client, federation, member):
    settings.ARTIFACTS_MAX_FILES = 3
    folder = run_folder()
    for index in range(150):
        (folder / f"small-{index:03}.txt").write_text("x" * 10)
    packed = artifacts.pack(ended(federation, member).pk)
    assert len(packed.files) == 3
    assert packed.kept_bytes == 30
    assert packed.left_out_count == 147
    assert len(packed.left_out) == artifacts.LEFT_OUT_LISTED
    assert {item["reason"] for item in packed.left_out} == {"over the limit of 3 files a run"}
    client.force_login(member)
    zipped = client.get(reverse("runs:artifacts", kwargs={**federation.url_kwargs(), "run_id": RUN_ID}))
    assert len(zipfile.ZipFile(io.BytesIO(b"".join(zipped.streaming_content))).namelist()) == 4  # and the manifest


def test_packing_streams_a_large_folder_in_bounded_memory(federation, member):
    folder = run_folder()
    with open(folder / "weights.bin", "wb") as big:  # 200 MiB, written in pieces
        piece = os.urandom(1024 * 1024)
        for _ in range(200):
            big.write(piece)
    for index in range(2000):
        (folder / f"shard-{index}.txt").write_text(str(index))
    outcome = ended(federation, member)
    tracemalloc.start()
    try:
        packed = artifacts.pack(outcome.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert packed.status == "packed"
    assert packed.kept_bytes == 200 * 1024 * 1024 + sum(len(str(i)) for i in range(2000))
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1024**2:.1f} MiB"


def test_a_storage_that_refuses_fails_clearly_and_a_retry_packs(client, federation, member, monkeypatch):
    folder = run_folder()
    (folder / "model.bin").write_bytes(b"m" * 1000)
    outcome = ended(federation, member)
    storage = storages["artifacts"]

    def full(name, content, max_length=None):
        storage._save(name, ContentFile(b"PK-half"))  # a half-written file, then the disk is full
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage, "save", full)
    failed = artifacts.pack(outcome.pk)
    assert failed.status == "failed"
    assert "No space left on device" in failed.message
    assert not storage.exists(artifacts.storage_name(RUN_ID))  # the half-written zip is gone
    client.force_login(member)
    url = reverse("runs:artifacts", kwargs={**federation.url_kwargs(), "run_id": RUN_ID})
    assertContains(client.get(url), "No space left on device", status_code=409)
    monkeypatch.undo()
    assert outcome.pk in artifacts.unpacked_outcomes()
    assert artifacts.pack(outcome.pk).status == "packed"
    assert client.get(url).status_code == 200


def test_a_full_storage_is_reported_not_overfilled(settings, federation, member):
    settings.ARTIFACTS_TOTAL_MAX_BYTES = 10
    (run_folder() / "model.bin").write_bytes(os.urandom(1000))
    failed = artifacts.pack(ended(federation, member).pk)
    assert failed.status == "failed"
    assert "artifact storage is full" in failed.message


def test_two_packers_at_once_pack_once(federation, member):
    (run_folder() / "model.bin").write_bytes(b"m")
    outcome = ended(federation, member)
    first = artifacts.claim(outcome)
    assert first is not None
    assert artifacts.claim(outcome) is None  # the second finds the lease taken
    assert artifacts.pack(outcome.pk) is None


def test_members_download_outsiders_do_not(client, federation, member, outsider):
    (run_folder() / "model.bin").write_bytes(b"weights")
    artifacts.pack(ended(federation, member).pk)
    url = reverse("runs:artifacts", kwargs={**federation.url_kwargs(), "run_id": RUN_ID})
    assert client.get(url).status_code == 302  # sign in first
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(member)
    response = client.get(url)
    assert response["Content-Disposition"] == f'attachment; filename="run-{RUN_ID}-artifacts.zip"'
    assert zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).read("model.bin") == b"weights"


def test_a_pull_link_works_signed_out_for_its_account_only_while_valid(settings, client, federation, member, outsider):
    settings.PORTAL_URL = "https://grid.example.org"
    (run_folder() / "model.bin").write_bytes(b"weights")
    artifacts.pack(ended(federation, member).pk)
    link = artifacts.pull_url(
        SimpleNamespace(run_id=RUN_ID, federation_id=federation.handle, flwr_aid=member.flwr_aid), member
    )
    assert link.startswith(f"https://grid.example.org/@olivia/fedavg-lab/runs/{RUN_ID}/artifacts/?token=")
    path = link.removeprefix("https://grid.example.org")
    assert client.get(path).status_code == 200
    assertContains(client.get(path.replace("token=", "token=x")), "expired or is not valid", status_code=410)
    other_run = path.replace(f"/runs/{RUN_ID}/", "/runs/4243/")
    assertContains(client.get(other_run), "expired or is not valid", status_code=410)
    outsiders = artifacts.download_url(federation, RUN_ID, for_account=outsider).removeprefix(
        "https://grid.example.org"
    )
    assert client.get(outsiders).status_code == 404  # a link made for a non-member opens nothing


def test_pull_is_refused_while_packing_and_for_outsiders(federation, member, outsider):
    from flwr.supercore.error import FlowerError

    from superlink.federation_manager import PortalFederationManager

    manager = PortalFederationManager()
    run = SimpleNamespace(
        run_id=RUN_ID,
        federation_id=federation.handle,
        flwr_aid=member.flwr_aid,
        status=SimpleNamespace(sub_status="completed", details=""),
    )
    with pytest.raises(FlowerError, match="being packed"):
        manager.artifacts_url(member.flwr_aid, run)  # records the ending, queues the packing
    assert RunOutcome.objects.filter(run_id=str(RUN_ID)).exists()
    with pytest.raises(FlowerError, match="does not exist or you are not a member"):
        manager.artifacts_url(outsider.flwr_aid, run)


def test_the_run_lists_and_page_mark_packed_artifacts(federation, member):
    from runs.listing import RunRow, with_artifacts

    (run_folder() / "model.bin").write_bytes(b"weights")
    artifacts.pack(ended(federation, member).pk)
    rows = [RunRow(run_id, "app", "finished", "completed", "max", None, None, None) for run_id in (RUN_ID, RUN_ID + 1)]
    assert [row.has_artifacts for row in with_artifacts(rows)] == [True, False]


def test_operators_delete_artifacts_and_the_activity_log_says_so(
    admin_client, federation, member, django_capture_on_commit_callbacks
):
    (run_folder() / "model.bin").write_bytes(b"weights")
    packed = artifacts.pack(ended(federation, member).pk)
    name = packed.file
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:runs_runartifacts_changelist"),
            {"action": "delete_artifacts", "_selected_action": [packed.pk]},
            follow=True,
        )
    assertContains(response, "Deleted the artifacts of 1 run(s).")
    packed.refresh_from_db()
    assert packed.status == "deleted"
    assert not storages["artifacts"].exists(name)
    activity = Activity.objects.get(federation=federation, verb="artifacts_deleted")
    assert activity.target == f"run {RUN_ID}"


def test_archived_federations_keep_artifacts_downloadable(client, member, owner):
    federation = FederationFactory(owner=owner, name="old", members=[member], archived=True)
    (run_folder() / "model.bin").write_bytes(b"weights")
    artifacts.pack(ended(federation, member).pk)
    client.force_login(member)
    url = reverse("runs:artifacts", kwargs={**federation.url_kwargs(), "run_id": RUN_ID})
    assert client.get(url).status_code == 200


def test_fifty_thousand_files_stop_at_the_cap_in_bounded_memory(federation, member):
    folder = run_folder()
    for shard in range(50):
        directory = folder / f"shard-{shard:02}"
        directory.mkdir()
        for index in range(1000):
            (directory / f"{index}.txt").write_bytes(b"x")
    outcome = ended(federation, member)
    tracemalloc.start()
    try:
        packed = artifacts.pack(outcome.pk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(packed.files) == 10_000  # ARTIFACTS_MAX_FILES
    assert packed.left_out_count == 40_000
    assert len(packed.left_out) == artifacts.LEFT_OUT_LISTED
    assert peak < 64 * 1024 * 1024, f"peak {peak / 1024**2:.1f} MiB"


@pytest.mark.django_db(transaction=True)
def test_a_run_that_ended_while_the_superlink_was_down_is_packed_when_it_comes_back(monkeypatch):
    """The SuperLink's state is set as it starts; a few seconds later the manager catches up."""
    import threading

    from superlink import federation_manager

    alice = UserFactory(username="alice")
    federation = FederationFactory(owner=alice, name="lab")
    (run_folder() / "final_model.npz").write_bytes(b"weights")
    finished = SimpleNamespace(
        run_id=RUN_ID,
        federation_id=federation.handle,
        flwr_aid=alice.flwr_aid,
        status=SimpleNamespace(status="finished", sub_status="completed", details=""),
    )
    state = SimpleNamespace(get_run_info=lambda **kwargs: [finished])
    monkeypatch.setattr(federation_manager, "CATCH_UP_AFTER_SECONDS", 0.1)
    manager = federation_manager.PortalFederationManager()
    manager.linkstate = state  # as the SuperLink's LinkState does when it starts
    done = threading.Event()
    for _ in range(100):
        try:
            if RunArtifacts.objects.filter(outcome__run_id=str(RUN_ID), status="packed").exists():
                done.set()
                break
        except OperationalError:  # SQLite's shared in-memory test database: the catching-up thread is writing
            pass
        done.wait(0.1)
    assert done.is_set()
    assert RunOutcome.objects.get(run_id=str(RUN_ID)).launched_by == alice


def test_a_packer_killed_mid_way_is_replaced_once_its_lease_runs_out(
    federation, member, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    (run_folder() / "model.bin").write_bytes(b"weights")
    outcome = ended(federation, member)
    taken = artifacts.claim(outcome)  # ... and its worker dies here
    assert artifacts.pack(outcome.pk) is None  # the lease holds
    run = SimpleNamespace(run_id=RUN_ID, federation_id=federation.handle, flwr_aid=member.flwr_aid)
    with pytest.raises(artifacts.NotReady, match="being packed"):
        artifacts.pull_url(run, member)
    RunArtifacts.objects.filter(pk=taken.pk).update(claimed_until=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(artifacts.NotReady):
        artifacts.pull_url(run, member)  # the one waiting queues it again
    assert RunArtifacts.objects.get(pk=taken.pk).status == "packed"
    assert artifacts.pull_url(run, member).startswith("http")
