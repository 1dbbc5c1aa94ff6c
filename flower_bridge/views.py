from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import control_client, services, supernodes
from .forms import RegisterNodeForm


@login_required
@require_http_methods(["GET", "POST"])
def cli_login(request: HttpRequest, code: str) -> HttpResponse:
    """Approve a `flwr login` from the browser."""
    try:
        if request.method == "POST":
            services.approve_device_authorization(user_code=code, user=request.user)
            return render(request, "flower_bridge/cli_login_done.html", {"nav_section": "profile"})
        authorization = services.pending_authorization(code)
    except services.LoginError as error:
        context = {"message": error.message, "nav_section": "profile"}
        return render(request, "flower_bridge/cli_login_invalid.html", context, status=410)
    return render(request, "flower_bridge/cli_login.html", {"authorization": authorization, "nav_section": "profile"})


@login_required
@require_POST
def revoke_cli_session(request: HttpRequest, session_id: int) -> HttpResponse:
    try:
        services.revoke_session(user=request.user, session_id=session_id)
    except services.LoginError:
        raise Http404("No such CLI session.") from None
    messages.success(request, "CLI session revoked. That flwr CLI must log in again.")
    return redirect("profile")


def supernode_command() -> str:
    ca = control_client.ca_certfile()
    parts = [
        "flower-supernode",
        f"--superlink {settings.SUPERLINK_PUBLIC_ADDRESS}",
        f"--root-certificates {ca.resolve() if ca else '<your CA bundle>'}",
        "--auth-supernode-private-key path/to/supernode",
        '--node-config "partition-id=0 num-partitions=2"',
    ]
    return " \\\n  ".join(parts)


def render_supernodes(request: HttpRequest, form: RegisterNodeForm | None = None, status: int = 200) -> HttpResponse:
    context = {"form": form or RegisterNodeForm(), "nav_section": "supernodes", "command": supernode_command()}
    try:
        context["nodes"] = supernodes.my_nodes(request.user)
    except (control_client.SuperLinkUnavailable, control_client.ControlError) as error:
        context["superlink_error"] = error.message
    return render(request, "flower_bridge/supernodes.html", context, status=status)


@login_required
@require_GET
def supernode_list(request: HttpRequest) -> HttpResponse:
    return render_supernodes(request)


@login_required
@require_POST
def register_supernode(request: HttpRequest) -> HttpResponse:
    form = RegisterNodeForm(request.POST)
    if form.is_valid():
        key = form.cleaned_data["public_key"]
        try:
            node_id = control_client.register_node(request.user, key.pem, form.cleaned_data["name"].strip())
        except control_client.SuperLinkUnavailable as error:
            form.add_error(None, error.message)
        except control_client.ControlError as error:
            form.add_error("public_key", error.message)
        else:
            messages.success(request, f"Registered SuperNode {node_id}.")
            return redirect("flower_bridge:supernodes")
    if "private key" in " ".join(form.errors.get("public_key", [])):
        # Never keep or echo a private key: the form comes back empty.
        form = RegisterNodeForm({"name": request.POST.get("name", ""), "public_key": ""})
        form.full_clean()
        form.errors["public_key"] = form.error_class(
            ["That is a private key. Keep it on the SuperNode and paste the public key instead."]
        )
    return render_supernodes(request, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def unregister_supernode(request: HttpRequest, node_id: int) -> HttpResponse:
    try:
        node = next((row for row in supernodes.my_nodes(request.user) if row.node_id == node_id), None)
    except (control_client.SuperLinkUnavailable, control_client.ControlError) as error:
        messages.error(request, error.message)
        return redirect("flower_bridge:supernodes")
    if node is None:
        raise Http404("No such SuperNode.")
    if request.method == "POST":
        try:
            supernodes.unregister(user=request.user, node_id=node_id)
        except (control_client.SuperLinkUnavailable, control_client.ControlError) as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"Unregistered SuperNode {node_id}. It can no longer connect.")
        return redirect("flower_bridge:supernodes")
    return render(request, "flower_bridge/confirm_unregister.html", {"node": node, "nav_section": "supernodes"})


EXAMPLE_APP = settings.BASE_DIR / "examples" / "quickstart-numpy"


@login_required
@require_GET
def example_fab(request: HttpRequest) -> HttpResponse:
    """The project's example app as a FAB, built by Flower's own builder, ready to upload."""
    from flwr.cli.build import build_fab_from_disk

    response = HttpResponse(build_fab_from_disk(EXAMPLE_APP), content_type="application/octet-stream")
    response["Content-Disposition"] = 'attachment; filename="quickstart-numpy.fab"'
    return response
