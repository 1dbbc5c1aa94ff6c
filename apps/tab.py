"""A federation's Apps tab (registered in federations.extensions): the Hub apps it uses, a Run each."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from federations.access import load_federation
from federations.models import Federation
from federations.rules import Action, Permissions
from federations.views.tabs import render_tab

from . import services
from .models import App, FederationApp

TAB_TEMPLATE = "apps/tab.html"


def apps_context(request: AuthenticatedHttpRequest, federation: Federation, can: Permissions) -> dict:
    used = list(FederationApp.objects.filter(federation=federation).select_related("app__owner"))
    context: dict = {"federation_apps": [link.app for link in used]}
    if can.may(Action.MANAGE_APPS):
        ids = [link.app_id for link in used]
        addable = App.objects.visible_to(request.user).filter(versions__hidden=False).exclude(pk__in=ids)
        addable = addable.distinct().select_related("owner")
        context["addable"] = [(app.pk, app.handle) for app in addable.order_by("owner__username", "name")[:500]]
    return context


@login_required
@require_GET
def federation_apps(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name)
    return render_tab(request, federation, can, "apps", apps_context(request, federation, can))


def chosen_app(request: AuthenticatedHttpRequest, federation: Federation) -> App:
    """One the reader may see (to add it), or one the federation uses (to remove it)."""
    try:
        app_id = int(request.POST.get("app", ""))
    except ValueError:
        raise Http404("No such app.") from None
    choices = App.objects.visible_to(request.user) | App.objects.filter(federations__federation=federation)
    app = choices.filter(pk=app_id).select_related("owner").first()
    if app is None:
        raise Http404("No such app.")
    return app


@login_required
@require_POST
def add_app(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, _can = load_federation(request.user, owner, name, Action.MANAGE_APPS)
    app = chosen_app(request, federation)
    services.add_to_federation(federation=federation, actor=request.user, app=app)
    messages.success(
        request,
        _("%(app)s is one of %(federation)s's apps now: members run it from here.")
        % {"app": app.handle, "federation": federation.handle},
    )
    return redirect("hub:federation_apps", **federation.url_kwargs())


@login_required
@require_POST
def remove_app(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, _can = load_federation(request.user, owner, name, Action.MANAGE_APPS)
    app = chosen_app(request, federation)
    services.remove_from_federation(federation=federation, actor=request.user, app=app)
    messages.success(
        request, _("Removed %(app)s from %(federation)s's apps.") % {"app": app.handle, "federation": federation.handle}
    )
    return redirect("hub:federation_apps", **federation.url_kwargs())
