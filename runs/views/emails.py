"""The run-ended email's setting: a section of the profile, saved here."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest

from .. import services

PROFILE_SECTION = "runs/_profile_emails.html"


def profile_section_context(request: HttpRequest) -> dict[str, Any]:
    assert request.user.pk is not None
    return {"notify_run_finished": services.wants_run_emails(request.user.pk)}


@login_required
@require_POST
def save_run_emails(request: AuthenticatedHttpRequest) -> HttpResponse:
    wanted = request.POST.get("notify_run_finished") == "on"
    services.set_run_emails(user=request.user, wanted=wanted)
    messages.success(
        request,
        _("You will get an email when your runs finish.") if wanted else _("No more emails when your runs finish."),
    )
    return redirect(reverse("profile") + "#notifications")
