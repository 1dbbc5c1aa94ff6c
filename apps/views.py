"""The app pages of the private Hub."""

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from federations.access import load_federation
from federations.models import WORKSPACE_NAME, split_handle
from federations.rules import Action
from supergrid.forms import QuickSelect
from supergrid.web import Moment, Window, paginate
from superlink import control_client
from superlink.run_config import LaunchError, parse_overrides

from . import lists, services
from .lists import ORDERS, AppRows
from .models import App, AppVersion, Review

APPS_PAGE_SIZE = 25
VERSIONS_PAGE_SIZE = 10


@dataclass(frozen=True)
class VersionRow:
    """A version that can run: what the Run form needs of it, and what the app page's table shows (formatted
    in Python, only for the rows shown)."""

    pk: int
    version: str
    published_at: datetime
    bytes: int
    config_json: str

    @property
    def run_config(self) -> dict:
        return json.loads(self.config_json)

    @property
    def keys(self) -> Collection[str]:
        return self.run_config.keys()

    def row(self, latest: bool) -> dict:
        """As the table shows it: a dict, which templates read fastest."""
        published = Moment.of(self.published_at)
        return {
            "version": self.version,
            "latest": latest,
            "iso": published.iso,
            "published": published.minute,
            "size": filesizeformat(self.bytes),
            "config": " · ".join(f"{key}={value}" for key, value in self.run_config.items()) or "—",
        }


def app_and_versions(user, owner: str, name: str) -> tuple[App, list[VersionRow], str]:
    """The app (404 when there is none, or it is private and not the reader's to see), its versions that
    can run, newest first, and the latest's README."""
    found = lists.app_page(owner, name, user)
    if found is None:
        raise Http404("No such app.")
    app, readme, reviewed = found
    app.reviewed = reviewed  # the page asks for reviews only when there are some
    return app, [VersionRow(*row) for row in lists.versions(app)], readme


def shown_versions(
    versions: list[VersionRow], latest: VersionRow | None, number: str | None, *, reviewed: bool
) -> Window:
    """A page of versions, each with its reviews (who, which key, when; a removed key's marked)."""
    page = paginate(versions, number, VERSIONS_PAGE_SIZE)
    reviews: dict[int, list[dict]] = {}
    if reviewed:  # without a review of any version, not even a queryset to build
        found = Review.objects.filter(version_id__in=[version.pk for version in page.object_list])
        for review in found.select_related("reviewer", "key").order_by("created_at"):
            reviews.setdefault(review.version_id, []).append(
                {
                    "reviewer": review.reviewer.username,
                    "key": review.key.name,
                    "key_id": review.key.key_id,
                    "removed": review.key.is_removed,
                    "when": Moment.of(review.created_at).day,
                }
            )
    page.object_list = [
        {**version.row(version is latest), "reviews": reviews.get(version.pk, [])} for version in page.object_list
    ]
    return page


def render_app_page(
    request: AuthenticatedHttpRequest, app: App, versions: list[VersionRow], readme: str, form=None, status: int = 200
) -> HttpResponse:
    federations = launchable_federations(request.user)
    latest = versions[0] if versions else None
    context = {
        "app": app,
        "versions": shown_versions(versions, latest, request.GET.get("versions"), reviewed=app.reviewed),
        "version_count": len(versions),
        "latest": latest,
        "readme": readme,
        "used_by": lists.used_by(request.user, app),
        "is_owner": app.owner_id == request.user.pk,
        "run_form": form
        or RunForm(federations=federations, versions=versions, initial={"federation": request.GET.get("federation")}),
        "nav_section": "apps",
    }
    return render(request, "apps/app.html", context, status=status)


