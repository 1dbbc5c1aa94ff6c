"""The user's SuperNodes: the SuperLink's registrations joined with the portal's federation membership."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from superlink import control_client
from superlink.control_client import parse_time

from . import services
from .keys import fingerprint_of_pem
from .models import FederationNode

# Flower's SuperNode statuses as people read them; the values themselves stay as Flower sends them.
STATUS_TEXTS = {
    "registered": pgettext_lazy("SuperNode status", "registered"),
    "online": pgettext_lazy("SuperNode status", "online"),
    "offline": pgettext_lazy("SuperNode status", "offline"),
    "unregistered": pgettext_lazy("SuperNode status", "unregistered"),
}


@dataclass(frozen=True)
class NodeRow:
    node_id: int
    name: str
    status: str
    owner_name: str
    last_seen: datetime | None
    fingerprint: str
    federations: tuple[str, ...] = ()

    @property
    def status_text(self) -> str:
        """The status in the reader's language (Flower's word when unknown)."""
        return str(STATUS_TEXTS.get(self.status, self.status))

    @classmethod
    def from_proto(cls, node, federations: tuple[str, ...] = ()) -> "NodeRow":
        last_seen: datetime | None
        if node.status == "online":
            last_seen = timezone.now()
        else:
            last_seen = parse_time(node.last_deactivated_at) or parse_time(node.last_activated_at)
        return cls(
            node_id=node.node_id,
            name=node.name,
            status=node.status,
            owner_name=node.owner_name,
            last_seen=last_seen,
            fingerprint=fingerprint_of_pem(node.public_key),
            federations=federations,
        )


def federations_by_node(node_ids) -> dict[int, tuple[str, ...]]:
    handles: dict[int, list[str]] = {}
    rows = FederationNode.objects.filter(node_id__in=[str(n) for n in node_ids]).select_related("federation__owner")
    for row in rows:
        handles.setdefault(int(row.node_id), []).append(row.federation.handle)
    return {node_id: tuple(sorted(values)) for node_id, values in handles.items()}


def my_nodes(user) -> list[NodeRow]:
    """Raises control_client.SuperLinkUnavailable / ControlError for the page to explain."""
    return own_rows(control_client.list_nodes(user))


def own_rows(infos) -> list[NodeRow]:
    """A user's registered nodes (NodeInfo from the SuperLink) with the federations each is in, by name."""
    nodes = [node for node in infos if node.status != "unregistered"]
    memberships = federations_by_node(node.node_id for node in nodes)
    rows = [NodeRow.from_proto(node, memberships.get(node.node_id, ())) for node in nodes]
    return sorted(rows, key=lambda row: (row.name or "~", row.node_id))


def add_own_node(*, user, federation, node_id: int) -> None:
    """Add one of the user's registered nodes; the SuperLink says which nodes are theirs (the rules refuse
    any other with the same words as on the CLI)."""
    mine = {row.node_id: row for row in my_nodes(user)}
    owner_aid, name = (user.flwr_aid, mine[node_id].name) if node_id in mine else ("", "")
    services.add_supernode(federation=federation, actor=user, node_id=node_id, owner_aid=owner_aid, name=name)


def unregister(*, user, node_id: int) -> None:
    """Unregister in the SuperLink, then take the node out of every federation."""
    control_client.unregister_node(user, node_id)
    with transaction.atomic():
        services.forget_node(node_id=node_id, owner=user)
