"""The app pages of the private Hub."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.http import AuthenticatedHttpRequest
from accounts.models import ascii_iexact

from .models import App


@login_required
@require_GET
def app_page(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    """An app: its description, its versions, and how to run it with the stock CLI."""
    app = (
        App.objects.filter(ascii_iexact("owner__username", owner), ascii_iexact("name", name))
        .select_related("owner")
        .first()
    )
    if app is None:
        raise Http404("No such app.")
    versions = list(app.versions.filter(hidden=False).order_by("-published_at"))
    context = {"app": app, "versions": versions, "latest": versions[0] if versions else None, "nav_section": "apps"}
    return render(request, "apps/app.html", context)
