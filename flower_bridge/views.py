from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from . import services


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
