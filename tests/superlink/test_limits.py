"""Fair-share limits as the SuperLink asks them (``can_execute``), in-process: Flower's EntitlementError
with the portal's words; the CLI's own path is tests/flower/test_limits_e2e.py."""

from types import SimpleNamespace

import pytest
from flwr.supercore.constant import ActionType
from flwr.supercore.error import EntitlementError
from flwr.supercore.typing import StartRunContext

from accounts.models import User
from superlink.federation_manager import LIMIT_ENTITLEMENT_CODE, PortalFederationManager
from superlink.node_directory import NodeDirectory

from ..factories import FederationFactory

pytestmark = pytest.mark.django_db


class State:
    """What the limits read of the SuperLink's state: runs and nodes, filtered as the real one filters."""

    def __init__(self, runs=(), nodes=()):
        self.runs, self.nodes = list(runs), list(nodes)

    def get_run_info(self, *, flwr_aids=None, federation_ids=None, statuses=None, **kwargs):
        return [
            run
            for run in self.runs
            if (flwr_aids is None or run.flwr_aid in flwr_aids)
            and (federation_ids is None or run.federation_id in federation_ids)
            and (statuses is None or run.status in statuses)
        ]

    def get_node_info(self, *, owner_aids=None, **kwargs):
        return [node for node in self.nodes if owner_aids is None or node.owner_aid in owner_aids]


def manager_with(state: State) -> PortalFederationManager:
    manager = PortalFederationManager(directory=NodeDirectory(interval=60))
    manager._linkstate = state
    return manager


def run(aid: str, federation: str, status: str = "running"):
    return SimpleNamespace(flwr_aid=aid, federation_id=federation, status=status)


def start(manager, user, federation) -> None:
    context = StartRunContext(federation_id=federation.handle, runtime=None)  # type: ignore[arg-type]
    manager.can_execute(user.flwr_aid, ActionType.START_RUN, context)


def test_runs_at_once_per_user_then_per_federation(owner, member, settings):
    federation = FederationFactory(owner=owner, name="lab", members=[member])
    User.objects.filter(pk=member.pk).update(limit_runs=1)
    busy = manager_with(State([run(member.flwr_aid, federation.handle)]))
    with pytest.raises(EntitlementError) as refused:
        start(busy, member, federation)
    assert refused.value.entitlement_code == LIMIT_ENTITLEMENT_CODE
    assert "You have 1 runs pending or running, the most you may at once" in refused.value.public_details
    finished = manager_with(State([run(member.flwr_aid, federation.handle, "finished")]))
    start(finished, member, federation)  # finished runs do not count

    settings.LIMIT_RUNS_PER_FEDERATION = 2
    full = manager_with(State([run(owner.flwr_aid, federation.handle), run("someone", federation.handle)]))
    with pytest.raises(EntitlementError, match="@olivia/lab has 2 runs pending or running"):
        start(full, owner, federation)


def test_supernodes_registered(owner, settings):
    settings.LIMIT_SUPERNODES = 2
    nodes = [SimpleNamespace(owner_aid=owner.flwr_aid, status=status) for status in ("online", "unregistered")]
    manager_with(State(nodes=nodes)).can_execute(owner.flwr_aid, ActionType.REGISTER_SUPERNODE, None)
    nodes.append(SimpleNamespace(owner_aid=owner.flwr_aid, status="offline"))
    with pytest.raises(EntitlementError, match="You have 2 SuperNodes registered"):
        manager_with(State(nodes=nodes)).can_execute(owner.flwr_aid, ActionType.REGISTER_SUPERNODE, None)
