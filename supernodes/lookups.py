"""Which SuperNodes are in which federation, as the SuperLink asks it (prepared statements, ``supergrid.db``)
and as the node directory reads it; lent to the adapter as ``superlink.hooks.NodeLinks`` (``apps.py``)."""

from collections.abc import Iterable, Sequence

from django.db.models import Count, Max

from accounts.models import User
from federations import lookups
from federations.lookups import handle_parts
from federations.models import Federation
from supergrid.db import fetch_all

from . import services
from .models import FederationNode

TABLES = {**lookups.TABLES, "node": FederationNode._meta.db_table}

# A federation's nodes, in the order they were added (the federation foreign key's index).
NODES_SQL = """
    SELECT node_id FROM {node} WHERE federation_id = %(federation_id)s ORDER BY id
""".format(**TABLES)

# Which of these federations (``owner/name``, lowercase) the account belongs to, with their nodes (the
# account by its unique flwr_aid, its memberships by the user foreign key's index, nodes by federation).
ACCOUNT_FEDERATION_NODES_SQL = """
    SELECT o.username AS owner, f.name, n.node_id
    FROM {membership} m
    JOIN {federation} f ON f.id = m.federation_id
    JOIN {user} o ON o.id = f.owner_id
    LEFT JOIN {node} n ON n.federation_id = f.id
    WHERE m.user_id = (SELECT u.id FROM {user} u WHERE u.flwr_aid = %(flwr_aid)s AND u.is_active)
        AND LOWER(o.username) || '/' || LOWER(f.name) IN ({wanted})
    ORDER BY n.id
"""

# The dashboard's SuperNodes column: a deployment federation's nodes, counted per row shown (``f`` is the
# federation of the row; the federation foreign key's index).
NODE_COUNT_SQL = "SELECT COUNT(*) FROM {node} n WHERE n.federation_id = f.id".format(**TABLES)


class NodeLinks:
    """``superlink.hooks.NodeLinks``: the links for the SuperLink, from this app's table and services."""

    def signature(self) -> dict:
        """Links are only ever inserted (with a new, higher id) or deleted, so their number and highest id
        change whenever the set does: one aggregate over an index instead of reading them all."""
        return FederationNode.objects.aggregate(count=Count("id"), last=Max("id"))

    def all_links(self) -> Iterable[tuple[str, int]]:
        rows = FederationNode.objects.values_list("federation__owner__username", "federation__name", "node_id")
        return ((f"@{owner}/{name}", int(node_id)) for owner, name, node_id in rows)

    def node_ids(self, federation: Federation) -> list[int]:
        return [int(row["node_id"]) for row in fetch_all(NODES_SQL, {"federation_id": federation.pk})]

    def account_federation_nodes(self, flwr_aid: str, federation_ids: Sequence[str]) -> dict[str, list[int]]:
        """Node ids of each of these federations the account belongs to, by handle; others are left out."""
        wanted = sorted({"/".join(parts) for parts in map(handle_parts, federation_ids) if parts})
        if not wanted:
            return {}
        names = [f"handle_{index}" for index in range(len(wanted))]
        sql = ACCOUNT_FEDERATION_NODES_SQL.format(wanted=", ".join(f"%({name})s" for name in names), **TABLES)
        nodes: dict[str, list[int]] = {}
        for row in fetch_all(sql, {"flwr_aid": flwr_aid, **dict(zip(names, wanted, strict=True))}):
            found = nodes.setdefault(f"@{row['owner']}/{row['name']}", [])
            if row["node_id"] is not None:
                found.append(int(row["node_id"]))
        return nodes

    def add(self, *, federation: Federation, actor: User, node_id: int, owner_aid: str) -> None:
        services.add_supernode(federation=federation, actor=actor, node_id=node_id, owner_aid=owner_aid)

    def remove(self, *, federation: Federation, actor: User, node_id: int) -> None:
        services.remove_supernode(federation=federation, actor=actor, node_id=node_id)
