"""The portal's client for the SuperLink's Control API, acting as the signed-in user.

Data the SuperLink owns (nodes, runs, logs, FABs) is read and changed only here, over the same
protobuf-over-HTTPS API the `flwr` CLI uses, with a short-lived token issued through the portal's own
login plugin. When the SuperLink is down, callers get ``SuperLinkUnavailable`` and say so on the page.
"""

import json
from pathlib import Path
from typing import TypeVar

import httpx
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from google.protobuf.message import Message

from accounts.models import User

from . import services
from .models import CliSession

ResponseT = TypeVar("ResponseT", bound=Message)
TIMEOUT_SECONDS = 5.0


class SuperLinkUnavailable(Exception):
    message = "SuperLink unreachable: runs and SuperNodes cannot be shown right now. Everything else works."


class ControlError(Exception):
    """The SuperLink refused the request; ``message`` is what it said."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


def ca_certfile() -> Path | None:
    if settings.SUPERLINK_SSL_CA_CERTFILE:
        return Path(settings.SUPERLINK_SSL_CA_CERTFILE)
    if settings.SUPERLINK_SSL_CERTFILE:
        return None  # a certificate from a public authority: the system's trust store verifies it
    return settings.SUPERLINK_TLS_DIR / "ca.pem"


def portal_token(user: User) -> str:
    """A token for this user, reused while it has a minute left; expired portal sessions are swept."""
    key = f"superlink-portal-token:{user.pk}"
    token = cache.get(key)
    if token is None:
        CliSession.objects.filter(kind=CliSession.Kind.PORTAL, access_expires_at__lt=timezone.now()).delete()
        token = services.issue_session(user, kind=CliSession.Kind.PORTAL).access_token
        cache.set(key, token, timeout=max(settings.PORTAL_TOKEN_LIFETIME_SECONDS - 60, 1))
    return token


def error_message(response: httpx.Response) -> ControlError:
    try:
        payload = response.json()
    except (json.JSONDecodeError, ValueError):
        return ControlError(f"The SuperLink answered {response.status_code}.")
    detail = str(payload.get("detail", "")).strip()
    extra = str(payload.get("extra", "")).strip()
    return ControlError(" ".join(part for part in (detail, extra) if part), payload.get("code"))


def call[ResponseT: Message](user: User, endpoint: str, request: Message, response_type: type[ResponseT]) -> ResponseT:
    """POST one Control API request as ``user`` and parse the protobuf answer."""
    ca = ca_certfile()
    if ca is not None and not ca.exists():
        raise SuperLinkUnavailable()
    try:
        response = httpx.post(
            f"https://{settings.SUPERLINK_ADDRESS}/v1/control/{endpoint}",
            content=request.SerializeToString(),
            headers={"Content-Type": "application/protobuf", "Authorization": f"Bearer {portal_token(user)}"},
            verify=str(ca) if ca is not None else True,
            timeout=httpx.Timeout(TIMEOUT_SECONDS),
        )
    except httpx.TransportError as error:
        raise SuperLinkUnavailable() from error
    if response.status_code != 200:
        raise error_message(response)
    message = response_type()
    message.ParseFromString(response.content)
    return message


def show_federation(user: User, handle: str):
    """The federation as the SuperLink sees it: nodes with status and all its runs."""
    from flwr.proto.control_pb2 import ShowFederationRequest, ShowFederationResponse

    return call(
        user, "show-federation", ShowFederationRequest(federation_name=handle), ShowFederationResponse
    ).federation
