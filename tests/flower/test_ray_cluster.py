"""Simulations beyond one machine: with RAY_ADDRESS set for the SuperLink, simulation runs use an existing
Ray cluster (here one started with `ray start --head`) instead of starting Ray on the portal's host."""

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from django.db import connection

from runs.models import RunArtifacts

from ..factories import FederationFactory, UserFactory
from .conftest import BIN, free_port, running_superlink
from .test_runs_e2e import launch, signed_in, wait_for_run

pytestmark = [pytest.mark.flower, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ray_cluster():
    if connection.vendor != "postgresql":
        pytest.skip("the SuperLink subprocess shares the test database: run with DATABASE_URL=postgres://…")
    # Ray's socket paths must stay under the 107 characters a Unix socket allows: a short directory.
    temp_dir = Path(tempfile.mkdtemp(prefix="sg-ray-", dir="/tmp"))
    address = f"127.0.0.1:{free_port()}"
    head = [
        str(BIN / "ray"), "start", "--head", "--port", address.rsplit(":", 1)[1], "--num-cpus", "2",
        "--include-dashboard", "false", "--disable-usage-stats", "--temp-dir", str(temp_dir),
    ]  # fmt: skip
    started = subprocess.run(head, capture_output=True, text=True, timeout=180)
    assert started.returncode == 0, started.stdout + started.stderr
    try:
        yield address, temp_dir
    finally:
        subprocess.run([str(BIN / "ray"), "stop", "--force"], capture_output=True, timeout=120)
        shutil.rmtree(temp_dir, ignore_errors=True)


def test_simulation_runs_on_an_existing_ray_cluster(ray_cluster, tmp_path, settings, quickstart_fab):
    address, temp_dir = ray_cluster
    drivers_before = set((temp_dir / "session_latest" / "logs").glob("python-core-driver-*"))
    (tmp_path / "superlink").mkdir()
    with running_superlink(tmp_path / "superlink", RAY_ADDRESS=address) as superlink:
        settings.SUPERLINK_ADDRESS = superlink.address
        settings.SUPERLINK_TLS_DIR = superlink.ca_certfile.parent
        alice = UserFactory(username="alice")
        federation = FederationFactory(owner=alice, name="big-sim", num_supernodes=2)
        run_id = launch(signed_in(alice), federation, quickstart_fab, "num-server-rounds=1")
        run = wait_for_run(alice, federation, run_id, {"finished:completed", "finished:failed"}, timeout=240)
        assert f"{run.status.status}:{run.status.sub_status}" == "finished:completed", superlink.log()[-3000:]
        # The ServerApp ran on the SuperLink's machine, so its model is kept as on a local Ray.
        packed = None
        for _ in range(60):
            packed = RunArtifacts.objects.filter(outcome__run_id=str(run_id), status="packed").first()
            if packed:
                break
            time.sleep(1)
        assert packed is not None, superlink.log()[-3000:]
        assert {entry["name"] for entry in packed.files} == {"final_model.npz", "metrics.json"}
    # The simulation's driver connected to the cluster: its log is in the cluster's session, not a local one.
    drivers = set((temp_dir / "session_latest" / "logs").glob("python-core-driver-*")) - drivers_before
    assert drivers, "the simulation did not connect to the Ray cluster"
