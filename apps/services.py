"""Publishing and finding apps of the private Hub. The Hub API, the admin and (later) the app pages call these.

An app's namespace is its publisher's account: `flwr app publish` sends only files and the account's
token. Stock flwr 1.42 refuses to run a Hub FAB whose ``[tool.flwr.app] publisher`` differs from the
account in ``@account/app``, so the Hub stamps the publishing account's username into the
``pyproject.toml`` it builds the FAB from (docs/hub.md).
"""

import hashlib
import io
import re
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import User, ascii_iexact
from accounts.signing_keys import verifies
from federations import services as federation_services
from federations.models import Activity, Federation
from federations.rules import Action, Code, FederationError, NotAllowed
from superlink.control_client import build_fab
from superlink.fab import FAB_MAX_BYTES, InvalidFab, inspect_fab

from .models import APP_NAME_REGEX, App, AppVersion, FederationApp, Review

MAX_FILES = 1000  # in one publish
VERSION_REGEX = re.compile(r"^\d+\.\d+\.\d+$")  # what `flwr run @o/a==x.y.z` accepts
APP_ID = re.compile(r"^@(?P<owner>[A-Za-z0-9][A-Za-z0-9_-]*)/(?P<name>[A-Za-z][A-Za-z0-9_-]*)$")


class HubError(FederationError):
    """A refused publish or fetch, said to the CLI (as ``{"detail": …}``) and on the page."""


class AppNotFound(HubError):
    def __init__(self, message: str, available: list[str] | None = None):
        super().__init__(message, code=Code.APP_NOT_FOUND)
        self.available = available


def safe_path(name: str) -> PurePosixPath:
    """A file's path inside the app, or a refusal: relative, no `..`, no backslashes or drive letters."""
    path = PurePosixPath(name)
    if not name or "\\" in name or "\x00" in name or path.is_absolute() or ".." in path.parts or ":" in name:
        raise HubError(
            _("Refused the file name %(name)s: use paths inside the app's folder.") % {"name": repr(name[:80])}
        )
    return path


def stamp_publisher(pyproject: str, username: str) -> str:
    """The pyproject.toml with ``publisher`` under ``[tool.flwr.app]`` set to ``username``."""
    header = re.search(r"^\[tool\.flwr\.app\]\s*$", pyproject, flags=re.MULTILINE)
    if header is None:
        raise HubError(_("This app's pyproject.toml has no [tool.flwr.app] section, so it is not a Flower app."))
    end = re.search(r"^\[", pyproject[header.end() :], flags=re.MULTILINE)
    section_end = header.end() + (end.start() if end else len(pyproject[header.end() :]))
    section = pyproject[header.end() : section_end]
    line = f'publisher = "{username}"'
    if re.search(r"^publisher\s*=.*$", section, flags=re.MULTILINE):
        section = re.sub(r"^publisher\s*=.*$", line, section, count=1, flags=re.MULTILINE)
    else:
        section = "\n" + line + section
    return pyproject[: header.end()] + section + pyproject[section_end:]


