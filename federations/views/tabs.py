"""The federation page: its tabs (each a real URL), rendered whole or, for htmx, only what is swapped.

Tabs the apps above add (``extensions.add_tab``) render through ``render_tab`` too.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from supergrid.web import paginate, render_page

from .. import audit
from ..access import load_federation
from ..extensions import extensions
from ..models import Federation
from ..rules import Permissions

ACTIVITY_PAGE_SIZE = 25


def render_tab(
    request: AuthenticatedHttpRequest,
    federation: Federation,
    can: Permissions,
    tab: str,
    extra: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    current = next(item for item in extensions.tabs if item.key == tab)
    context = {
        "federation": federation,
        "membership": can.membership,
        "can": can,
        "tab": tab,
        "tab_label": current.label,
        "tab_template": current.template,
        "tabs": [
            (item.key, item.label, reverse(item.url_name, kwargs=federation.url_kwargs()))
            for item in extensions.tabs
            if can.may(item.action)
        ],
        "member_count": getattr(federation, "member_count", None) or federation.memberships.count(),
        "overview_details": extensions.overview_details,
        "next_steps": extensions.next_steps,
        "nav_section": "federations",
        **(extra or {}),
    }
    return render_page(request, "federations/federation.html", context, status=status, sections=[current.template])


@login_required
@require_GET
def overview(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name)
    return render_tab(request, federation, can, "overview")


@login_required
@require_GET
def activity(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name)
    events = federation.activities.select_related("actor")
    page = paginate(events, request.GET.get("page"), ACTIVITY_PAGE_SIZE)
    return render_tab(request, federation, can, "activity", {"page": page})


@login_required
@require_GET
def activity_export(request: AuthenticatedHttpRequest, owner: str, name: str, fmt: str) -> StreamingHttpResponse:
    """The federation's activity log as CSV or JSON Lines, for its members (what the Activity tab shows)."""
    federation, _ = load_federation(request.user, owner, name)
    content_type, write = audit.FORMATS[fmt]
    response = StreamingHttpResponse(write(audit.rows(federation.activities.all())), content_type=content_type)
    filename = f"activity-{federation.owner.username}-{federation.name}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
