"""The Settings tab (owner): simulation settings, description, the sections the apps above add, archive."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest

from .. import services
from ..access import load_federation
from ..extensions import extensions
from ..forms import ArchiveForm, FederationSettingsForm
from ..models import WORKSPACE_DESCRIPTION, Federation, shown_description
from ..rules import Action
from .tabs import render_tab


def settings_context(federation: Federation, settings_form=None, archive_form=None) -> dict:
    initial = {
        "num_supernodes": federation.num_supernodes,
        "description": federation.shown_description,  # the workspace's default in the reader's language
        "only_its_apps": federation.only_its_apps,
        "reviewers_required": " ".join(federation.required_reviewers),
    }
    context = {
        "settings_form": settings_form or FederationSettingsForm(initial=initial, federation=federation),
        "archive_form": archive_form or ArchiveForm(federation=federation),
        "settings_sections": [template for template, _context in extensions.settings_sections],
    }
    for _template, section_context in extensions.settings_sections:
        context |= section_context(federation)
    return context


def stored_description(federation: Federation, description: str) -> str:
    """The description to save: the workspace's default, shown translated, stays as stored when left as shown."""
    if federation.description == WORKSPACE_DESCRIPTION and description.strip() == shown_description(
        WORKSPACE_DESCRIPTION
    ):
        return WORKSPACE_DESCRIPTION
    return description


@login_required
@require_http_methods(["GET", "POST"])
def settings(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    action = Action.CHANGE_SETTINGS if request.method == "POST" else Action.VIEW_SETTINGS
    federation, can = load_federation(request.user, owner, name, action)
    form = FederationSettingsForm(request.POST or None, federation=federation)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_settings(
                federation=federation,
                actor=request.user,
                # A deployment federation's form has no such field.
                num_supernodes=form.cleaned_data.get("num_supernodes"),
                description=stored_description(federation, form.cleaned_data["description"]),
                only_its_apps=form.cleaned_data["only_its_apps"],
                reviewers_required=form.cleaned_data["reviewers_required"],
            )
        except services.FederationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Settings saved."))
            return redirect("federations:settings", **federation.url_kwargs())
    context = settings_context(federation, settings_form=form if request.method == "POST" else None)
    return render_tab(request, federation, can, "settings", context)


@login_required
@require_POST
def archive(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name)
    if can.done_already(Action.ARCHIVE):  # the owner, again: answered as done, not refused
        messages.info(request, _("%(federation)s is already archived.") % {"federation": federation.handle})
        return redirect("federations:overview", **federation.url_kwargs())
    form = ArchiveForm(request.POST, federation=federation)
    if not form.is_valid():
        context = settings_context(federation, archive_form=form)
        return render_tab(request, federation, can, "settings", context, status=400)
    services.archive_federation(federation=federation, actor=request.user)
    messages.success(request, _("Archived %(federation)s. It is now read-only.") % {"federation": federation.handle})
    return redirect(reverse("federations:archived"))
