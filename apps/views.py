"""The app pages of the private Hub."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.http import AuthenticatedHttpRequest
from accounts.models import ascii_iexact
from supergrid.web import paginate

from . import services
from .models import App

APPS_PAGE_SIZE = 25


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


class PublishForm(forms.Form):
    fab = forms.FileField(
        label="Flower App bundle (.fab)",
        help_text="Made by <code>flwr build</code> in your app's folder; up to 2.5 MB here (larger apps: "
        "<code>flwr app publish</code>). It becomes @you/&lt;its name&gt;, at the version in its pyproject.toml.",
    )


@login_required
@require_http_methods(["GET", "POST"])
def app_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every app of this SuperGrid's Hub, most recently published first; search; publish by upload."""
    form = PublishForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.publish_upload(account=request.user, fab=form.cleaned_data["fab"].read())
        except services.HubError as error:
            form.add_error("fab", error.message)
        else:
            messages.success(request, f"Published {version}.")
            return redirect("hub:app", owner=request.user.username, name=version.app.name)
    query = request.GET.get("q", "").strip()[:100]
    apps = (
        App.objects.filter(versions__hidden=False)
        .annotate(latest=Max("versions__published_at"), version_count=Count("versions", distinct=True))
        .select_related("owner")
        .order_by("-latest", "name")
    )
    if query:
        apps = apps.filter(
            Q(name__icontains=query) | Q(description__icontains=query) | Q(owner__username__icontains=query)
        )
    page = paginate(apps, request.GET.get("page"), APPS_PAGE_SIZE)
    context = {"page": page, "query": query, "form": form, "hub_api_url": settings.HUB_API_URL, "nav_section": "apps"}
    return render(request, "apps/list.html", context, status=400 if form.errors else 200)
