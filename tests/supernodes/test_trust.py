"""Whose reviews a SuperNode trusts, and its trusted-entities file (never an empty one: that turns
flwr 1.42's checking off)."""

import pytest
import yaml

from accounts import services as account_services
from supernodes import trust
from supernodes.commands import start_commands

from ..signing import new_key

pytestmark = pytest.mark.django_db


def test_the_file_lists_the_trusted_accounts_keys_in_use_and_flwr_reads_it(owner, member):
    trust.set_trust(owner=owner, node_id=42, text="@max, olivia")
    with pytest.raises(trust.TrustError, match="None of @max, @olivia has a signing key yet"):
        trust.download(owner=owner, node_id=42)  # an empty file would let every app run
    _, public = new_key()
    key = account_services.add_signing_key(user=member, name="laptop", public_key=public)
    content = trust.download(owner=owner, node_id=42)
    assert yaml.safe_load(content) == {key.key_id: key.public_key}  # as flower-supernode loads it
    assert trust.trusts([42])[42].stale is False

    _, other = new_key()
    account_services.add_signing_key(user=owner, name="desk", public_key=other)
    assert trust.trusts([42])[42].stale  # a key was added since the download
    account_services.remove_signing_key(user=member, key_id=key.pk)
    content = trust.download(owner=owner, node_id=42)
    assert list(yaml.safe_load(content)) == [owner.signing_keys.get().key_id]  # removed keys leave


def test_unknown_accounts_are_refused_and_nobody_means_any_app(owner):
    with pytest.raises(trust.TrustError, match="There is no account named ghost"):
        trust.set_trust(owner=owner, node_id=7, text="ghost")
    assert trust.set_trust(owner=owner, node_id=7, text="") == []
    assert trust.trusts([7]) == {7: None}
    with pytest.raises(trust.TrustError, match="Choose whose reviews"):
        trust.download(owner=owner, node_id=7)


def test_the_start_command_names_the_file_only_for_a_trusting_node():
    assert "--trusted-entities" not in start_commands(index=0).pip
    trusting = start_commands(index=1, trusted=True)
    assert "--trusted-entities trusted-entities.yaml" in trusting.pip
    assert "--trusted-entities /keys/trusted-entities.yaml" in trusting.docker


def test_a_runs_page_names_the_supernodes_that_refuse_its_app(owner, member, settings, tmp_path):
    from types import SimpleNamespace

    from apps import services as hub
    from supernodes.models import FederationNode

    from ..apps.test_hub_api import example_files
    from ..factories import FederationFactory
    from ..signing import sign
    from ..support import folder_storage

    folder_storage(settings, "hub", tmp_path)
    federation = FederationFactory(owner=owner, name="hospitals", kind="deployment", members=[member])
    FederationNode.objects.create(federation=federation, node_id="12", owner=member)
    FederationNode.objects.create(federation=federation, node_id="13", owner=owner)
    version = hub.publish_files(account=owner, files=example_files())
    run = SimpleNamespace(fab_hash=version.sha256)
    assert trust.refusing_nodes_note(federation, run) == []  # nobody's trust chosen: every node runs it

    private, public = new_key()
    account_services.add_signing_key(user=owner, name="sec", public_key=public)
    trust.set_trust(owner=member, node_id=12, text="olivia")
    (note,) = trust.refusing_nodes_note(federation, run)
    assert note.startswith("SuperNode 12 (max's) runs only apps reviewed by @olivia, and this run's app has no")

    signature, signed_at = sign(private, version.sha256)
    hub.review_version(
        reviewer=owner, app_id=version.app.handle, version="1.0.0", signature_b64=signature, signed_at=signed_at
    )
    assert trust.refusing_nodes_note(federation, run) == []
