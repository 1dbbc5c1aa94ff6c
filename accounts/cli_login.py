"""CLI login: device authorizations, token issue, validation, refresh and revocation.

Tokens are random secrets handed to the `flwr` CLI once; the database keeps only their SHA-256.
"""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import CliSession, DeviceAuthorization, User, token_hash

USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class LoginError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str | None
    session: CliSession


def new_user_code() -> str:
    raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def start_device_authorization() -> tuple[DeviceAuthorization, str]:
    """A new pending login; returns it with the secret device code the CLI polls with."""
    device_code = secrets.token_urlsafe(32)
    authorization = DeviceAuthorization.objects.create(
        device_code_hash=token_hash(device_code),
        user_code=new_user_code(),
        expires_at=timezone.now() + timedelta(seconds=settings.CLI_LOGIN_LIFETIME_SECONDS),
    )
    return authorization, device_code


def pending_authorization(user_code: str) -> DeviceAuthorization:
    """The login a person is about to approve; refuses unknown, expired and used codes."""
    authorization = DeviceAuthorization.objects.filter(user_code=(user_code or "").strip().upper()).first()
    if authorization is None:
        raise LoginError("This login link is not valid. Run `flwr login` again to get a new one.")
    if authorization.consumed_at is not None or authorization.approved_at is not None:
        raise LoginError("This login was already authorized. Return to your terminal.")
    if authorization.is_expired():
        raise LoginError("This login link has expired. Run `flwr login` again to get a new one.")
    return authorization


@transaction.atomic
def approve_device_authorization(*, user_code: str, user: User) -> DeviceAuthorization:
    authorization = pending_authorization(user_code)
    authorization = DeviceAuthorization.objects.select_for_update().get(pk=authorization.pk)
    if authorization.approved_at is not None:
        raise LoginError("This login was already authorized. Return to your terminal.")
    authorization.approved_by = user
    authorization.approved_at = timezone.now()
    authorization.save(update_fields=["approved_by", "approved_at"])
    return authorization


def issue_session(user: User, kind: str = CliSession.Kind.CLI) -> IssuedTokens:
    now = timezone.now()
    access_token = secrets.token_urlsafe(32)
    if kind == CliSession.Kind.CLI:
        refresh_token = secrets.token_urlsafe(32)
        access_lifetime = settings.CLI_ACCESS_TOKEN_LIFETIME_SECONDS
        refresh_expires_at = now + timedelta(seconds=settings.CLI_REFRESH_TOKEN_LIFETIME_SECONDS)
    else:
        refresh_token = None
        access_lifetime = settings.PORTAL_TOKEN_LIFETIME_SECONDS
        refresh_expires_at = None
    session = CliSession.objects.create(
        user=user,
        kind=kind,
        access_token_hash=token_hash(access_token),
        refresh_token_hash=token_hash(refresh_token) if refresh_token else None,
        access_expires_at=now + timedelta(seconds=access_lifetime),
        refresh_expires_at=refresh_expires_at,
    )
    return IssuedTokens(access_token, refresh_token, session)


@transaction.atomic
def exchange_device_code(device_code: str) -> IssuedTokens | None:
    """Tokens for an approved login (once); None while the person has not approved it yet."""
    authorization = (
        DeviceAuthorization.objects.select_for_update(of=("self",))
        .select_related("approved_by")
        .filter(device_code_hash=token_hash(device_code or ""))
        .first()
    )
    if authorization is None:
        raise LoginError("Unknown login. Run `flwr login` again.")
    if authorization.consumed_at is not None:
        raise LoginError("This login was already used. Run `flwr login` again.")
    if authorization.approved_at is None:
        if authorization.is_expired():
            raise LoginError("The login was not authorized in time. Run `flwr login` again.")
        return None
    authorization.consumed_at = timezone.now()
    authorization.save(update_fields=["consumed_at"])
    return issue_session(authorization.approved_by)


def session_for_access_token(access_token: str) -> CliSession | None:
    """The live session behind an access token, or None (unknown, expired, revoked, inactive user)."""
    if not access_token:
        return None
    now = timezone.now()
    session = (
        CliSession.objects.select_related("user")
        .filter(access_token_hash=token_hash(access_token), revoked_at__isnull=True, access_expires_at__gt=now)
        .first()
    )
    if session is None or not session.user.is_active:
        return None
    if session.last_used_at is None or now - session.last_used_at > timedelta(minutes=1):
        CliSession.objects.filter(pk=session.pk).update(last_used_at=now)
    return session


@transaction.atomic
def refresh_session(refresh_token: str) -> IssuedTokens | None:
    """Rotate both tokens of a live CLI session; None when the refresh token is not good."""
    if not refresh_token:
        return None
    now = timezone.now()
    session = (
        CliSession.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(refresh_token_hash=token_hash(refresh_token), revoked_at__isnull=True, refresh_expires_at__gt=now)
        .first()
    )
    if session is None or not session.user.is_active:
        return None
    access_token, new_refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session.access_token_hash = token_hash(access_token)
    session.refresh_token_hash = token_hash(new_refresh)
    session.access_expires_at = now + timedelta(seconds=settings.CLI_ACCESS_TOKEN_LIFETIME_SECONDS)
    session.last_used_at = now
    session.save(update_fields=["access_token_hash", "refresh_token_hash", "access_expires_at", "last_used_at"])
    return IssuedTokens(access_token, new_refresh, session)


@transaction.atomic
def revoke_session(*, user: User, session_id: int) -> CliSession:
    session = CliSession.objects.select_for_update().filter(pk=session_id, user=user, kind=CliSession.Kind.CLI).first()
    if session is None:
        raise LoginError("No such CLI session.")
    if session.revoked_at is None:
        session.revoked_at = timezone.now()
        session.save(update_fields=["revoked_at"])
    return session


def active_cli_sessions(user: User):
    now = timezone.now()
    return CliSession.objects.filter(
        user=user, kind=CliSession.Kind.CLI, revoked_at__isnull=True, refresh_expires_at__gt=now
    )
