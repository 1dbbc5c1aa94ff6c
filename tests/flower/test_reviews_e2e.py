"""Sites decide what runs on their SuperNodes, end to end with real processes: the portal's Hub (a live
server), its SuperLink, two stock SuperNodes (one started with the trusted-entities file its page offers)
and the stock `flwr app review`."""

import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from flwr.common.serde import user_config_to_proto
from flwr.proto.control_pb2 import StartRunRequest

from accounts import services as account_services
from apps import services
from federations import services as federation_services
from superlink import control_client

from ..apps.test_hub_api import example_files
from ..factories import FederationFactory, UserFactory
from ..signing import new_key, openssh_private
from ..support import load_deferred
from .conftest import BIN, supernode_starter
from .test_hub_contract import hub, hub_cli  # noqa: F401  # hub: the fixture, used by name
from .test_runs_e2e import make_key, signed_in, wait_for_run, wait_online

pytestmark = [pytest.mark.flower, pytest.mark.django_db(transaction=True)]

# What a stock SuperNode logs when it refuses a FAB: no trusted review verifies it, or it came with no
# reviews at all (a FAB sent with the launch that is no reviewed Hub version).
REFUSED = ("FAB verification failed", "The FAB could not be verified")


def refusals(log) -> int:
    text = log.read_text()
    return sum(text.count(marker) for marker in REFUSED)


