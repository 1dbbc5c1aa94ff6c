"""The dashboard, the archived list and creating a federation."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from supergrid.web import Moment, paginate

from .. import services
from ..extensions import extensions
from ..forms import FederationCreateForm
from ..lists import MemberFederation, MemberFederations, inbox
from ..models import Federation, Membership, shown_description
from ..rules import Action, Permissions
from ..templatetags.federation_tags import federation_url

DASHBOARD_PAGE_SIZE = 25


DESCRIPTION_SHOWN = 90  # characters of a description in the list


@dataclass(frozen=True)
class FederationRow:
    """One line of the dashboard (or the archived list), with what the template shows already worked out."""

    pk: int
    handle: str
    url: str
    description: str
    kind: str
    kind_label: str
    role_label: str
    member_count: int
    supernodes: str
    archived: bool
    workspace: bool  # the reader's own workspace (listed first)
    created: Moment
    settings_url: str | None  # both set when the reader may archive it
    archive_url: str | None

    @classmethod
    def of(cls, entry: MemberFederation, labels: dict[str, str]) -> "FederationRow":
        """``labels``: kinds and roles in the reader's language, looked up once per page (``row_labels``)."""
        description = shown_description(entry.description)
        if len(description) > DESCRIPTION_SHOWN:
            description = description[: DESCRIPTION_SHOWN - 1] + "…"
        may_archive = Permissions(entry, entry).may(Action.ARCHIVE)
        return cls(
            pk=entry.pk,
            handle=entry.handle,
            url=federation_url("federations:overview", entry.owner, entry.name),
            description=description,
            kind=entry.kind,
            kind_label=labels[entry.kind],
            role_label=labels[entry.role],
            member_count=entry.member_count,
            supernodes=ngettext("%(count)d simulated", "%(count)d simulated", entry.num_supernodes or 0)
            % {"count": entry.num_supernodes or 0}
            if entry.is_simulation
            else str(entry.counts.get("supernodes", "—")),
            archived=entry.is_archived,
            workspace=entry.is_workspace and entry.is_owner,
            created=Moment.of(entry.created_at),
            settings_url=federation_url("federations:settings", entry.owner, entry.name) if may_archive else None,
            archive_url=federation_url("federations:archive", entry.owner, entry.name) if may_archive else None,
        )


def row_labels() -> dict[str, str]:
    """Each kind and role of a federation in the reader's language (their values never overlap)."""
    return {value: str(label) for value, label in [*Federation.Kind.choices, *Membership.Role.choices]}


def membership_list(request: AuthenticatedHttpRequest, *, archived: bool) -> dict:
    page = paginate(MemberFederations(request.user.pk, archived=archived), request.GET.get("page"), DASHBOARD_PAGE_SIZE)
    labels = row_labels()
    rows = [FederationRow.of(entry, labels) for entry in page]
    return {
        "page": page,
        "rows": rows,
        "nav_section": "federations",
        "archive_dialog": any(row.settings_url for row in rows),
    }


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    invitations = inbox(request.user.pk)
    context = membership_list(request, archived=False) | {
        "invitations": invitations,
        # The header's count, without asking again (when older invitations wait, it counts them all).
        **({} if invitations.more else {"pending_invitation_count": len(invitations)}),
    }
    rows, page = context["rows"], context["page"]
    context["only_workspace"] = len(rows) == 1 and rows[0].workspace and not page.has_other_pages()
    shown = [("f", row.pk) for row in rows]
    if shown and extensions.dashboard_live_url_name:
        context["live_url"] = f"{reverse(extensions.dashboard_live_url_name)}?{urlencode(shown)}"
    return render(request, "federations/dashboard.html", context)


@login_required
@require_GET
def archived(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "federations/archived.html", membership_list(request, archived=True))


@login_required
@require_http_methods(["GET", "POST"])
def create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = FederationCreateForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            federation = services.create_federation(owner=request.user, **form.cleaned_data)
        except services.FederationError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Created %(federation)s.") % {"federation": federation.handle})
            return redirect("federations:overview", **federation.url_kwargs())
    return render(request, "federations/new.html", {"form": form, "nav_section": "federations"})
