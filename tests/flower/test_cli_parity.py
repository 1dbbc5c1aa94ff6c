"""What stock Flower would decide alone, decided by the portal's rules: the CLI and the web agree."""

import pytest
from django.urls import reverse

from supernodes.models import FederationNode

from ..factories import FederationFactory, UserFactory
from .test_cli_contract import refused
from .test_runs_e2e import make_key, signed_in, wait_for_run

pytestmark = [pytest.mark.flower, pytest.mark.django_db(transaction=True)]

STOP_REFUSED = "Only whoever launched this run, or the federation's owner, can stop it."


def test_cli_runs_follow_the_web_rules_before_and_after_archiving(portal, cli_for, quickstart_app):
    alice, bob, carol = (UserFactory(username=name) for name in ("alice", "bob", "carol"))
    federation = FederationFactory(owner=alice, name="Lab", num_supernodes=2, members=[bob, carol])
    as_alice, as_bob, as_carol = cli_for(alice), cli_for(bob), cli_for(carol)
    app = str(quickstart_app)

    # Per-run overrides of the owner's settings are refused, past the bound or not.
    for override in ("num_supernodes=1001", "num_supernodes=3", "client_resources_num_cpus=4", 'backend="other"'):
        refused(
            as_bob("run", app, "grid", "--federation", "@alice/Lab", "--federation-config", override),
            "use the federation's own settings (2 simulated SuperNodes)",
        )

    # Another spelling of the id: the run is stored under the canonical @alice/Lab.
    started = as_bob.json("run", app, "grid", "--federation", "@ALICE/lab", "--run-config", "num-server-rounds=100000")
    run_id = int(started["run-id"])
    assert started["federation-id"] == "@alice/Lab"
    runs_tab = (
        signed_in(alice).get(reverse("runs:runs", kwargs=federation.url_kwargs()), {"show": "all"}).content.decode()
    )
    assert f">{run_id}</a>" in runs_tab
    wait_for_run(alice, federation, run_id, {"running"}, timeout=120)

    # A member who did not launch it cannot stop it, with the web's words; nothing changes.
    refused(as_carol("stop", str(run_id), "grid"), STOP_REFUSED)
    assert (
        signed_in(carol)
        .post(reverse("runs:stop_run", kwargs={**federation.url_kwargs(), "run_id": run_id}))
        .status_code
        == 403
    )

    # Archived mid-run: the run stays readable on the web and the CLI, and new runs are refused.
    assert as_alice("federation", "archive", "@alice/Lab", "grid").returncode == 0
    listed = as_bob.json("ls", "grid", "--run-id", str(run_id))
    assert [int(run["run-id"]) for run in listed["runs"]] == [run_id]
    shown = as_bob("log", str(run_id), "grid", "--show")
    assert shown.returncode == 0, shown.text
    page = signed_in(bob).get(reverse("runs:run", kwargs={**federation.url_kwargs(), "run_id": run_id}))
    assert page.status_code == 200
    assert "SuperLink unreachable" not in page.content.decode()
    refused(as_bob("run", app, "grid", "--federation", "@alice/Lab"), "This federation is archived and read-only.")
    assert "@alice/Lab" in as_alice("federation", "list", "grid", "--verbose").text
    assert "@alice/Lab" not in as_alice("federation", "list", "grid").text
    assert {f["id"]: f["archived"] for f in as_alice.json("federation", "list", "grid")["federations"]} == {
        "@alice/workspace": False,
        "@alice/Lab": True,
    }

    assert wait_for_run(alice, federation, run_id, {"running"}, timeout=5)  # archiving did not stop it
    # The owner stops a member's run in the archived federation.
    stopped = as_alice("stop", str(run_id), "grid")
    assert stopped.returncode == 0, stopped.text
    run = wait_for_run(alice, federation, run_id, {"finished:stopped", "finished:completed", "finished:failed"})
    assert run.status.sub_status == "stopped"


def test_the_federation_owner_removes_a_members_supernode_with_the_cli(portal, cli_for, tmp_path):
    alice = UserFactory(username="alice", has_deployment_access=True)
    bob, carol = UserFactory(username="bob"), UserFactory(username="carol")
    federation = FederationFactory(owner=alice, name="hospitals", kind="deployment", members=[bob, carol])
    as_alice, as_bob, as_carol = cli_for(alice), cli_for(bob), cli_for(carol)
    node_ids = []
    for cli, name in ((as_bob, "site-b"), (as_carol, "site-c")):
        _, public = make_key(tmp_path, name)
        (tmp_path / f"{name}.pub").write_text(public)
        node_ids.append(int(cli.json("supernode", "register", str(tmp_path / f"{name}.pub"), "grid")["node-id"]))
        assert cli("federation", "add-supernode", str(node_ids[-1]), "@alice/hospitals", "grid").returncode == 0
    bobs_node, carols_node = node_ids

    refused(
        as_carol("federation", "remove-supernode", str(bobs_node), "@alice/hospitals", "grid"),
        "Only the SuperNode's owner or the federation's owner can remove it.",
    )
    removed = as_alice("federation", "remove-supernode", str(bobs_node), "@alice/hospitals", "grid")
    assert removed.returncode == 0, removed.text
    assert as_carol("federation", "remove-supernode", str(carols_node), "@alice/hospitals", "grid").returncode == 0
    assert not FederationNode.objects.filter(federation=federation).exists()


def test_a_fab_the_superlink_refuses_is_a_failure_with_its_reason_not_run_0(portal):
    from superlink import control_client
    from superlink.fab import FAB_MAX_BYTES

    alice = UserFactory(username="alice")
    federation = FederationFactory(owner=alice, name="lab")
    with pytest.raises(control_client.ControlError, match="FABs may be at most 10 MB"):
        control_client.start_run(alice, federation.handle, b"PK" + bytes(FAB_MAX_BYTES), {})