def test_a_supernode_that_trusts_a_reviewer_runs_only_what_they_reviewed(hub, quickstart_app, tmp_path):  # noqa: F811
    superlink, api = hub
    alice = UserFactory(username="alice", has_deployment_access=True)
    bob, carol, mallory = UserFactory(username="bob"), UserFactory(username="carol"), UserFactory(username="mallory")
    federation = FederationFactory(owner=alice, name="hospitals", kind="deployment", members=[bob])
    version = services.publish_files(account=alice, files=example_files())
    reviewers = {}
    for user in (carol, mallory):
        private, public = new_key()
        account_services.add_signing_key(user=user, name="laptop", public_key=public)
        key_file = tmp_path / f"{user.username}-review-key"
        key_file.write_bytes(openssh_private(private))
        key_file.chmod(0o600)
        reviewers[user.username] = key_file

    # Alice's and Bob's sites register and join; Bob's trusts Carol's reviews.
    as_alice, as_bob = signed_in(alice), signed_in(bob)
    nodes = {}
    for client, user, name in ((as_alice, alice, "site-a"), (as_bob, bob, "site-b")):
        private, public = make_key(tmp_path, name)
        assert client.post(reverse("supernodes:register"), {"public_key": public, "name": name}).status_code == 302
        (node,) = control_client.list_nodes(user)
        nodes[name] = (private, node.node_id)
        add = reverse("supernodes:add", kwargs=federation.url_kwargs())
        assert client.post(add, {"node_id": node.node_id}).status_code == 302
    site_b = nodes["site-b"][1]
    trust_url = reverse("supernodes:trust", kwargs={"node_id": site_b})
    assert as_bob.post(trust_url, {"trusted": "@carol"}).status_code == 302
    page = load_deferred(as_bob, reverse("supernodes:list"), "my-supernodes").content.decode()
    assert "--trusted-entities trusted-entities.yaml" in page
    downloaded = as_bob.get(reverse("supernodes:trusted_entities", kwargs={"node_id": site_b}))
    assert downloaded.status_code == 200
    trusted_file = tmp_path / "trusted-entities.yaml"
    trusted_file.write_bytes(downloaded.content)
    assert carol.signing_keys.get().key_id in downloaded.content.decode()
    tab = load_deferred(as_alice, reverse("supernodes:federation", kwargs=federation.url_kwargs()), "node-section")
    assert "@carol" in tab.content.decode()  # every member sees which site runs only what Carol reviewed

    last_run: list[int] = []

    def run(*, app_spec: str = "", fab: bytes = b"") -> str:
        """A one-round run on both sites; its logs."""
        if app_spec:
            request = StartRunRequest(
                app_spec=app_spec,
                federation=federation.handle,
                override_config=user_config_to_proto({"num-server-rounds": 1}),
            )
            with control_client.connect(alice) as control:
                run_id = control.StartRun(request).run_id
        else:
            run_id = control_client.start_run(alice, federation.handle, fab, {"num-server-rounds": 1})
        ended = wait_for_run(alice, federation, run_id, {"finished:completed", "finished:failed"}, timeout=240)
        assert ended.status.sub_status == "completed", (ended.status.details, superlink.log()[-3000:])
        logs, _ = control_client.run_logs(alice, run_id)
        last_run.append(run_id)
        return logs

    with supernode_starter(superlink, tmp_path) as start:
        _, log_a = start(nodes["site-a"][0], 0)
        _, log_b = start(nodes["site-b"][0], 1, 2, "--trusted-entities", str(trusted_file))
        wait_online(alice, {nodes["site-a"][1]}, [log_a, log_b])
        wait_online(bob, {site_b}, [log_a, log_b])

        # Not reviewed: Bob's site refuses it, Alice's runs it.
        logs = run(app_spec="@alice/quickstart-numpy==1.0.0")
        assert "Received 1 results and 1 failures" in logs, logs[-3000:]
        assert refusals(log_b) > 0
        assert refusals(log_a) == 0
        page = as_alice.get(reverse("runs:run", kwargs={**federation.url_kwargs(), "run_id": last_run[-1]}))
        assert f"SuperNode {site_b} (bob&#x27;s) runs only apps reviewed by @carol" in page.content.decode()

        # Reviewed by someone Bob's site does not trust: still refused.
        as_mallory = hub_cli(superlink, api, tmp_path / "flwr-mallory", mallory)
        reviewed = review(as_mallory, reviewers["mallory"], tmp_path)
        assert reviewed.returncode == 0, reviewed.stdout + reviewed.stderr
        before = refusals(log_b)
        logs = run(app_spec="@alice/quickstart-numpy")
        assert "Received 1 results and 1 failures" in logs, logs[-3000:]
        assert refusals(log_b) > before

        # Carol reviews it with the stock CLI: it runs on both sites, from the Hub and from the same FAB sent.
        as_carol = hub_cli(superlink, api, tmp_path / "flwr-carol", carol)
        reviewed = review(as_carol, reviewers["carol"], tmp_path)
        assert reviewed.returncode == 0, reviewed.stdout + reviewed.stderr
        assert "Review submitted" in reviewed.stdout
        before = refusals(log_b)
        logs = run(app_spec="@alice/quickstart-numpy==1.0.0")
        assert "Received 2 results and 0 failures" in logs, logs[-3000:]
        logs = run(fab=services.fab_bytes(version))  # the Run button sends the version's FAB
        assert "Received 2 results and 0 failures" in logs, logs[-3000:]
        assert refusals(log_b) == before
        page = as_alice.get(reverse("runs:run", kwargs={**federation.url_kwargs(), "run_id": last_run[-1]}))
        assert "runs only apps reviewed by" not in page.content.decode()

        # The same version with other bytes is not what Carol reviewed.
        tampered = tmp_path / "tampered"
        shutil.copytree(quickstart_app, tampered, ignore=shutil.ignore_patterns("*.fab"))
        task = tampered / "quickstart_numpy" / "task.py"
        task.write_text(task.read_text() + "\n# changed after the review\n")
        logs = run(fab=control_client.build_fab(tampered))
        assert "Received 1 results and 1 failures" in logs, logs[-3000:]
        assert refusals(log_b) > before
        assert refusals(log_a) == 0

    # The owner requires Carol's review: refused before any SuperNode sees it, on the web and with flwr.
    federation_services.update_settings(federation=federation, actor=alice, reviewers_required="carol")
    words = "Runs in this federation must be reviewed by @carol"
    refused = as_alice.post(
        reverse("runs:launch_run", kwargs=federation.url_kwargs()),
        {"fab": SimpleUploadedFile("app.fab", control_client.build_fab(tampered)), "overrides": ""},
    )
    assert refused.status_code == 400
    assert words in refused.content.decode()
    as_alice_cli = hub_cli(superlink, api, tmp_path / "flwr-alice", alice)
    refused_cli = as_alice_cli("run", str(tampered), "grid", "--federation", federation.handle)
    assert refused_cli.returncode != 0
    assert words in refused_cli.text, refused_cli.text
    launched = as_alice_cli.json("run", "@alice/quickstart-numpy==1.0.0", "grid", "--federation", federation.handle)
    assert "run-id" in launched, launched  # Carol reviewed it: it starts (no SuperNode is up to run it)


def review(cli, key_file, cwd) -> subprocess.CompletedProcess:
    """The stock `flwr app review`: it unpacks the version, asks for SIGN and the private key's path."""
    return subprocess.run(
        [str(BIN / "flwr"), "app", "review", "@alice/quickstart-numpy==1.0.0"],
        input=f"SIGN\n{key_file}\n",
        env=cli.env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
