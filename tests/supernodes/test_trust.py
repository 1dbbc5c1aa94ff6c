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
