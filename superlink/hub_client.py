"""The SuperLink's side of `flwr run @owner/app`: fetching a FAB from the portal's Hub as the launcher.

Stock flwr 1.42's ``_get_remote_fab`` asks ``<FLWR_SUPERGRID_API_URL>/hub/fetch-fab`` without saying who
launched the run, so a Hub could only ever serve public apps. The seam replaces it with ``fetch_fab``,
which sends the same body plus the launching account, signed with the portal's secret key (the
SuperLink runs with the portal's settings): the Hub then serves a private app to the members of the
federations that use it. The launcher is known for the duration of one StartRun (``launching``).
"""

import contextvars
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from django.core import signing
from django.utils.translation import gettext as _
from flwr.supercore.error import ApiErrorCode, FlowerError
from flwr.supercore.utils import parse_app_spec
from flwr.supercore.version import package_version

LAUNCHER_HEADER = "X-SuperGrid-Launcher"
LAUNCHER_SALT = "supergrid.hub.launcher"
LAUNCHER_MAX_AGE = 120  # seconds: the SuperLink asks at once
FETCH_TIMEOUT = 60

current_launcher: contextvars.ContextVar[str] = contextvars.ContextVar("hub_launcher", default="")


def launcher_token(flwr_aid: str) -> str:
    return signing.dumps(flwr_aid, salt=LAUNCHER_SALT)


def launcher_of(token: str) -> str | None:
    """The Flower account id a token was made for, or None (missing, forged or too old)."""
    if not token:
        return None
    try:
        return str(signing.loads(token, salt=LAUNCHER_SALT, max_age=LAUNCHER_MAX_AGE))
    except signing.BadSignature:
        return None


@contextmanager
def launching(flwr_aid: str) -> Iterator[None]:
    token = current_launcher.set(flwr_aid)
    try:
        yield
    finally:
        current_launcher.reset(token)


def refused(code: ApiErrorCode, message: str) -> FlowerError:
    return FlowerError(code, message, public_details=message)


def fetch_fab(api_url: str, app_spec: str) -> tuple[bytes, dict[str, str], str | None]:
    """What stock ``_get_remote_fab`` answers (FAB, verifications, note), fetched as the current launcher.
    The Hub's refusal (``{"detail": …}``) reaches the CLI in its own words."""
    try:
        app_id, app_version = parse_app_spec(app_spec)
    except ValueError:
        raise refused(ApiErrorCode.INVALID_APP_SPEC, f"Invalid app specification: {app_spec}") from None
    headers = {"Accept": "application/json"}
    if launcher := current_launcher.get():
        headers[LAUNCHER_HEADER] = launcher_token(launcher)
    body = {"app_id": app_id, "app_version": app_version, "flwr_version": package_version}
    url = f"{api_url}/hub/fetch-fab"
    try:
        answer = requests.post(url, json=body, headers=headers, timeout=FETCH_TIMEOUT)
        data = answer.json() if answer.headers.get("Content-Type", "").startswith("application/json") else {}
    except (requests.RequestException, ValueError) as error:
        message = _("The Hub at %(url)s did not answer: %(error)s") % {"url": url, "error": error}
        raise refused(ApiErrorCode.FAB_DOWNLOAD_LINK_FAILURE, message) from None
    if not answer.ok or "fab_url" not in data:
        detail = data.get("detail") if isinstance(data, dict) else None
        if isinstance(detail, dict):  # an unknown version: the Hub names those there are
            versions = ", ".join(detail.get("available_app_versions") or [])
            words = {"message": detail.get("message", app_spec), "versions": versions}
            if versions:
                detail = _("%(message)s Versions published: %(versions)s.") % words
            else:
                detail = _("%(message)s Versions published: none.") % words
        message = str(detail or _("The Hub refused %(app)s.") % {"app": app_spec})
        raise refused(ApiErrorCode.FAB_DOWNLOAD_LINK_FAILURE, message)
    try:
        download = requests.get(data["fab_url"], timeout=FETCH_TIMEOUT)
        download.raise_for_status()
    except requests.RequestException as error:
        message = _("Downloading %(app)s failed: %(error)s") % {"app": app_spec, "error": error}
        raise refused(ApiErrorCode.FAB_DOWNLOAD_FAILURE, message) from None
    # As stock Flower formats them (``_format_verification``) for the SuperNodes that check signatures.
    if data.get("verifications") is None:
        verifications = {"valid_license": ""}
    else:
        verifications = {
            item["public_key_id"]: json.dumps({k: v for k, v in item.items() if k != "public_key_id"})
            for item in data["verifications"]
        }
        verifications["valid_license"] = "Valid"
    return download.content, verifications, data.get("note")


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest() if content else ""