@login_required
@require_GET
def app_page(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    """An app: its description, its versions, a Run button, and how to run it with the stock CLI."""
    return render_app_page(request, *app_and_versions(request.user, owner, name))


class PublishForm(forms.Form):
    fab = forms.FileField(
        label=gettext_lazy("Flower App bundle (.fab)"),
        help_text=gettext_lazy(
            "Made by <code>flwr build</code> in your app's folder; up to 2.5 MB here (larger apps: "
            "<code>flwr app publish</code>). It becomes @you/&lt;its name&gt;, at the version in its pyproject.toml."
        ),
    )
    private = forms.BooleanField(
        label=gettext_lazy("Private"),
        required=False,
        help_text=gettext_lazy(
            "Only you and the members of federations you add it to can see and run it. "
            "A new app is public otherwise; change it on its page."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def app_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every app of this SuperGrid's Hub, most recently published first; search; publish by upload."""
    form = PublishForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.publish_upload(
                account=request.user, fab=form.cleaned_data["fab"].read(), private=form.cleaned_data["private"]
            )
        except services.HubError as error:
            form.add_error("fab", error.message)
        else:
            messages.success(request, _("Published %(version)s.") % {"version": version})
            return redirect("hub:app", owner=request.user.username, name=version.app.name)
    query = request.GET.get("q", "").strip()[:100]
    order = request.GET.get("order", "newest")
    order = order if order in ORDERS else "newest"  # the list's orders, each an index
    page = paginate(AppRows(request.user, query, order), request.GET.get("page"), APPS_PAGE_SIZE)
    context = {
        "page": page,
        "query": query,
        "order": order,
        "keep": urlencode(
            {key: value for key, value in {"q": query, "order": order}.items() if value != "newest" and value}
        ),
        "form": form,
        "hub_api_url": settings.HUB_API_URL,
        "cli_address": settings.SUPERLINK_PUBLIC_ADDRESS,
        "nav_section": "apps",
    }
    return render(request, "apps/list.html", context, status=400 if form.errors else 200)


class RunForm(forms.Form):
    federation = forms.ChoiceField(label=gettext_lazy("Federation"), widget=QuickSelect)
    version = forms.ChoiceField(label=gettext_lazy("Version"), widget=QuickSelect)
    overrides = forms.CharField(
        label=gettext_lazy("Run config overrides"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "placeholder": "num-server-rounds=5"}),
        help_text=gettext_lazy(
            "Optional: one <code>key=value</code> per line; values are numbers, "
            '<code>true</code>/<code>false</code> or "quoted text".'
        ),
    )

    def __init__(self, *args: Any, federations: list[str], versions: list[VersionRow], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.versions = {version.version: version for version in versions}
        choices = {
            "federation": [(handle, handle) for handle in federations],
            "version": [(version.version, version.version) for version in versions],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        version = self.versions.get(data.get("version", ""))
        if version is not None and "overrides" in data:
            try:
                data["override_config"] = parse_overrides(data["overrides"], version.keys)
            except LaunchError as error:
                self.add_error("overrides", str(error))
        data["app_version"] = version
        return data


def launchable_federations(user) -> list[str]:
    """The reader's active federations (members launch runs in them), their workspace first."""
    handles = lists.launchable(user)
    workspace = f"@{user.username}/{WORKSPACE_NAME}"
    return sorted(handles, key=lambda handle: handle.lower() != workspace.lower())


@login_required
@require_http_methods(["GET", "POST"])
def run_app(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    """The Run button: the chosen version's FAB launched in one of my federations; then its run page."""
    app, versions, readme = app_and_versions(request.user, owner, name)
    if request.method == "GET" or not versions:
        return redirect("hub:app", owner=app.owner.username, name=app.name)
    form = RunForm(request.POST, federations=launchable_federations(request.user), versions=versions)
    if form.is_valid():
        handle = form.cleaned_data["federation"]
        parts = split_handle(handle)
        assert parts is not None
        federation, _can = load_federation(request.user, *parts, Action.LAUNCH_RUN)
        try:
            run_id = control_client.start_run(
                request.user,
                federation.handle,
                services.fab_bytes(AppVersion.objects.get(pk=form.cleaned_data["app_version"].pk)),
                form.cleaned_data["override_config"],
            )
        except control_client.SuperLinkTrouble as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Launched run %(run_id)s of %(app)s in %(federation)s.")
                % {"run_id": run_id, "app": app.handle, "federation": federation.handle},
            )
            return redirect("runs:run", run_id=run_id, **federation.url_kwargs())
    return render_app_page(request, app, versions, readme, form, status=400)


class VisibilityForm(forms.Form):
    private = forms.BooleanField(required=False)


@login_required
@require_POST
def visibility(request: AuthenticatedHttpRequest, owner: str, name: str) -> HttpResponse:
    """The app's owner makes it private or public."""
    app = services.find_app(owner, name, request.user)
    if app is None:
        raise Http404("No such app.")
    form = VisibilityForm(request.POST)
    if form.is_valid():
        services.set_private(app=app, actor=request.user, private=form.cleaned_data["private"])
        message = _("%(app)s is private now.") if app.private else _("%(app)s is public now.")
        messages.success(request, message % {"app": app.handle})
    return redirect("hub:app", owner=app.owner.username, name=app.name)
