"""The federation's SuperNodes tab: nodes with their status, add and remove."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from flower_bridge import control_client, supernodes
from flower_bridge.supernodes import NodeRow

from . import services
from .access import load_federation
from .models import Federation, Membership
from .rendering import render_tab


def supernodes_context(user, federation: Federation, membership: Membership) -> dict:
    if federation.is_simulation:
        return {}
    context: dict = {"nodes": [], "addable": []}
    try:
        nodes = [NodeRow.from_proto(node) for node in control_client.show_federation(user, federation.handle).nodes]
        owners = dict(federation.nodes.values_list("node_id", "owner_id"))
        context["nodes"] = [
            (node, services.can_remove_supernode(federation, membership, owners.get(str(node.node_id))))
            for node in nodes
        ]
        if not federation.is_archived:
            present = {node.node_id for node in nodes}
            context["addable"] = [node for node in supernodes.my_nodes(user) if node.node_id not in present]
    except (control_client.SuperLinkUnavailable, control_client.ControlError) as error:
        context["superlink_error"] = error.message
    return context


@login_required
@require_GET
def federation_supernodes(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name)
    return render_tab(
        request, federation, membership, "supernodes", supernodes_context(request.user, federation, membership)
    )


@login_required
@require_POST
def add_supernode(request: HttpRequest, owner: str, name: str) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name, services.Action.ADD_SUPERNODE)
    try:
        node_id = int(request.POST.get("node_id", ""))
        supernodes.add_own_node(user=request.user, federation=federation, node_id=node_id)
    except ValueError:
        messages.error(request, "Choose one of your own registered SuperNodes.")
    except services.NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except services.FederationError as error:
        messages.error(request, error.message)
    except (control_client.SuperLinkUnavailable, control_client.ControlError) as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Added SuperNode {node_id} to {federation.handle}.")
    return redirect("federations:federation_supernodes", **federation.url_kwargs())


@login_required
@require_POST
def remove_supernode(request: HttpRequest, owner: str, name: str, node_id: int) -> HttpResponse:
    federation, membership = load_federation(request.user, owner, name, services.Action.REMOVE_SUPERNODE)
    try:
        services.remove_supernode(federation=federation, actor=request.user, node_id=node_id)
    except services.NotAllowed as error:
        raise PermissionDenied(error.message) from None
    except services.FederationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Removed SuperNode {node_id} from {federation.handle}.")
    return redirect("federations:federation_supernodes", **federation.url_kwargs())
