"""The rules table of docs/rules.md, asked through the one predicate every path uses."""

import pytest

from federations.rules import RULES, Action, Code, NotAllowed, Permissions, Target

from ..factories import FederationFactory

pytestmark = pytest.mark.django_db

# action -> (owner may, member may, still allowed when archived)
EXPECTED = {
    Action.VIEW: (True, True, True),
    Action.VIEW_SETTINGS: (True, False, True),
    Action.CHANGE_SETTINGS: (True, False, False),
    Action.INVITE: (True, False, False),
    Action.SEE_INVITATION_HISTORY: (True, False, True),
    Action.LEAVE: (False, True, False),
    Action.ADD_SUPERNODE: (True, True, False),  # in deployment federations (below)
    Action.LAUNCH_RUN: (True, True, False),
    Action.LAUNCH_OTHER_APP: (True, True, False),  # unless only the federation's apps may run (below)
    Action.READ_RUNS: (True, True, True),
    Action.ARCHIVE: (True, False, False),  # archiving again is answered as done by the service
}


def test_every_action_has_exactly_one_rule():
    assert set(RULES) == set(Action)


@pytest.mark.parametrize("action", list(EXPECTED))
def test_owner_and_member_rights_follow_the_table(owner, member, action):
    federation = FederationFactory(owner=owner, kind="deployment", members=[member])
    owner_may, member_may, when_archived = EXPECTED[action]
    owner_can = Permissions(federation, federation.memberships.get(user=owner), owner.flwr_aid)
    member_can = Permissions(federation, federation.memberships.get(user=member), member.flwr_aid)
    assert owner_can.may(action) is owner_may
    assert member_can.may(action) is member_may
    federation.archived_at = federation.created_at
    assert owner_can.may(action) is (owner_may and when_archived)
    assert member_can.may(action) is (member_may and when_archived)


@pytest.mark.parametrize("action", list(Action))
def test_outsiders_may_do_nothing(owner, action):
    federation = FederationFactory(owner=owner)
    refusal = Permissions(federation, None)
    assert not refusal.may(action, Target(user_id=owner.pk, flwr_aid=owner.flwr_aid))
    with pytest.raises(NotAllowed) as caught:
        refusal.check(action)
    assert caught.value.code == Code.NOT_MEMBER


def test_a_run_is_stopped_by_its_launcher_or_the_owner_even_when_archived(owner, member, outsider):
    federation = FederationFactory(owner=owner, members=[member])
    owner_can = Permissions(federation, federation.memberships.get(user=owner), owner.flwr_aid)
    member_can = Permissions(federation, federation.memberships.get(user=member), member.flwr_aid)
    launched_by_owner, launched_by_member = Target(flwr_aid=owner.flwr_aid), Target(flwr_aid=member.flwr_aid)
    assert owner_can.may(Action.STOP_RUN, launched_by_member)
    assert member_can.may(Action.STOP_RUN, launched_by_member)
    assert not member_can.may(Action.STOP_RUN, launched_by_owner)
    federation.archived_at = federation.created_at
    assert member_can.may(Action.STOP_RUN, launched_by_member)
    with pytest.raises(NotAllowed) as caught:
        member_can.check(Action.STOP_RUN, launched_by_owner)
    assert caught.value.message == "Only whoever launched this run, or the federation's owner, can stop it."


def test_the_owner_removes_members_but_never_the_owner(owner, member):
    federation = FederationFactory(owner=owner, members=[member])
    owner_can = Permissions(federation, federation.memberships.get(user=owner))
    member_can = Permissions(federation, federation.memberships.get(user=member))
    assert owner_can.may(Action.REMOVE_MEMBER, Target(user_id=member.pk))
    assert not owner_can.may(Action.REMOVE_MEMBER, Target(user_id=owner.pk, is_owner=True))
    assert not member_can.may(Action.REMOVE_MEMBER, Target(user_id=owner.pk, is_owner=True))


