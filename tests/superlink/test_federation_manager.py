"""The SuperLink's FederationManager in-process: its answers and refusals match the web's."""

import pytest
from flwr.common.constant import SUPERLINK_NODE_ID
from flwr.proto.federation_config_pb2 import SimulationConfig
from flwr.supercore.error import FlowerError

from federations import services as federation_services
from superlink.federation_manager import PortalFederationManager
from superlink.node_directory import NodeDirectory
from supernodes.models import FederationNode

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return PortalFederationManager(directory=NodeDirectory(interval=60))


def test_routing_answers_from_memory_without_queries(manager, owner, django_assert_num_queries):
    federation = FederationFactory(owner=owner, name="real", kind="deployment")
    FederationNode.objects.create(federation=federation, node_id="18446744073709551615", owner=owner)
    manager.directory.reload()
    with django_assert_num_queries(0):
        assert manager.has_node(18446744073709551615, "@olivia/real")
        assert manager.has_node(SUPERLINK_NODE_ID, "@olivia/real")
        assert not manager.has_node(7, "@olivia/real")
        assert manager.filter_nodes({7, 18446744073709551615, SUPERLINK_NODE_ID}, "@OLIVIA/real") == {
            18446744073709551615,
            SUPERLINK_NODE_ID,
        }


@pytest.mark.parametrize("size", [20, 1000])
def test_a_burst_of_routing_calls_sends_no_sql(manager, owner, size):
    """What the SuperLink asks for every message (has_node, filter_nodes), at 20 and at 1,000 SuperNodes in
    the federation, once the directory is warm: not one statement, ORM or prepared."""
    from django.db import connection

    federation = FederationFactory(owner=owner, name="grid", kind="deployment")
    FederationNode.objects.bulk_create(
        FederationNode(federation=federation, node_id=str(1000 + number), owner=owner) for number in range(size)
    )
    manager.directory.reload()
    nodes = set(range(1000, 1000 + size))
    statements = []

    def counted(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        for node_id in nodes:  # each node's messages: pulled, pushed back
            assert manager.has_node(node_id, "@olivia/grid")
            assert manager.filter_nodes({node_id, SUPERLINK_NODE_ID}, "@olivia/grid") == {node_id, SUPERLINK_NODE_ID}
        assert manager.filter_nodes(nodes | {7}, "@olivia/grid") == nodes  # the ServerApp's get_nodes
        assert not manager.has_node(7, "@olivia/grid")
        from supergrid import db

        db.fetch_one("SELECT 1 AS one", {})  # the counter sees prepared statements too
    assert statements == ["SELECT 1 AS one"]


def test_departing_member_takes_their_nodes_out(manager, owner, member):
    federation = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    FederationNode.objects.create(federation=federation, node_id="42", owner=member)
    FederationNode.objects.create(federation=federation, node_id="43", owner=owner)
    federation_services.remove_member(federation=federation, actor=owner, username="max")
    manager.directory.reload()
    assert manager.filter_nodes({42, 43}, "@olivia/real") == {43}


def test_manager_reads_match_the_web(manager, owner, member, outsider):
    federation = FederationFactory(owner=owner, name="lab", members=[member])
    FederationFactory(owner=owner, name="gone", archived=True)
    assert manager.exists("@olivia/lab")
    assert manager.exists("@olivia/gone")  # archived: its runs stay readable and stoppable
    assert not manager.exists("@olivia/missing")
    assert not manager.exists("not-a-handle")
    assert manager.has_member(member.flwr_aid, "@olivia/lab")
    assert not manager.has_member(outsider.flwr_aid, "@olivia/lab")
    workspace, listed = manager.get_federations(member.flwr_aid)
    assert (workspace.id, workspace.member_count, workspace.can_invite_members) == ("@max/workspace", 1, False)
    assert (listed.id, listed.member_count, listed.can_invite_members) == ("@olivia/lab", 2, False)
    assert {(f.id, f.archived) for f in manager.get_federations(owner.flwr_aid)} == {
        ("@olivia/workspace", False),
        ("@olivia/lab", False),
        ("@olivia/gone", True),
    }
    assert manager.get_simulation_config("@olivia/lab").num_supernodes == federation.num_supernodes
    with pytest.raises(FlowerError):
        manager.get_simulation_config("@olivia/missing")


def test_manager_refusals_carry_the_web_wording(manager, owner, member):
    FederationFactory(owner=owner, name="lab", members=[member])
    UserFactory(username="ivy")
    with pytest.raises(FlowerError) as excinfo:
        manager.create_invitation(member.flwr_aid, "@olivia/lab", "ivy")
    assert excinfo.value.public_details == "Only the owner can invite users or revoke invitations."
    with pytest.raises(FlowerError) as excinfo:
        manager.set_simulation_config(owner.flwr_aid, "@olivia/lab", SimulationConfig(num_supernodes=5000))
    assert "Choose between 1 and 1000" in excinfo.value.public_details


def test_stop_is_refused_to_members_who_did_not_launch_the_run(manager, owner, member):
    FederationFactory(owner=owner, name="lab", members=[member])
    with pytest.raises(FlowerError) as excinfo:
        manager.check_stop_run(member.flwr_aid, "@olivia/lab", owner.flwr_aid)
    assert excinfo.value.public_details == "Only whoever launched this run, or the federation's owner, can stop it."
    manager.check_stop_run(member.flwr_aid, "@olivia/lab", member.flwr_aid)
    manager.check_stop_run(owner.flwr_aid, "@olivia/lab", member.flwr_aid)


def test_stop_still_works_on_archived_federations(manager, owner, member):
    FederationFactory(owner=owner, name="old", members=[member], archived=True)
    manager.check_stop_run(member.flwr_aid, "@olivia/old", member.flwr_aid)
    manager.check_stop_run(owner.flwr_aid, "@olivia/old", member.flwr_aid)


def test_per_run_federation_config_must_match_the_federations_settings(manager, owner, member):
    FederationFactory(owner=owner, name="lab", members=[member], num_supernodes=10)
    manager.check_run_settings(member.flwr_aid, "@olivia/lab", SimulationConfig())
    manager.check_run_settings(member.flwr_aid, "@olivia/lab", SimulationConfig(num_supernodes=10))
    for override in (
        SimulationConfig(num_supernodes=1001),
        SimulationConfig(num_supernodes=3),
        SimulationConfig(client_resources_num_cpus=8),
        SimulationConfig(backend="other"),
    ):
        with pytest.raises(FlowerError) as excinfo:
            manager.check_run_settings(member.flwr_aid, "@olivia/lab", override)
        assert "use the federation's own settings (10 simulated SuperNodes)" in excinfo.value.public_details
        assert "Only the owner can change the settings" in excinfo.value.public_details


def test_runs_are_stored_under_the_canonical_federation_id(manager, owner):
    FederationFactory(owner=owner, name="Hospital-Network")
    assert manager.canonical_id("@OLIVIA/hospital-network") == "@olivia/Hospital-Network"
    assert manager.canonical_id("@olivia/missing") == "@olivia/missing"


def test_the_federation_owner_removes_a_members_node_through_the_cli_path(manager, owner, member):
    federation = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    FederationNode.objects.create(federation=federation, node_id="77", owner=member)
    manager.remove_supernode(owner.flwr_aid, "@olivia/real", 77)
    assert not federation.nodes.exists()


def test_archived_federations_keep_routing_their_nodes(owner, member):
    federation = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    FederationNode.objects.create(federation=federation, node_id="77", owner=member)
    federation_services.archive_federation(federation=federation, actor=owner)
    directory = NodeDirectory(interval=60)
    directory.reload()
    assert directory.nodes("@olivia/real") == frozenset({77})


def test_new_runs_on_archived_federations_are_refused(manager, owner):
    from flwr.supercore.constant import ActionType, RunTime
    from flwr.supercore.typing import StartRunContext

    FederationFactory(owner=owner, name="old", archived=True)
    with pytest.raises(FlowerError) as excinfo:
        manager.can_execute(owner.flwr_aid, ActionType.START_RUN, StartRunContext("@olivia/old", RunTime.SIMULATION))
    assert excinfo.value.public_details == "This federation is archived and read-only."
