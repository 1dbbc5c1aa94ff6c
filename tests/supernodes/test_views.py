"""The SuperNode pages with no SuperLink running, and who may remove a node."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from supernodes.models import FederationNode

from ..factories import FederationFactory
from ..support import load_deferred

pytestmark = pytest.mark.django_db


def openssh_public(key) -> str:
    return key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH).decode()


def test_supernodes_page_needs_sign_in_and_says_when_the_superlink_is_down(client, user):
    assert client.get(reverse("supernodes:list")).status_code == 302
    client.force_login(user)
    response = client.get(reverse("supernodes:list"))
    assertContains(response, "Register SuperNode")
    assertContains(response, "flower-supernode")
    assertContains(load_deferred(client, reverse("supernodes:list"), "my-supernodes"), "SuperLink unreachable")


def test_a_pasted_private_key_is_refused_and_never_echoed(client, user):
    client.force_login(user)
    secret = (
        ec.generate_private_key(ec.SECP384R1())
        .private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption())
        .decode()
    )
    response = client.post(reverse("supernodes:register"), {"public_key": secret, "name": "lab"})
    assert response.status_code == 400
    body = response.content.decode()
    assert "That is a private key" in body
    assert secret.splitlines()[1] not in body


def test_registering_without_a_superlink_says_so(client, user):
    client.force_login(user)
    key = openssh_public(ec.generate_private_key(ec.SECP256R1()))
    response = client.post(reverse("supernodes:register"), {"public_key": key})
    assertContains(response, "SuperLink unreachable", status_code=400)


def test_register_and_unregister_urls_need_post_or_confirmation(client, user):
    client.force_login(user)
    assert client.get(reverse("supernodes:register")).status_code == 405


def test_members_remove_their_own_nodes_and_the_owner_removes_anyones_on_the_web(client, owner, member):
    deployment = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    FederationNode.objects.create(federation=deployment, node_id="7", owner=member)
    FederationNode.objects.create(federation=deployment, node_id="8", owner=member)
    client.force_login(member)
    remove = reverse("supernodes:remove", kwargs={**deployment.url_kwargs(), "node_id": 7})
    assertContains(client.post(remove, follow=True), "Removed SuperNode 7 from @olivia/real.")
    client.force_login(owner)
    remove = reverse("supernodes:remove", kwargs={**deployment.url_kwargs(), "node_id": 8})
    assertContains(client.post(remove, follow=True), "Removed SuperNode 8 from @olivia/real.")
    assert not deployment.nodes.exists()


def test_supernode_changes_in_archived_or_simulation_federations_are_refused(client, owner, member):
    deployment = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    FederationNode.objects.create(federation=deployment, node_id="7", owner=owner)
    client.force_login(member)
    url = reverse("supernodes:remove", kwargs={**deployment.url_kwargs(), "node_id": 7})
    assertContains(client.post(url), "Only the SuperNode", status_code=403)
    assert FederationNode.objects.filter(node_id="7").exists()

    archived = FederationFactory(owner=owner, name="old", kind="deployment", archived=True)
    client.force_login(owner)
    add = reverse("supernodes:add", kwargs=archived.url_kwargs())
    assertContains(client.post(add, {"node_id": "7"}), "archived", status_code=403)
    simulation = FederationFactory(owner=owner, name="sim")
    response = client.get(reverse("supernodes:federation", kwargs=simulation.url_kwargs()))
    assertContains(response, "10 simulated SuperNodes")
    assertNotContains(response, "Add SuperNode")


def test_only_node_owners_and_the_federation_owner_may_remove_nodes(owner, member, outsider):
    from federations.rules import Action, Permissions, Target

    federation = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    owner_row, member_row = (federation.memberships.get(user=u) for u in (owner, member))

    def may(membership, node_owner):
        return Permissions(federation, membership).may(Action.REMOVE_SUPERNODE, Target(user_id=node_owner.pk))

    assert may(owner_row, member)
    assert may(member_row, member)
    assert not may(member_row, owner)
    assert not may(None, outsider)
    federation.archived_at = federation.created_at
    assert not may(owner_row, owner)


def test_the_trust_urls_need_signing_in_and_ones_own_node(client, user):
    from supernodes.models import NodeTrust

    trust_url = reverse("supernodes:trust", kwargs={"node_id": 12})
    file_url = reverse("supernodes:trusted_entities", kwargs={"node_id": 12})
    for response in (client.post(trust_url, {"trusted": "olivia"}), client.get(file_url)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    client.force_login(user)
    assert client.get(trust_url).status_code == 405
    response = client.post(trust_url, {"trusted": user.username}, follow=True)  # no SuperLink here: it says so
    assert response.status_code == 200
    assert not NodeTrust.objects.exists()
