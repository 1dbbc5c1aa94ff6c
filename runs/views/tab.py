"""The Runs tab of a federation, launching a run, and the example app to launch."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from federations.access import load_federation
from federations.models import Federation
from federations.rules import Action, Permissions
from federations.views.tabs import render_tab
from supergrid.middleware import limits_own_body
from supergrid.web import deferred
from superlink import control_client

from ..forms import LaunchForm
from ..listing import federation_runs
from ..uploads import limit_uploads, too_large

EXAMPLE_APP = settings.BASE_DIR / "examples" / "quickstart-numpy"


def runs_context(request: AuthenticatedHttpRequest, federation: Federation, can: Permissions, launch_form=None) -> dict:
    """The Runs tab; its list of runs (from the SuperLink) loads after the page (``deferred``)."""
    later = deferred(request, "run-list")
    return {
        "runs": None if later else federation_runs(request.user, federation),
        "deferred": later,
        "launch_form": (launch_form or LaunchForm()) if can.may(Action.LAUNCH_RUN) else None,
    }


@login_required
@require_GET
def runs(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.READ_RUNS)
    return render_tab(request, federation, can, "runs", runs_context(request, federation, can))


@limits_own_body  # over the global body cap too: FabSizeLimit stops the upload and the form says why
@csrf_exempt  # checked below, once the upload limit is in place (Django reads the body for the token)
@login_required
@require_POST
def launch_run(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    uploads = limit_uploads(request)
    return launch_checked(request, owner, name, uploads)


@csrf_protect
def launch_checked(request: AuthenticatedHttpRequest, owner: str, name: str, uploads) -> HttpResponse:
    federation, can = load_federation(request.user, owner, name, Action.LAUNCH_RUN)
    form = LaunchForm(request.POST, request.FILES, upload_error=too_large() if uploads.too_large else "")
    if form.is_valid():
        try:
            run_id = control_client.start_run(
                request.user, federation.handle, form.cleaned_data["fab_content"], form.cleaned_data["override_config"]
            )
        except control_client.SuperLinkTrouble as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Launched run %(run_id)s.") % {"run_id": run_id})
            return redirect("runs:run", run_id=run_id, **federation.url_kwargs())
    context = runs_context(request, federation, can, launch_form=form)
    return render_tab(request, federation, can, "runs", context, status=400)


@login_required
@require_GET
def example_fab(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The project's example app as a FAB, built by Flower's own builder, ready to upload."""
    response = HttpResponse(control_client.build_fab(EXAMPLE_APP), content_type="application/octet-stream")
    response["Content-Disposition"] = 'attachment; filename="quickstart-numpy.fab"'
    return response
