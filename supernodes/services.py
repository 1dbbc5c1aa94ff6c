"""SuperNodes in federations: the SuperLink holds the nodes; the portal holds which federation each is in.

Like every change to a federation, each function is atomic, locks the federation row, asks the rules
table and writes one Activity row (``federations.services`` helpers). The web pages and the SuperLink
adapter (``flwr federation add-supernode``/``remove-supernode``) call these.
"""

from django.db import transaction
from django.dispatch import receiver
from django.utils.translation import gettext as _

from accounts.models import User
from federations.models import Activity, Federation
from federations.rules import Action, Code, FederationError, Target
from federations.services import check_allowed, lock, record
from federations.signals import member_departed
from superlink import control_client

from .models import FederationNode


@transaction.atomic
def add_supernode(
    *, federation: Federation, actor: User, node_id: int, owner_aid: str, name: str = ""
) -> FederationNode:
    """Add the actor's own registered node: ``owner_aid`` is its owner as the SuperLink reports it."""
    federation = lock(federation)
    check_allowed(federation, actor, Action.ADD_SUPERNODE, Target(flwr_aid=owner_aid))
    if FederationNode.objects.filter(federation=federation, node_id=str(node_id)).exists():
        raise FederationError(
            _("SuperNode %(node_id)s is already in %(federation)s.")
            % {"node_id": node_id, "federation": federation.handle}
        )
    node = FederationNode.objects.create(federation=federation, node_id=str(node_id), owner=actor)
    record(federation, actor, Activity.Verb.SUPERNODE_ADDED, f"{name} ({node_id})" if name else str(node_id))
    return node


@transaction.atomic
def remove_supernode(*, federation: Federation, actor: User, node_id: int) -> None:
    """The node's owner, or the federation's owner, takes a node out."""
    federation = lock(federation)
    check_allowed(federation, actor, Action.REMOVE_SUPERNODE)
    node = FederationNode.objects.filter(federation=federation, node_id=str(node_id)).first()
    if node is None:
        raise FederationError(
            _("SuperNode %(node_id)s is not in %(federation)s.")
            % {"node_id": node_id, "federation": federation.handle},
            code=Code.NODE_NOT_FOUND,
        )
    check_allowed(federation, actor, Action.REMOVE_SUPERNODE, Target(user_id=node.owner_id))
    node.delete()
    record(federation, actor, Activity.Verb.SUPERNODE_REMOVED, str(node_id))


@transaction.atomic
def forget_node(*, node_id: int, owner: User) -> int:
    """A node was unregistered: take it out of every federation it was in; returns how many."""
    count = 0
    for node in FederationNode.objects.filter(node_id=str(node_id), owner=owner).select_related("federation"):
        federation = lock(node.federation)
        node.delete()
        record(federation, owner, Activity.Verb.SUPERNODE_REMOVED, str(node_id))
        count += 1
    return count


@receiver(member_departed)
def departed_members_nodes_leave(*, federation: Federation, user: User, **kwargs: object) -> None:
    """When a member leaves or is removed, their SuperNodes leave that federation at once."""
    FederationNode.objects.filter(federation=federation, owner=user).delete()


def registered_count(user: User) -> int | None:
    """The user's SuperNodes registered with the SuperLink (a fair-share limit's use); None: SuperLink away."""
    try:
        return sum(1 for node in control_client.list_nodes(user) if node.status != "unregistered")
    except control_client.SuperLinkTrouble:
        return None
