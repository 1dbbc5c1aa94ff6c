"""Models out, with the stock CLI on a real SuperLink: a first `flwr run .` lands in the workspace, and
`flwr pull` hands out a link to exactly what the ServerApp saved."""

import hashlib
import io
import re
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.test import Client
from django.urls import reverse

from federations.models import Federation
from runs.models import RunArtifacts

from ..factories import UserFactory
from .conftest import clean
from .test_cli_contract import refused
from .test_runs_e2e import signed_in, wait_for_run

pytestmark = [pytest.mark.flower, pytest.mark.django_db(transaction=True)]


def pulled(cli, run_id: int, timeout: float = 60) -> str:
    """`flwr pull` until the artifacts are packed; the link it prints."""
    deadline = time.monotonic() + timeout
    while True:
        result = cli("pull", str(run_id), "grid")
        if result.returncode == 0:
            return re.search(r"downloaded from: (\S+)", clean(result.text)).group(1)
        assert "being packed" in result.text, result.text
        assert time.monotonic() < deadline, result.text
        time.sleep(1)


def test_a_first_run_in_the_workspace_then_its_model_pulled_and_downloaded(portal, cli_for, quickstart_app):
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    as_alice, as_bob = cli_for(alice), cli_for(bob)
    workspace = Federation.objects.get(owner=alice, name="workspace")

    # Flower's tutorial: no --federation, so the account's workspace.
    started = as_alice.json("run", str(quickstart_app), "grid", "--run-config", "num-server-rounds=2")
    run_id = int(started["run-id"])
    assert started["federation-id"] == "@alice/workspace"
    refused(as_alice("pull", str(run_id), "grid"), "Cannot pull artifacts for an unfinished run.")

    run = wait_for_run(alice, workspace, run_id, {"finished:completed", "finished:failed"})
    log = as_alice("log", str(run_id), "grid", "--show").text
    assert run.status.sub_status == "completed", log[-3000:]
    written = dict(re.findall(r"Saved (\S+) \(sha256 ([0-9a-f]{64})\)", log))
    assert set(written) == {"final_model.npz", "metrics.json"}

    # Not alice's workspace's member: refused as `flwr log` refuses.
    refused(as_bob("pull", str(run_id), "grid"), "[code: 25] Federation does not exist.")
    refused(as_bob("log", str(run_id), "grid", "--show"), "[code: 25] Federation does not exist.")

    link = pulled(as_alice, run_id)
    assert link.startswith(f"http://testserver/@alice/workspace/runs/{run_id}/artifacts/?token=")
    by_link = Client().get(link.removeprefix("http://testserver"))  # signed out: the link is enough
    assert by_link.status_code == 200
    zipped = b"".join(by_link.streaming_content)
    archive = zipfile.ZipFile(io.BytesIO(zipped))
    for name, sha256 in written.items():
        assert hashlib.sha256(archive.read(name)).hexdigest() == sha256  # what the ServerApp wrote
    import numpy as np

    model = np.load(io.BytesIO(archive.read("final_model.npz")))
    assert set(model.files) == {"weights", "bias"}

    # The run page lists them; the web download is the same zip.
    member = signed_in(alice)
    page = member.get(reverse("runs:run", kwargs={**workspace.url_kwargs(), "run_id": run_id})).content.decode()
    assert "final_model.npz" in page
    assert "Download all (zip" in page
    web = member.get(reverse("runs:artifacts", kwargs={**workspace.url_kwargs(), "run_id": run_id}))
    assert b"".join(web.streaming_content) == zipped
    runs_tab = member.get(reverse("runs:runs", kwargs=workspace.url_kwargs()), {"show": "all"}).content.decode()
    assert ">artifacts</span>" in runs_tab
    all_runs = member.get(reverse("runs:all"), {"show": "all"}).content.decode()
    assert ">artifacts</span>" in all_runs
    assert RunArtifacts.objects.get(outcome__run_id=str(run_id)).status == "packed"

    # Two pulls at once: each gets a link that downloads the whole zip.
    with ThreadPoolExecutor(2) as pool:
        links = list(pool.map(lambda _: pulled(as_alice, run_id), range(2)))
    for each in links:
        assert b"".join(Client().get(each.removeprefix("http://testserver")).streaming_content) == zipped
