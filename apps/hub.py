"""The Hub API that stock flwr 1.42 calls at ``FLWR_SUPERGRID_API_URL`` (here ``<PORTAL_URL>/api/hub/v1``).

- ``POST hub/fetch-fab`` (the SuperLink, for `flwr run @owner/app`; no token): a short-lived signed
  ``fab_url`` for the version asked (the latest when none), or 404 ``{"detail": {"available_app_versions"}}``.
  Public apps only, unless this portal's SuperLink names the launcher (``superlink.hub_client``): then the
  private apps that account may see too.
- ``GET hub/fab/<token>`` and ``GET hub/zip/<token>``: the FAB, or the app's folder zipped for `flwr new`.
- ``POST hub/fetch-zip`` (`flwr new @owner/app`; no token): a signed ``zip_url`` (public apps only).
- ``GET hub/apps`` (`flwr new` without an app): ``{"apps": [{"app_id", …}]}`` (public apps only).
- ``POST hub/apps/publish`` (`flwr app publish`; ``Authorization: Bearer`` the `flwr login` access token):
  the app's files, multipart, one ``files`` part each, named by their path in the app.

Errors are JSON ``{"detail": …}`` as Flower's Hub answers them; none is a 500.
"""

import json
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParser, MultiPartParserError
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts import cli_login
from accounts.languages import override_for
from accounts.models import User
from supergrid.links import absolute_url
from supergrid.middleware import limits_own_body
from superlink.fab import FAB_MAX_BYTES
from superlink.hub_client import LAUNCHER_HEADER, launcher_of

from . import services
from .models import App, AppVersion

LINK_SALT = "apps.hub.link"
LINK_SECONDS = 300  # a fab_url or zip_url is fetched at once, by the SuperLink or `flwr new`
MAX_JSON_BYTES = 4096
FIELDS = {"app_id", "app_version", "flwr_version"}


def detail(message: Any, status: int) -> JsonResponse:
    return JsonResponse({"detail": message}, status=status)


def in_language_of(account: User | None) -> AbstractContextManager:
    """The account's words when the API knows who asks (the request's, else English, when it does not)."""
    return override_for(account) if account is not None else nullcontext()


def read_request(request: HttpRequest) -> tuple[str, str | None]:
    """The app id and version asked for, or ValueError saying what is wrong with the body."""
    if len(request.body) > MAX_JSON_BYTES:
        raise ValueError(_("The request body is too large."))
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError(_("The request body is not JSON.")) from None
    if not isinstance(body, dict):
        raise ValueError(_("The request body must be a JSON object."))
    unknown = set(body) - FIELDS
    if unknown:
        raise ValueError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    app_id, version = body.get("app_id"), body.get("app_version")
    if not isinstance(app_id, str) or not (version is None or isinstance(version, str)):
        raise ValueError(_("app_id must be text, and app_version text or null."))
    return app_id, version or None


def signed_link(view: str, version: AppVersion) -> str:
    token = signing.dumps({"v": version.pk, "app": version.app_id}, salt=f"{LINK_SALT}.{view}", compress=True)
    return absolute_url(view, token=token)


def linked_version(view: str, token: str) -> AppVersion | None:
    try:
        data = signing.loads(token, salt=f"{LINK_SALT}.{view}", max_age=LINK_SECONDS)
    except signing.BadSignature:
        return None
    version = AppVersion.objects.select_related("app__owner").filter(pk=data.get("v"), hidden=False).first()
    return version if version is not None and version.app_id == data.get("app") else None


def launcher(request: HttpRequest) -> User | None:
    """The account a SuperLink of this portal fetches for (``hub_client``), or None: public apps only."""
    flwr_aid = launcher_of(request.headers.get(LAUNCHER_HEADER, ""))
    return User.objects.filter(flwr_aid=flwr_aid, is_active=True).first() if flwr_aid else None


def fetch(request: HttpRequest, view: str, key: str, viewer: User | None = None) -> JsonResponse:
    try:
        with in_language_of(viewer):  # a SuperLink fetching for a launcher: the refusal reaches their flwr
            app_id, version = read_request(request)
            found = services.find_version(app_id, version, viewer)
    except ValueError as error:
        return detail(str(error), 400)
    except services.AppNotFound as error:
        if error.available is not None:
            return detail({"message": error.message, "available_app_versions": error.available}, 404)
        return detail(error.message, 404)
    answer: dict[str, Any] = {key: signed_link(view, found)}
    if key == "fab_url":  # the reviews that count, which SuperNodes with --trusted-entities check
        answer["verifications"] = services.verifications(found)
    return JsonResponse(answer)


@csrf_exempt
@require_POST
def fetch_fab(request: HttpRequest) -> JsonResponse:
    return fetch(request, "hub:fab", "fab_url", launcher(request))


@csrf_exempt
@require_POST
def fetch_zip(request: HttpRequest) -> JsonResponse:
    return fetch(request, "hub:zip", "zip_url")


