"""The federation's SuperNodes tab: nodes with their status, add and remove."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from federations.access import load_federation
from federations.models import Federation
from federations.rules import Action, FederationError, Permissions, Target
from federations.views.tabs import render_tab
from supergrid.web import deferred
from superlink import control_client

from .. import nodes, services, trust
from ..models import FederationNode, NodeTrust
from ..nodes import NodeRow

EMPTY = control_client.FederationStatus()


def supernodes_context(request: AuthenticatedHttpRequest, federation: Federation, can: Permissions) -> dict:
    """The SuperNodes tab; nodes and their status (from the SuperLink) load after the page (``deferred``)."""
    if federation.is_simulation:
        return {}
    if deferred(request, "node-section"):
        return {"deferred": True}
    user = request.user
    context: dict = {"nodes": [], "addable": []}
    may_add = can.may(Action.ADD_SUPERNODE)
    try:
        # One call: the federation's nodes and, for the Add selector, the reader's own.
        status = control_client.federation_status(user, [federation.handle], own_nodes=may_add)
        rows = [NodeRow.from_proto(node) for node in status.get(federation.handle, EMPTY).nodes]
        owners = dict(FederationNode.objects.filter(federation=federation).values_list("node_id", "owner_id"))
        # Whose reviews each node trusts (its owner's choice on /supernodes/): members see which sites
        # will refuse an app nobody they trust reviewed.
        trusted = dict(
            NodeTrust.objects.filter(node_id__in=[str(row.node_id) for row in rows]).values_list("node_id", "trusted")
        )
        context["nodes"] = [
            (
                row,
                can.may(Action.REMOVE_SUPERNODE, Target(user_id=owners.get(str(row.node_id)))),
                trust.either(trusted.get(str(row.node_id), "").split()),
            )
            for row in rows
        ]
        if may_add:
            present = {row.node_id for row in rows}
            own = nodes.own_rows(status.get(control_client.OWN_NODES, EMPTY).nodes)
            context["addable"] = [row for row in own if row.node_id not in present]
    except control_client.SuperLinkTrouble as error:
        context["superlink_error"] = error.message
    return context


@login_required
@require_GET
def federation_supernodes(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name)
    return render_tab(request, federation, can, "supernodes", supernodes_context(request, federation, can))


@login_required
@require_POST
def add_supernode(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.ADD_SUPERNODE)
    try:
        node_id = int(request.POST.get("node_id", ""))
        nodes.add_own_node(user=request.user, federation=federation, node_id=node_id)
    except ValueError:
        messages.error(request, _("Choose one of your own registered SuperNodes."))
    except FederationError as error:
        messages.error(request, error.message)
    except control_client.SuperLinkTrouble as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Added SuperNode %(node_id)s to %(federation)s.") % {"node_id": node_id, "federation": federation.handle},
        )
    return redirect("supernodes:federation", **federation.url_kwargs())


@login_required
@require_POST
def remove_supernode(request: AuthenticatedHttpRequest, owner: str, name: str, node_id: int) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.REMOVE_SUPERNODE)
    try:
        services.remove_supernode(federation=federation, actor=request.user, node_id=node_id)
    except FederationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Removed SuperNode %(node_id)s from %(federation)s.")
            % {"node_id": node_id, "federation": federation.handle},
        )
    return redirect("supernodes:federation", **federation.url_kwargs())
