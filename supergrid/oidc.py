"""OIDC_PROVIDERS (single sign-on, docs/sso.md) read for the settings: standard library only."""

import json
import re
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def providers(value: str) -> list[dict[str, str]]:
    """OIDC_PROVIDERS, checked: a typo refuses to start rather than hiding a sign-in button."""
    if not value.strip():
        return []
    try:
        providers = json.loads(value)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"OIDC_PROVIDERS is not JSON: {error}") from None
    if not isinstance(providers, list):
        raise ImproperlyConfigured("OIDC_PROVIDERS must be a JSON list of providers.")
    for provider in providers:
        missing = [key for key in ("id", "name", "issuer", "client_id", "client_secret") if not provider.get(key)]
        if missing:
            raise ImproperlyConfigured(f"OIDC_PROVIDERS: a provider lacks {', '.join(missing)}.")
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,39}", provider["id"]):
            raise ImproperlyConfigured(
                f"OIDC_PROVIDERS: id {provider['id']!r} must be lowercase letters, digits, dashes."
            )
        if urlsplit(provider["issuer"]).scheme not in ("https", "http"):
            raise ImproperlyConfigured(f"OIDC_PROVIDERS: issuer {provider['issuer']!r} must be an https:// URL.")
    return providers


def socialaccount_providers(providers: list[dict[str, str]]) -> dict:
    """allauth's SOCIALACCOUNT_PROVIDERS for these providers (PKCE on)."""
    return {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": provider["id"],
                    "name": provider["name"],
                    "client_id": provider["client_id"],
                    "secret": provider["client_secret"],
                    "settings": {"server_url": provider["issuer"]},
                }
                for provider in providers
            ],
        }
    }


def origins(providers: list[dict[str, str]]) -> list[str]:
    """Where a sign-in's form may send the browser on (CSP form-action): the providers' origins."""
    return sorted({origin(provider["issuer"]) for provider in providers})