@require_GET
def fab(request: HttpRequest, token: str) -> HttpResponse:
    version = linked_version("hub:fab", token)
    if version is None:
        return detail(_("This download link has expired or is not valid."), 404)
    response = HttpResponse(services.fab_bytes(version), content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{version.app.name}-{version.version}.fab"'
    return response


@require_GET
def source(request: HttpRequest, token: str) -> HttpResponse:
    version = linked_version("hub:zip", token)
    if version is None:
        return detail(_("This download link has expired or is not valid."), 404)
    zipped = services.source_zip(version)
    response = HttpResponse(zipped.content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{zipped.name}"'
    return response


@require_GET
def apps(request: HttpRequest) -> JsonResponse:
    """Every public app with a visible version, newest first (`flwr new` offers them to choose from)."""
    listed = App.objects.visible_to(None).filter(versions__hidden=False).distinct().select_related("owner")
    listed = listed.order_by("-created_at")
    return JsonResponse({"apps": [{"app_id": app.handle, "description": app.description} for app in listed[:100]]})


def account_of(request: HttpRequest) -> User | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    found = cli_login.account_for_access_token(header.removeprefix("Bearer ").strip())
    if found is None:
        return None
    flwr_aid, _ = found
    return User.objects.filter(flwr_aid=flwr_aid, is_active=True).first()


class PathKeepingParser(MultiPartParser):
    """Django's parser, keeping each file's path in the app (``quickstart_numpy/task.py``), which Django cuts
    to its last part: each file is named by its place in ``paths`` on the way through. ``services.safe_path``
    refuses what could leave the app's folder."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.paths: list[str] = []

    def sanitize_file_name(self, file_name: str) -> str | None:
        self.paths.append("".join(char for char in file_name if char.isprintable()))
        return f"{len(self.paths) - 1}.part"


def uploaded_files(request: HttpRequest) -> list[tuple[str, bytes]]:
    parser = PathKeepingParser(request.META, request, request.upload_handlers, request.encoding)
    _, files = parser.parse()
    return [(parser.paths[int((upload.name or "").split(".")[0])], upload.read()) for upload in files.getlist("files")]


# `flwr app publish` sends files up to a FAB's size; the multipart framing adds a little per file.
PUBLISH_MAX_BYTES = FAB_MAX_BYTES + services.MAX_FILES * 512


@csrf_exempt
@limits_own_body  # larger than the portal's form limit, and refused in JSON, which flwr prints
@require_POST
def publish(request: HttpRequest) -> JsonResponse:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > PUBLISH_MAX_BYTES:
        limit = f"{FAB_MAX_BYTES / 1_000_000:.1f} MB"
        return detail(
            _("An app's files may be at most %(limit)s in all (they are built into one FAB).") % {"limit": limit}, 413
        )
    account = account_of(request)
    if account is None:
        return detail(_("Not signed in: run `flwr login` against this SuperGrid first."), 401)
    with in_language_of(account):  # what `flwr app publish` prints, in the account's language
        return publish_as(request, account)


def publish_as(request: HttpRequest, account: User) -> JsonResponse:
    if request.content_type != "multipart/form-data":
        return detail(_("Send the app's files as multipart/form-data, one 'files' part each."), 400)
    try:
        files = uploaded_files(request)
    except MultiPartParserError as error:
        return detail(_("The upload could not be read: %(error)s") % {"error": error}, 400)
    try:
        version = services.publish_files(account=account, files=files)
    except services.HubError as error:
        return detail(error.message, 400)
    url = absolute_url("hub:app", owner=account.username, name=version.app.name)
    return JsonResponse({"app_id": version.app.handle, "app_version": version.version, "url": url}, status=201)


REVIEW_FIELDS = {"app_id", "app_version", "signature_b64", "signed_at", "flwr_version"}


@csrf_exempt
@require_POST
def signature(request: HttpRequest) -> JsonResponse:
    """`flwr app review`: the signature of a version's FAB by one of the caller's signing keys."""
    account = account_of(request)
    if account is None:
        return detail(_("Not signed in: run `flwr login` against this SuperGrid first."), 401)
    with in_language_of(account):  # what `flwr app review` prints, in the account's language
        return review_as(request, account)


def review_as(request: HttpRequest, account: User) -> JsonResponse:
    if len(request.body) > MAX_JSON_BYTES:
        return detail(_("The request body is too large."), 413)
    try:
        body = json.loads(request.body or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return detail(_("The request body is not JSON."), 400)
    if not isinstance(body, dict) or set(body) - REVIEW_FIELDS:
        return detail(_("Send a JSON object with: %(fields)s.") % {"fields": ", ".join(sorted(REVIEW_FIELDS))}, 400)
    app_id, version, signature_b64, signed_at = (
        body.get("app_id"),
        body.get("app_version"),
        body.get("signature_b64"),
        body.get("signed_at"),
    )
    if not (isinstance(app_id, str) and isinstance(version, str) and isinstance(signature_b64, str)):
        return detail(_("app_id, app_version and signature_b64 must be text."), 400)
    if not isinstance(signed_at, int) or isinstance(signed_at, bool):
        return detail(_("signed_at must be a whole number of seconds."), 400)
    try:
        review = services.review_version(
            reviewer=account, app_id=app_id, version=version, signature_b64=signature_b64[:200], signed_at=signed_at
        )
    except services.AppNotFound as error:
        return detail(error.message, 404)
    except services.HubError as error:
        return detail(error.message, 400)
    return JsonResponse(
        {"app_id": review.version.app.handle, "app_version": review.version.version, "key": review.key.key_id},
        status=201,
    )
