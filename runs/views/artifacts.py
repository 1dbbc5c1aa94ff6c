"""A run's artifacts: the zip for members, signed in or holding a `flwr pull` link."""

from django.contrib.auth.views import redirect_to_login
from django.core.files.storage import storages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from federations.access import load_federation
from federations.rules import Action

from .. import artifacts
from ..models import RunArtifacts, RunOutcome


def unavailable(request: HttpRequest, federation, run_id: int, message: str, status: int) -> HttpResponse:
    context = {"federation": federation, "run_id": run_id, "message": message, "nav_section": "federations"}
    return render(request, "runs/artifacts_unavailable.html", context, status=status)


@require_GET
def download(request: HttpRequest, owner: str, name: str, run_id: int) -> HttpResponse | FileResponse:
    """The run's artifacts as one zip. A `flwr pull` link carries a token for its account (valid for
    ARTIFACTS_LINK_SECONDS); without one, the signed-in member. Either way the rules table decides."""
    token = request.GET.get("token")
    if token:
        account = artifacts.account_of_token(token, run_id)
        if account is None:
            message = gettext(
                "This download link has expired or is not valid. Run flwr pull again for a new one, "
                "or sign in and download from the run's page."
            )
            return render(request, "runs/artifacts_unavailable.html", {"message": message}, status=410)
    elif request.user.is_authenticated:
        account = request.user
    else:
        return redirect_to_login(request.get_full_path())
    federation, _ = load_federation(account, owner, name, Action.DOWNLOAD_ARTIFACTS)
    outcome = RunOutcome.objects.filter(run_id=str(run_id), federation=federation).first()
    if outcome is None:
        message = gettext(
            "Run %(run_id)s has not ended (or is not a run of %(federation)s): artifacts come when it does."
        ) % {"run_id": run_id, "federation": federation.handle}
        return unavailable(request, federation, run_id, message, 409)
    try:
        packed = artifacts.ready(RunArtifacts.objects.filter(outcome=outcome).first(), run_id)
    except artifacts.NotReady as refusal:
        return unavailable(request, federation, run_id, str(refusal.message), 409)
    try:
        zipped = storages["artifacts"].open(packed.file, "rb")
    except OSError:
        raise Http404("The artifacts' file is missing from the storage; an operator can say why.") from None
    return FileResponse(zipped, as_attachment=True, filename=f"run-{run_id}-artifacts.zip")