def publish_files(*, account: User, files: list[tuple[str, bytes]], private: bool = False) -> AppVersion:
    """`flwr app publish`: the app's source files, built into a FAB stamped with the account as publisher."""
    if not files:
        raise HubError(_("Nothing to publish: no files were sent."))
    if len(files) > MAX_FILES:
        raise HubError(
            _("Too many files: %(count)s; an app may have at most %(most)s.") % {"count": len(files), "most": MAX_FILES}
        )
    if sum(len(content) for _, content in files) > FAB_MAX_BYTES:
        raise HubError(
            _("These files are larger than the %(megabytes)s MB a FAB may be.")
            % {"megabytes": FAB_MAX_BYTES // 1_000_000}
        )
    paths = {safe_path(name): content for name, content in files}
    if PurePosixPath("pyproject.toml") not in paths:
        raise HubError(_("Nothing to publish: the files have no pyproject.toml at the app's top level."))
    try:
        pyproject = paths[PurePosixPath("pyproject.toml")].decode()
    except UnicodeDecodeError:
        raise HubError(_("This app's pyproject.toml is not UTF-8 text.")) from None
    paths[PurePosixPath("pyproject.toml")] = stamp_publisher(pyproject, account.username).encode()
    with tempfile.TemporaryDirectory(prefix="supergrid-publish-") as tmp:
        root = Path(tmp) / "app"
        for path, content in paths.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        try:
            fab = build_fab(root)
        except Exception as error:  # flwr's builder refuses with its own exceptions (a missing component…)
            raise HubError(_("Could not build a FAB from these files: %(error)s") % {"error": error}) from None
    return publish_fab(account=account, fab=fab, private=private)


def publish_upload(*, account: User, fab: bytes, private: bool = False) -> AppVersion:
    """A FAB uploaded on the web: checked like a launch's, then published from its files like
    `flwr app publish` (so its publisher is stamped too)."""
    try:
        inspect_fab(fab)  # size, entries, unsafe paths, a readable pyproject.toml: before unpacking
    except InvalidFab as error:
        raise HubError(str(error)) from None
    with zipfile.ZipFile(io.BytesIO(fab)) as archive:
        files = [
            (entry.filename, archive.read(entry))
            for entry in archive.infolist()
            if not entry.is_dir() and not entry.filename.startswith(".info/")
        ]
    return publish_files(account=account, files=files, private=private)


def publish_fab(*, account: User, fab: bytes, private: bool = False) -> AppVersion:
    """A FAB as a new version of ``@<account>/<its project name>``; versions never change. ``private`` is
    the visibility of a new app; an app published before keeps its own."""
    try:
        info = inspect_fab(fab)
    except InvalidFab as error:
        raise HubError(str(error)) from None
    if info.publisher.lower() != account.username.lower():
        raise HubError(
            _(
                "This FAB's publisher is “%(publisher)s”; apps you publish are yours: set "
                'publisher = "%(username)s" under [tool.flwr.app] in pyproject.toml and build it again.'
            )
            % {"publisher": info.publisher, "username": account.username}
        )
    if not re.match(APP_NAME_REGEX, info.name):
        raise HubError(
            _("“%(name)s” is not a Flower app name (letters, digits, - and _, a letter first).") % {"name": info.name}
        )
    if not VERSION_REGEX.match(info.version):
        raise HubError(
            _("“%(version)s” is not a version Flower can ask for: use MAJOR.MINOR.PATCH, e.g. 1.0.0.")
            % {"version": info.version}
        )
    readme = read_readme(fab)
    digest = hashlib.sha256(fab).hexdigest()
    name = f"fabs/{digest}.fab"
    storage = storages["hub"]
    if not storage.exists(name):
        storage.save(name, ContentFile(fab))
    try:
        with transaction.atomic():
            app = App.objects.filter(ascii_iexact("name", info.name), owner=account).first()
            if app is None:
                app = App.objects.create(
                    owner=account, name=info.name, description=info.description[:2000], private=private
                )
            if info.description and app.description != info.description:
                app.description = info.description[:2000]
                app.save(update_fields=["description"])
            version = AppVersion.objects.create(
                app=app,
                version=info.version,
                fab_file=name,
                sha256=digest,
                size=len(fab),
                run_config=info.run_config,
                readme=readme,
                published_by=account,
            )
            App.objects.filter(pk=app.pk).update(updated_at=version.published_at)
            # The federations that use the app hear of its new version on their Activity tab.
            for federation in Federation.objects.filter(hub_apps__app=app, archived_at__isnull=True):
                federation_services.record(federation, account, Activity.Verb.APP_PUBLISHED, str(version))
            return version
    except IntegrityError:
        raise HubError(
            _(
                "%(version)s is already published, and versions never change: "
                "raise the version in pyproject.toml and publish again."
            )
            % {"version": f"@{account.username}/{info.name}=={info.version}"}
        ) from None


README_MAX_BYTES = 100_000


def read_readme(fab: bytes) -> str:
    """The FAB's top-level README.md (any case), as text, at most README_MAX_BYTES; empty without one."""
    with zipfile.ZipFile(io.BytesIO(fab)) as archive:
        for entry in archive.infolist():
            if entry.filename.lower() == "readme.md" and not entry.is_dir():
                with archive.open(entry) as readme:
                    return readme.read(README_MAX_BYTES).decode("utf-8", "replace")
    return ""


def find_app(owner: str, name: str, viewer: User | None = None) -> App | None:
    """``@owner/name``, case ignored as for federations (ASCII only); private apps only for those who may
    see them (public apps only without a ``viewer``)."""
    found = App.objects.visible_to(viewer).filter(ascii_iexact("owner__username", owner), ascii_iexact("name", name))
    return found.select_related("owner").first()


def find_app_by_id(app_id: str, viewer: User | None = None) -> App | None:
    """``@owner/name`` as typed (None when it is no app id, or no app this viewer may see)."""
    match = APP_ID.match(app_id or "")
    return find_app(match["owner"], match["name"], viewer) if match else None


def find_used_app(federation: Federation, app_id: str) -> App:
    """One of the federation's apps by id (a private app it uses included), or AppNotFound."""
    match = APP_ID.match(app_id or "")
    link = (
        FederationApp.objects.filter(
            federation_id=federation.pk,
            app__in=App.objects.filter(
                ascii_iexact("owner__username", match["owner"]), ascii_iexact("name", match["name"])
            ),
        )
        .select_related("app__owner")
        .first()
        if match
        else None
    )
    if link is None:
        raise AppNotFound(
            _("%(app)s is not one of %(federation)s's apps.") % {"app": app_id, "federation": federation.handle}
        )
    return link.app


def find_version(app_id: str, version: str | None, viewer: User | None = None) -> AppVersion:
    """``@owner/name`` at ``version`` (the latest when None), or ``AppNotFound`` naming the versions there are.

    A private app is found only for a ``viewer`` who may see it; to anyone else it does not exist."""
    if APP_ID.match(app_id or "") is None:
        raise AppNotFound(_("%(app)s is not an app id (@account/app).") % {"app": repr(app_id)})
    app = find_app_by_id(app_id, viewer)
    if app is None:
        raise AppNotFound(_("No app %(app)s on this SuperGrid's Hub.") % {"app": app_id})
    versions = app.versions.filter(hidden=False)
    found = versions.filter(version=version).first() if version else versions.order_by("-published_at").first()
    if found is None:
        available = sorted(versions.values_list("version", flat=True))
        raise AppNotFound(
            _("%(version)s is not published.") % {"version": f"{app.handle}=={version}"}, available=available
        )
    return found


def fab_bytes(version: AppVersion) -> bytes:
    with storages["hub"].open(version.fab_file, "rb") as fab:
        return fab.read()


@dataclass(frozen=True)
class SourceZip:
    name: str
    content: bytes


def source_zip(version: AppVersion) -> SourceZip:
    """The app's project folder as `flwr new` unpacks it: the FAB's files under ``<app name>/``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(fab_bytes(version))) as fab, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry in fab.infolist():
            if entry.filename.startswith(".info/") or entry.is_dir():
                continue
            zf.writestr(f"{version.app.name}/{entry.filename}", fab.read(entry))
    return SourceZip(f"{version.app.name}-{version.version}.zip", out.getvalue())


def add_to_federation(*, federation: Federation, actor: User, app: App) -> FederationApp:
    """The owner adds a Hub app to the federation's apps (its Apps tab); adding it again changes nothing."""
    with transaction.atomic():
        federation = federation_services.lock(federation)
        federation_services.check_allowed(federation, actor, Action.MANAGE_APPS)
        link, created = FederationApp.objects.get_or_create(
            federation=federation, app=app, defaults={"added_by": actor}
        )
        if created:
            federation_services.record(federation, actor, Activity.Verb.APP_ADDED, app.handle)
    return link


def remove_from_federation(*, federation: Federation, actor: User, app: App) -> None:
    with transaction.atomic():
        federation = federation_services.lock(federation)
        federation_services.check_allowed(federation, actor, Action.MANAGE_APPS)
        removed, _kept = FederationApp.objects.filter(federation=federation, app=app).delete()
        if removed:
            federation_services.record(federation, actor, Activity.Verb.APP_REMOVED, app.handle)


def set_private(*, app: App, actor: User, private: bool) -> App:
    """Only the app's owner changes who sees it. A private app stays on the federations that use it (their
    members still see and run it)."""
    if app.owner_id != actor.pk:
        raise NotAllowed(_("Only the app's publisher can change who sees it."))
    if app.private != private:
        app.private = private
        app.save(update_fields=["private"])
    return app


SIGNED_AT_SLACK = 600  # seconds a signature's time may lie ahead of the portal's clock


def review_version(*, reviewer: User, app_id: str, version: str | None, signature_b64: str, signed_at: int) -> Review:
    """`flwr app review`: a signature of the version's FAB, kept when one of the reviewer's keys verifies it
    (reviewing again with the same key replaces the signature)."""
    found = find_version(app_id, version, reviewer)
    keys = list(reviewer.signing_keys.filter(removed_at__isnull=True))
    if not keys:
        raise HubError(
            _(
                "You have no signing key on this SuperGrid: add the public half of the key you sign with "
                "(its .pub file) on your profile, then review again."
            )
        )
    if not isinstance(signed_at, int) or signed_at > time.time() + SIGNED_AT_SLACK:
        raise HubError(_("The signature's time is in the future: check this computer's clock and review again."))
    key = next((key for key in keys if verifies(key.public_key, found.sha256, signed_at, signature_b64)), None)
    if key is None:
        raise HubError(
            _(
                "This signature does not verify with any of your signing keys for the FAB of %(version)s: sign with "
                "a key whose public half is on your profile, and review the version as the Hub serves it."
            )
            % {"version": found}
        )
    review, _created = Review.objects.update_or_create(
        version=found, key=key, defaults={"reviewer": reviewer, "signature": signature_b64, "signed_at": signed_at}
    )
    return review


def verifications(version: AppVersion) -> list[dict]:
    """The version's reviews that count (their keys in use), as Flower's Hub returns them with a FAB."""
    counted = version.reviews.filter(key__removed_at__isnull=True).select_related("key")
    return [
        {"public_key_id": review.key.key_id, "signature": review.signature, "signed_at": review.signed_at}
        for review in counted
    ]
