"""/supernodes/: the user's own SuperNodes — register a public key, see status, unregister."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from supergrid.web import confirm_page, deferred, render_page, wants_partial
from superlink import control_client

from .. import nodes, trust
from ..commands import start_commands
from ..forms import RegisterNodeForm


def render_supernodes(
    request: AuthenticatedHttpRequest, form: RegisterNodeForm | None = None, status: int = 200
) -> HttpResponse:
    """The page; the user's nodes and their start commands (from the SuperLink) load after it (``deferred``)."""
    context = {"form": form or RegisterNodeForm(), "nav_section": "supernodes", "start": start_commands()}
    if deferred(request, "my-supernodes"):
        context["deferred"] = True
        return render_page(request, "supernodes/supernodes.html", context, status=status)
    try:
        rows = nodes.my_nodes(request.user)
    except control_client.SuperLinkTrouble as error:
        context["superlink_error"] = error.message
    else:
        trusted = trust.trusts([row.node_id for row in rows])
        context["nodes"] = [
            (row, start_commands(index=index, trusted=node_trust is not None and node_trust.ready), node_trust)
            for index, row in enumerate(rows)
            for node_trust in [trusted[row.node_id]]
        ]
    context["fragment"] = wants_partial(request)  # the start commands follow, out of band
    return render_page(request, "supernodes/supernodes.html", context, status=status)


@login_required
@require_GET
def supernode_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_supernodes(request)


@login_required
@require_POST
def register_supernode(request: AuthenticatedHttpRequest) -> HttpResponse:
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
            messages.success(request, _("Registered SuperNode %(node_id)s.") % {"node_id": node_id})
            return redirect("supernodes:list")
    if form.has_error("public_key", code="private_key"):
        # Never keep or echo a private key: the form comes back empty.
        form = RegisterNodeForm({"name": request.POST.get("name", ""), "public_key": ""})
        form.full_clean()
        form.errors["public_key"] = form.error_class(
            [_("That is a private key. Keep it on the SuperNode and paste the public key instead.")]
        )
    return render_supernodes(request, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def unregister_supernode(request: AuthenticatedHttpRequest, node_id: int) -> HttpResponse:
    try:
        node = next((row for row in nodes.my_nodes(request.user) if row.node_id == node_id), None)
    except control_client.SuperLinkTrouble as error:
        messages.error(request, error.message)
        return redirect("supernodes:list")
    if node is None:
        raise Http404("No such SuperNode.")
    if request.method == "POST":
        try:
            nodes.unregister(user=request.user, node_id=node_id)
        except control_client.SuperLinkTrouble as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Unregistered SuperNode %(node_id)s. It can no longer connect.") % {"node_id": node_id}
            )
        return redirect("supernodes:list")
    return confirm_page(
        request, "supernodes/_unregister_form.html", _("Unregister SuperNode"), node=node, nav_section="supernodes"
    )


@require_GET
def ca_certificate(request: HttpRequest) -> HttpResponse:
    """The SuperLink's CA certificate (public), for `flwr` and SuperNodes at other sites to trust."""
    ca = control_client.ca_certfile()
    if ca is None or not ca.exists():
        raise Http404("This SuperLink's certificate comes from a public authority; nothing to download.")
    response = HttpResponse(ca.read_bytes(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="ca.pem"'
    return response


def own_node(request: AuthenticatedHttpRequest, node_id: int):
    """One of the reader's registered SuperNodes (the SuperLink says whose), or 404."""
    try:
        node = next((row for row in nodes.my_nodes(request.user) if row.node_id == node_id), None)
    except control_client.SuperLinkTrouble as error:
        messages.error(request, error.message)
        return None
    if node is None:
        raise Http404("No such SuperNode.")
    return node


@login_required
@require_POST
def set_trust(request: AuthenticatedHttpRequest, node_id: int) -> HttpResponse:
    """Whose app reviews the node trusts; nobody: it runs any app."""
    if own_node(request, node_id) is None:
        return redirect("supernodes:list")
    try:
        names = trust.set_trust(owner=request.user, node_id=node_id, text=request.POST.get("trusted", "")[:400])
    except trust.TrustError as error:
        messages.error(request, _("SuperNode %(node_id)s: %(error)s") % {"node_id": node_id, "error": error})
    else:
        if names:
            messages.success(
                request,
                _(
                    "SuperNode %(node_id)s trusts reviews by %(who)s: download its trusted-entities file and start "
                    "it with the command below."
                )
                % {"node_id": node_id, "who": trust.all_of(names)},
            )
        else:
            messages.success(
                request, _("SuperNode %(node_id)s trusts nobody's reviews: it runs any app.") % {"node_id": node_id}
            )
    return redirect("supernodes:list")


@login_required
@require_GET
def trusted_entities(request: AuthenticatedHttpRequest, node_id: int) -> HttpResponse:
    if own_node(request, node_id) is None:
        return redirect("supernodes:list")
    try:
        content = trust.download(owner=request.user, node_id=node_id)
    except trust.TrustError as error:
        messages.error(request, _("SuperNode %(node_id)s: %(error)s") % {"node_id": node_id, "error": error})
        return redirect("supernodes:list")
    response = HttpResponse(content, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{trust.FILE_NAME}"'
    return response
