"""CLI login: device authorizations, token issue, validation, refresh and revocation.

Tokens are random secrets handed to the `flwr` CLI once; the database keeps only their SHA-256.
The portal itself calls the SuperLink with short-lived signed tokens that are never stored, so
reading a page never writes to the database.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from supergrid.db import fetch_one

from .models import CliSession, DeviceAuthorization, User, token_hash

USER_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
USER_CODE = re.compile(r"[A-Z0-9]{4}-[A-Z0-9]{4}")
PORTAL_TOKEN_PREFIX = "portal:"
PORTAL_TOKEN_SALT = "supergrid.portal-token"


class LoginError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class IssuedTokens:
    access_token: str
    refresh_token: str
    session: CliSession


def new_user_code() -> str:
    raw = "".join(secrets.choice(USER_CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


@transaction.atomic
def start_device_authorization() -> tuple[DeviceAuthorization, str]:
    """A new pending login; returns it with the secret device code the CLI polls with.

    Anyone can ask (no account yet), so expired logins are swept here and the pending ones capped.
    """
    now = timezone.now()
    DeviceAuthorization.objects.filter(expires_at__lte=now).delete()
    if DeviceAuthorization.objects.filter(approved_at__isnull=True).count() >= settings.CLI_LOGIN_PENDING_LIMIT:
        raise LoginError(_("Too many `flwr login` requests are waiting to be approved. Try again in a few minutes."))
    device_code = secrets.token_urlsafe(32)
    authorization = DeviceAuthorization.objects.create(
        device_code_hash=token_hash(device_code),
        user_code=new_user_code(),
        expires_at=now + timedelta(seconds=settings.CLI_LOGIN_LIFETIME_SECONDS),
    )
    return authorization, device_code


def pending_authorization(user_code: str) -> DeviceAuthorization:
    """The login a person is about to approve; refuses unknown, expired and used codes."""
    user_code = (user_code or "").strip().upper()
    # Anything that cannot be a code (a NUL byte, which PostgreSQL refuses in text) is simply not valid.
    authorization = (
        DeviceAuthorization.objects.filter(user_code=user_code).first() if USER_CODE.fullmatch(user_code) else None
    )
    if authorization is None:
        raise LoginError(_("This login link is not valid. Run `flwr login` again to get a new one."))
    if authorization.consumed_at is not None or authorization.approved_at is not None:
        raise LoginError(_("This login was already authorized. Return to your terminal."))
    if authorization.is_expired():
        raise LoginError(_("This login link has expired. Run `flwr login` again to get a new one."))
    return authorization


@transaction.atomic
def approve_device_authorization(*, user_code: str, user: User) -> DeviceAuthorization:
    authorization = pending_authorization(user_code)
    authorization = DeviceAuthorization.objects.select_for_update().get(pk=authorization.pk)
    if authorization.approved_at is not None:
        raise LoginError(_("This login was already authorized. Return to your terminal."))
    authorization.approved_by = user
    authorization.approved_at = timezone.now()
    authorization.save(update_fields=["approved_by", "approved_at"])
    return authorization


def issue_session(user: User) -> IssuedTokens:
    now = timezone.now()
    access_token, refresh_token = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    session = CliSession.objects.create(
        user=user,
        access_token_hash=token_hash(access_token),
        refresh_token_hash=token_hash(refresh_token),
        access_expires_at=now + timedelta(seconds=settings.CLI_ACCESS_TOKEN_LIFETIME_SECONDS),
        refresh_expires_at=now + timedelta(seconds=settings.CLI_REFRESH_TOKEN_LIFETIME_SECONDS),
    )
    return IssuedTokens(access_token, refresh_token, session)


def portal_token(user: User) -> str:
    """A short-lived token, signed with SECRET_KEY, with which the portal calls the SuperLink as ``user``."""
    return PORTAL_TOKEN_PREFIX + signing.dumps(user.flwr_aid, salt=PORTAL_TOKEN_SALT)


def portal_token_account(token: str) -> tuple[str, str] | None:
    try:
        flwr_aid = signing.loads(
            token.removeprefix(PORTAL_TOKEN_PREFIX),
            salt=PORTAL_TOKEN_SALT,
            max_age=settings.PORTAL_TOKEN_LIFETIME_SECONDS,
        )
    except signing.BadSignature:
        return None
    row = fetch_one(ACTIVE_ACCOUNT_SQL, {"flwr_aid": flwr_aid})
    return (row["flwr_aid"], row["username"]) if row else None


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
        raise LoginError(_("Unknown login. Run `flwr login` again."))
    if authorization.consumed_at is not None:
        raise LoginError(_("This login was already used. Run `flwr login` again."))
    if authorization.approved_at is None:
        if authorization.is_expired():
            raise LoginError(_("The login was not authorized in time. Run `flwr login` again."))
        return None
    assert authorization.approved_by is not None  # set with approved_at (a check constraint)
    authorization.consumed_at = timezone.now()
    authorization.save(update_fields=["consumed_at"])
    return issue_session(authorization.approved_by)


def account_for_access_token(access_token: str) -> tuple[str, str] | None:
    """``(flwr_aid, username)`` of whoever holds this token: the portal's signed token, or a live CLI session.

    Asked on every Control API call, so it is one indexed statement, written out once (building it
    with the ORM costs more than running it). Nothing is cached: a revoked session fails its next call.
    """
    if access_token.startswith(PORTAL_TOKEN_PREFIX):
        return portal_token_account(access_token)
    if not access_token:
        return None
    now = timezone.now()
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "a_minute_ago": adapt(now - timedelta(minutes=1)),
        "token_hash": token_hash(access_token),
        "now": adapt(now),
    }
    row = fetch_one(LIVE_SESSION_SQL, params)
    if row is None:
        return None
    if row["unrecorded"]:  # "last used" is kept to the minute
        CliSession.objects.filter(pk=row["id"]).update(last_used_at=now)
    return row["flwr_aid"], row["username"]


# Table names from the models, values as parameters. An account by its unique flwr_aid.
ACTIVE_ACCOUNT_SQL = f"""
    SELECT flwr_aid, username FROM {User._meta.db_table} WHERE flwr_aid = %(flwr_aid)s AND is_active
"""  # noqa: S608
# A live CLI session by its access token's hash (a unique index), with its account.
LIVE_SESSION_SQL = f"""
    SELECT s.id, s.last_used_at IS NULL OR s.last_used_at < %(a_minute_ago)s AS unrecorded, u.flwr_aid, u.username
    FROM {CliSession._meta.db_table} s
    JOIN {User._meta.db_table} u ON u.id = s.user_id
    WHERE s.access_token_hash = %(token_hash)s AND s.revoked_at IS NULL AND s.access_expires_at > %(now)s
        AND u.is_active
"""  # noqa: S608


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
    session = CliSession.objects.select_for_update().filter(pk=session_id, user=user).first()
    if session is None:
        raise LoginError("No such CLI session.")
    if session.revoked_at is None:
        session.revoked_at = timezone.now()
        session.save(update_fields=["revoked_at"])
    return session


def active_cli_sessions(user: User):
    now = timezone.now()
    return CliSession.objects.filter(user=user, revoked_at__isnull=True, refresh_expires_at__gt=now)
