"""Single sign-on through the members' institutions (OpenID Connect; docs/sso.md): what stock allauth
leaves to a 500 — a provider that is down or whose discovery document is broken — answered with a page
that names the provider and says password sign-in still works."""

from django.conf import settings
from django.shortcuts import render
from requests import RequestException

PROVIDER_VIEWS = {"openid_connect_login", "openid_connect_callback"}


def provider_name(provider_id: str) -> str:
    return next((p["name"] for p in settings.OIDC_PROVIDERS if p["id"] == provider_id), provider_id)


class ProviderTroubleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        match = getattr(request, "resolver_match", None)
        if match is None or match.url_name not in PROVIDER_VIEWS:
            return None
        # Down, refusing, or answering with something that is not its discovery document.
        if not isinstance(exception, RequestException | ValueError | KeyError | TypeError):
            return None
        context = {"provider_name": provider_name(match.kwargs.get("provider_id", "")), "password_sign_in": True}
        return render(request, "socialaccount/provider_unavailable.html", context, status=502)
