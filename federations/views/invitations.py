"""The invitation inbox on the profile, and answering an invitation from it."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from supergrid.web import render_page, wants_partial

from .. import services
from ..lists import inbox

INBOX_TEMPLATE = "federations/_invitation_inbox.html"


def inbox_context(request: HttpRequest) -> dict[str, Any]:
    """The inbox as a section of the profile page."""
    assert request.user.pk is not None  # the profile is for signed-in people
    return {"invitations": inbox(request.user.pk)}


def answer_invitation(request: AuthenticatedHttpRequest, invitation_id: int, accept: bool) -> HttpResponse:
    service = services.accept_invitation if accept else services.decline_invitation
    try:
        invitation = service(user=request.user, invitation_id=invitation_id)
    except services.FederationError as error:
        messages.error(request, error.message)
        status = 409
    else:
        handle = invitation.federation.handle
        if accept:
            messages.success(request, _("You joined %(federation)s.") % {"federation": handle})
        else:
            messages.success(request, _("You declined the invitation to %(federation)s.") % {"federation": handle})
        status = 200
    if wants_partial(request):
        context = {"invitations": inbox(request.user.pk), "oob": True}
        return render_page(request, INBOX_TEMPLATE, context, status=status)
    if request.POST.get("next") == "dashboard":
        # From the dashboard's banner: a new member lands on the federation they joined.
        if accept and status == 200:
            return redirect("federations:overview", **invitation.federation.url_kwargs())
        return redirect("federations:dashboard")
    return redirect("profile")


@login_required
@require_POST
def accept_invitation(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    return answer_invitation(request, invitation_id, accept=True)


@login_required
@require_POST
def decline_invitation(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    return answer_invitation(request, invitation_id, accept=False)