def test_refusals_on_archived_federations_carry_their_code(owner):
    federation = FederationFactory(owner=owner, archived=True)
    with pytest.raises(NotAllowed) as caught:
        Permissions(federation, federation.memberships.get(user=owner)).check(Action.INVITE)
    assert caught.value.code == Code.ARCHIVED
    assert caught.value.message == "This federation is archived and read-only."


def test_templates_ask_the_table_by_action_name(owner, member):
    federation = FederationFactory(owner=owner, members=[member])
    can = Permissions(federation, federation.memberships.get(user=member))
    assert can["launch_run"] is True
    assert can["invite"] is False
    with pytest.raises(KeyError):
        can["fly"]


def test_without_a_target_members_may_act_on_their_own_nodes_and_runs(owner, member):
    federation = FederationFactory(owner=owner, kind="deployment", members=[member])
    member_can = Permissions(federation, federation.memberships.get(user=member))
    assert member_can.may(Action.REMOVE_SUPERNODE)
    assert member_can.may(Action.STOP_RUN)
    assert member_can.may(Action.REMOVE_SUPERNODE, Target(user_id=member.pk))
    assert not member_can.may(Action.REMOVE_SUPERNODE, Target(user_id=owner.pk))


def test_supernodes_are_added_to_deployment_federations_only(owner, member):
    federation = FederationFactory(owner=owner, kind="simulation", members=[member])
    member_can = Permissions(federation, federation.memberships.get(user=member), member.flwr_aid)
    with pytest.raises(NotAllowed) as caught:
        member_can.check(Action.ADD_SUPERNODE, Target(flwr_aid=member.flwr_aid))
    assert caught.value.message == "Simulation federations use simulated SuperNodes; real ones cannot be added."
    assert not member_can["add_supernode"]


def test_a_member_adds_only_their_own_registered_supernode(owner, member):
    federation = FederationFactory(owner=owner, kind="deployment", members=[member])
    member_can = Permissions(federation, federation.memberships.get(user=member), member.flwr_aid)
    owner_can = Permissions(federation, federation.memberships.get(user=owner), owner.flwr_aid)
    assert member_can.may(Action.ADD_SUPERNODE, Target(flwr_aid=member.flwr_aid))
    for node_of_someone_else in (Target(flwr_aid=owner.flwr_aid), Target(flwr_aid=""), Target()):
        with pytest.raises(NotAllowed, match="Choose one of your own registered SuperNodes."):
            member_can.check(Action.ADD_SUPERNODE, node_of_someone_else)
    assert not owner_can.may(Action.ADD_SUPERNODE, Target(flwr_aid=member.flwr_aid))  # not even the owner


def test_archiving_an_archived_federation_is_done_already_for_its_owner_only(owner, member):
    federation = FederationFactory(owner=owner, members=[member])
    owner_can = Permissions(federation, federation.memberships.get(user=owner), owner.flwr_aid)
    member_can = Permissions(federation, federation.memberships.get(user=member), member.flwr_aid)
    assert owner_can.done_already(Action.ARCHIVE) is False
    federation.archived_at = federation.created_at
    assert owner_can.done_already(Action.ARCHIVE) is True
    with pytest.raises(NotAllowed, match="Only the owner can archive"):
        member_can.done_already(Action.ARCHIVE)


def test_only_its_apps_refuses_other_code_to_everyone_and_keeps_its_apps_running(owner, member):
    federation = FederationFactory(owner=owner, members=[member])
    federation.its_apps_only = True
    for user in (owner, member):
        can = Permissions(federation, federation.memberships.get(user=user), user.flwr_aid)
        assert can.may(Action.LAUNCH_RUN)
        with pytest.raises(NotAllowed, match="Only this federation's apps may run here"):
            can.check(Action.LAUNCH_OTHER_APP)
    federation.archived_at = federation.created_at  # archived: the archive's refusal is the one said
    with pytest.raises(NotAllowed, match="archived") as caught:
        Permissions(federation, federation.memberships.get(user=member)).check(Action.LAUNCH_OTHER_APP)
    assert caught.value.code == Code.ARCHIVED
