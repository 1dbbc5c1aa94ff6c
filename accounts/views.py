from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from allauth.socialaccount.models import SocialAccount
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import i18n
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from supergrid.db import Row
from supergrid.web import Moment, Window, confirm_page, paginate

from . import cli_login as logins
from . import lists, services, sso
from .extensions import add_profile_sections
from .http import AuthenticatedHttpRequest
from .models import User


class DeploymentAccessForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What you want to run on real SuperNodes, and with whom."),
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """The footer's switcher: Django's ``set_language`` (a cookie) and, for someone signed in, their profile's
    language too, which would otherwise win over the cookie."""
    response = i18n.set_language(request)
    if request.user.is_authenticated:
        with suppress(services.AccountError):  # not a language offered: Django's view changed nothing either
            services.set_language(user=request.user, language=request.POST.get("language", ""))
    return response


@login_required
@require_POST
def change_language(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The profile's Language section: saved on the account; the page answers in the language chosen."""
    try:
        services.set_language(user=request.user, language=request.POST.get("language", ""))
    except services.AccountError as error:
        messages.error(request, error.message)
    else:
        # Said in the language just chosen (or, back to the browser's, in that one).
        translation.activate(request.user.language or translation.get_language_from_request(request))
        messages.success(request, _("Language saved."))
    return redirect(reverse("profile") + "#language")


def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(settings.LOGIN_REDIRECT_URL)  # where a sign-in lands (the dashboard, in settings)
    return render(request, "home.html")


class SigningKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=64,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("laptop")}),
    )
    public_key = forms.CharField(
        label=gettext_lazy("Public key"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "spellcheck": "false", "placeholder": "ssh-ed25519 AAAA…"}),
        help_text=gettext_lazy(
            "The <code>.pub</code> file of an Ed25519 key: <code>ssh-keygen -t ed25519 -f flwr-review</code>. "
            "<code>flwr app review</code> signs with the private half."
        ),
    )


CLI_SESSIONS_SHOWN = 10


@dataclass(frozen=True)
class SessionRow:
    """A CLI session as the profile lists it: times formatted once (``Moment``), its Revoke URL filled in."""

    pk: int
    created: Moment
    last_used: datetime | None
    expires: Moment
    revoke_url: str


def session_rows(page: Window) -> Window:
    revoke = reverse("revoke_cli_session", kwargs={"session_id": 0}).replace("/0/", "/{}/")
    page.object_list = [
        SessionRow(
            row["id"],
            Moment.of(row["created_at"]),
            row["last_used_at"],
            Moment.of(row["refresh_expires_at"]),
            revoke.format(row["id"]),
        )
        for row in page.object_list
    ]
    return page


@dataclass(frozen=True)
class KeyRow:
    """A signing key as the profile lists it: its date formatted once (``Moment``), its Remove URL filled in."""

    name: str
    key_id: str
    added: Moment
    remove_url: str


def key_rows(rows: list[Row]) -> list[KeyRow]:
    remove = reverse("remove_signing_key", kwargs={"key_id": 0}).replace("/0/", "/{}/")
    return [KeyRow(row["name"], row["key_id"], Moment.of(row["created_at"]), remove.format(row["pk"])) for row in rows]


def render_profile(
    request: AuthenticatedHttpRequest,
    access_form: DeploymentAccessForm | None = None,
    status: int = 200,
):
    user = request.user
    context = {
        "account": user,
        # Shown only to someone without deployment access.
        "access_request": None if user.has_deployment_access else user.deployment_access_requests.first(),
        "access_form": access_form or DeploymentAccessForm(),
        # Pages of CLI_SESSIONS_SHOWN, most recently used first: a script that logs in often grows the list.
        "cli_sessions": session_rows(
            paginate(lists.cli_sessions(user.pk, timezone.now()), request.GET.get("sessions"), CLI_SESSIONS_SHOWN)
        ),
        # What `flwr` is pointed at (FLWR_SUPERGRID_ADDRESS must be the very address of the `flwr login`).
        "cli_address": settings.SUPERLINK_PUBLIC_ADDRESS,
        "hub_api_url": settings.HUB_API_URL,
        "signing_keys": key_rows(lists.signing_keys(user.pk)),
        "sso_providers": settings.OIDC_PROVIDERS,
        "sso_connected": {
            account.provider: sso.provider_name(account.provider)
            for account in SocialAccount.objects.filter(user=request.user)
        }
        if settings.OIDC_PROVIDERS
        else {},
        "language_choices": User._meta.get_field("language").choices,
        "nav_section": "profile",
    }
    add_profile_sections(request, context)
    return render(request, "accounts/profile.html", context, status=status)


@login_required
@require_GET
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render_profile(request)


@login_required
@require_POST
def request_deployment_access(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = DeploymentAccessForm(request.POST)
    if form.is_valid():
        try:
            services.request_deployment_access(user=request.user, reason=form.cleaned_data["reason"])
        except services.AccountError as error:
            if error.field is None:
                messages.error(request, error.message)
                return redirect("profile")
            form.add_error(error.field, error.message)
        else:
            messages.success(request, _("Request sent. An operator will review it; the answer appears here."))
            return redirect("profile")
    return render_profile(request, access_form=form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def add_signing_key(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A page of its own, like an SSH key's on a code host: the profile lists the keys."""
    form = SigningKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key = services.add_signing_key(
                user=request.user, name=form.cleaned_data["name"], public_key=form.cleaned_data["public_key"]
            )
        except services.AccountError as error:
            form.add_error(error.field, error.message)
        else:
            added = _("Added the signing key “%(name)s” (%(key_id)s).") % {"name": key.name, "key_id": key.key_id}
            messages.success(request, added)
            return redirect(f"{reverse('profile')}#signing-keys")
    status = 400 if form.errors else 200
    return render(request, "accounts/add_signing_key.html", {"form": form, "nav_section": "profile"}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def remove_signing_key(request: AuthenticatedHttpRequest, key_id: int) -> HttpResponse:
    key = request.user.signing_keys.filter(pk=key_id, removed_at__isnull=True).first()
    if key is None:
        raise Http404("No such key.")
    if request.method == "POST":
        services.remove_signing_key(user=request.user, key_id=key.pk)
        removed = _("Removed the signing key “%(name)s”. Its reviews no longer count.") % {"name": key.name}
        messages.success(request, removed)
        return redirect(f"{reverse('profile')}#signing-keys")
    title = _("Remove signing key")
    return confirm_page(request, "accounts/_remove_key_form.html", title, key=key, nav_section="profile")


@login_required
@require_http_methods(["GET", "POST"])
def cli_login(request: AuthenticatedHttpRequest, code: str) -> HttpResponse:
    """Approve a `flwr login` from the browser."""
    try:
        if request.method == "POST":
            logins.approve_device_authorization(user_code=code, user=request.user)
            return render(request, "accounts/cli_login_done.html", {"nav_section": "profile"})
        authorization = logins.pending_authorization(code)
    except logins.LoginError as error:
        context = {"message": error.message, "nav_section": "profile"}
        return render(request, "accounts/cli_login_invalid.html", context, status=410)
    return render(request, "accounts/cli_login.html", {"authorization": authorization, "nav_section": "profile"})


@login_required
@require_POST
def revoke_cli_session(request: AuthenticatedHttpRequest, session_id: int) -> HttpResponse:
    try:
        logins.revoke_session(user=request.user, session_id=session_id)
    except logins.LoginError:
        raise Http404("No such CLI session.") from None
    messages.success(request, _("CLI session revoked. That flwr CLI must log in again."))
    return redirect("profile")
