"""A run's artifacts: its folder packed once into the "artifacts" storage when it ends, and links to it.

Apps write their outputs into ``<SUPERGRID_ARTIFACTS_DIR>/<run id>`` (the SuperLink exports the
variable, pointing at ``settings.ARTIFACTS_WORK_DIR``; docs/artifacts.md). When the SuperLink reports
a run ended, its outcome is recorded and ``pack_run_artifacts`` queued; packing streams the folder into
a zip (a manifest of names, sizes and sha256 inside and in the database), never following links, up to
``ARTIFACTS_MAX_BYTES`` and ``ARTIFACTS_MAX_FILES``, and lists what it left out and why. The zip goes
to a temporary file first; the row says "packed" only once the storage holds all of it.
"""

import contextlib
import hashlib
import json
import logging
import os
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Sum
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext

from accounts.models import User
from accounts.notifications import enqueue_after_commit
from federations.models import Federation
from federations.rules import Code, FederationError
from supergrid.links import absolute_url

from . import wording
from .models import RunArtifacts, RunOutcome

logger = logging.getLogger(__name__)

MANIFEST_NAME = "SUPERGRID-MANIFEST.json"  # inside every zip, beside the run's own files
CHUNK = 1024 * 1024
LEFT_OUT_LISTED = 100  # what the run page lists of what was left out (all are counted)
LEASE = timedelta(minutes=10)  # a packer that dies mid-way is replaced after this (1 GiB packs in under a minute)
MAX_ATTEMPTS = 5  # a pack that fails (the storage full or unwritable) is tried again up to this often
LINK_SALT = "runs.artifacts.link"


def run_folder(run_id: int | str) -> Path:
    return Path(settings.ARTIFACTS_WORK_DIR) / str(int(run_id))


def storage_name(run_id: int | str) -> str:
    return f"runs/{int(run_id)}.zip"


@dataclass
class Packed:
    kept: list[dict[str, Any]] = field(default_factory=list)  # {"name", "size", "sha256"}
    left_out: list[dict[str, str]] = field(default_factory=list)  # the first LEFT_OUT_LISTED
    left_out_count: int = 0
    kept_bytes: int = 0

    def leave_out(self, name: str, reason: str) -> None:
        self.left_out_count += 1
        if len(self.left_out) < LEFT_OUT_LISTED:
            self.left_out.append({"name": name, "reason": reason})


def readable_name(relative: bytes) -> tuple[str, bool]:
    """The name inside the zip (UTF-8), and whether it had to change (a name that is not UTF-8)."""
    try:
        return relative.decode("utf-8"), False
    except UnicodeDecodeError:
        return relative.decode("utf-8", "backslashreplace"), True


def walk(folder: bytes):
    """(relative name, absolute path, lstat) of every entry under ``folder``, depth first, links not followed.

    One directory listing is open at a time per level (``os.scandir``), so millions of files cost time,
    not memory.
    """
    stack = [b""]
    while stack:
        relative_dir = stack.pop()
        try:
            with os.scandir(os.path.join(folder, relative_dir) if relative_dir else folder) as entries:
                for entry in entries:
                    relative = os.path.join(relative_dir, entry.name) if relative_dir else entry.name
                    try:
                        info = entry.stat(follow_symlinks=False)
                    except OSError:
                        continue
                    if stat.S_ISDIR(info.st_mode):
                        stack.append(relative)
                    else:
                        yield relative, entry.path, info
        except OSError as error:
            logger.warning("Could not list %r: %s", relative_dir, error)


def pack_folder(folder: Path, out: IO[bytes], *, max_bytes: int, max_files: int) -> Packed:
    """Stream ``folder`` into a zip written to ``out``; regular files only, up to the caps."""
    packed = Packed()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        for relative, path, info in walk(os.fsencode(folder)):
            name, renamed = readable_name(relative)
            if stat.S_ISLNK(info.st_mode):
                packed.leave_out(name, wording.LEFT_OUT_LINK)
                continue
            if not stat.S_ISREG(info.st_mode):
                packed.leave_out(name, wording.LEFT_OUT_SPECIAL)
                continue
            if name == MANIFEST_NAME:
                packed.leave_out(name, wording.LEFT_OUT_MANIFEST)
                continue
            if len(packed.kept) >= max_files:
                packed.leave_out(name, wording.stored(wording.LEFT_OUT_FILES, limit=f"{max_files:,}"))
                continue
            if packed.kept_bytes + info.st_size > max_bytes:
                packed.leave_out(name, wording.stored(wording.LEFT_OUT_BYTES, limit=f"{max_bytes:,}"))
                continue
            entry = copy_into(archive, name, path, info.st_size)
            if entry is None:
                packed.leave_out(name, wording.LEFT_OUT_UNREADABLE)
                continue
            if renamed:
                entry["renamed"] = True
            packed.kept.append(entry)
            packed.kept_bytes += entry["size"]
        manifest = {"files": packed.kept, "left_out": packed.left_out, "left_out_count": packed.left_out_count}
        archive.writestr(MANIFEST_NAME, json.dumps(manifest, indent=1))
    return packed


def copy_into(archive: zipfile.ZipFile, name: str, path: bytes, size: int) -> dict[str, Any] | None:
    """One file into the zip, in chunks, hashed on the way; at most ``size`` bytes (its size when listed)."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:
        return None
    digest, copied = hashlib.sha256(), 0
    with os.fdopen(descriptor, "rb") as source:
        if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
            return None
        info = zipfile.ZipInfo(name, date_time=timezone.now().timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=size > 2**31) as target:
            while copied < size:
                chunk = source.read(min(CHUNK, size - copied))
                if not chunk:
                    break
                digest.update(chunk)
                target.write(chunk)
                copied += len(chunk)
    return {"name": name, "size": copied, "sha256": digest.hexdigest()}


def claim(outcome: RunOutcome) -> RunArtifacts | None:
    """Take the run's packing for this worker (a lease), or None when it is done or someone else has it."""
    now = timezone.now()
    with transaction.atomic():
        artifacts, _ = RunArtifacts.objects.select_for_update().get_or_create(outcome=outcome)
        done = {RunArtifacts.Status.PACKED, RunArtifacts.Status.EMPTY, RunArtifacts.Status.DELETED}
        if artifacts.status in done or (artifacts.claimed_until and artifacts.claimed_until > now):
            return None
        if artifacts.status == RunArtifacts.Status.FAILED and artifacts.attempts >= MAX_ATTEMPTS:
            return None
        artifacts.claimed_until = now + LEASE
        artifacts.attempts += 1
        artifacts.save(update_fields=["claimed_until", "attempts"])
    return artifacts


def finish(artifacts: RunArtifacts, status: str, **fields: Any) -> RunArtifacts:
    for name, value in {"status": status, "claimed_until": None, **fields}.items():
        setattr(artifacts, name, value)
    artifacts.save()
    return artifacts


def pack(outcome_id: int) -> RunArtifacts | None:
    """Pack one ended run's folder, once; safe to call again (a second packer finds it done or taken)."""
    outcome = RunOutcome.objects.get(pk=outcome_id)
    artifacts = claim(outcome)
    if artifacts is None:
        return None
    folder = run_folder(outcome.run_id)
    if not folder.is_dir() or folder.is_symlink():
        return finish(artifacts, RunArtifacts.Status.EMPTY)
    scratch = Path(settings.ARTIFACTS_WORK_DIR).parent / "packing"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=scratch) as zipped:
        packed = pack_folder(
            folder, zipped, max_bytes=settings.ARTIFACTS_MAX_BYTES, max_files=settings.ARTIFACTS_MAX_FILES
        )
        size = zipped.tell()
        details = {
            "files": packed.kept,
            "left_out": packed.left_out,
            "left_out_count": packed.left_out_count,
            "kept_bytes": packed.kept_bytes,
        }
        if not packed.kept and not packed.left_out_count:
            shutil.rmtree(folder, ignore_errors=True)
            return finish(artifacts, RunArtifacts.Status.EMPTY)
        stored = RunArtifacts.objects.filter(status=RunArtifacts.Status.PACKED).aggregate(total=Sum("size"))["total"]
        if (stored or 0) + size > settings.ARTIFACTS_TOTAL_MAX_BYTES:
            message = wording.stored(  # kept in English, shown in the reader's language
                wording.STORAGE_FULL,
                used=f"{stored or 0:,}",
                total=f"{settings.ARTIFACTS_TOTAL_MAX_BYTES:,}",
                size=f"{size:,}",
            )
            return finish(artifacts, RunArtifacts.Status.FAILED, message=message, **details)
        zipped.seek(0)
        name = storage_name(outcome.run_id)
        storage = storages["artifacts"]
        try:
            if storage.exists(name):  # a half-written zip of an earlier attempt
                storage.delete(name)
            saved = storage.save(name, File(zipped, name=name))
        except Exception as error:  # a full disk, a read-only folder, a storage service that refuses
            logger.exception("Could not store the artifacts of run %s", outcome.run_id)
            with contextlib.suppress(Exception):  # nothing more to clean up than what was written
                storage.delete(name)
            again = artifacts.attempts < MAX_ATTEMPTS
            message = wording.stored(
                wording.STORAGE_REFUSED_AGAIN if again else wording.STORAGE_REFUSED,
                error=f"{error.__class__.__name__}: {error}",
            )
            return finish(artifacts, RunArtifacts.Status.FAILED, message=message, **details)
    finish(
        artifacts, RunArtifacts.Status.PACKED, file=saved, size=size, packed_at=timezone.now(), message="", **details
    )
    shutil.rmtree(folder, ignore_errors=True)  # the zip is the record now (rmtree does not follow links)
    return artifacts


@task
def pack_run_artifacts(outcome_id: int) -> None:
    pack(outcome_id)


def unpacked_outcomes() -> list[int]:
    """Ended runs whose artifacts wait with no packer on them: never taken (queued more than two minutes
    ago: the queue lost it, or the SuperLink stopped before it was queued), a packer's lease run out, or
    a failed pack worth another try."""
    now = timezone.now()
    waiting = RunOutcome.objects.filter(
        artifacts__isnull=True, recorded_at__lt=now - timedelta(minutes=2), recorded_at__gte=now - timedelta(days=30)
    )
    retry = RunArtifacts.objects.filter(
        status__in=[RunArtifacts.Status.PENDING, RunArtifacts.Status.FAILED],
        attempts__lt=MAX_ATTEMPTS,
        claimed_until__lt=now,
    )
    failed = RunArtifacts.objects.filter(status=RunArtifacts.Status.FAILED, attempts__lt=MAX_ATTEMPTS)
    found = [*waiting.values_list("pk", flat=True)[:100], *retry.values_list("outcome_id", flat=True)[:100]]
    return found + list(failed.exclude(outcome_id__in=found).values_list("outcome_id", flat=True)[:100])


# Links ------------------------------------------------------------------------------------------------------


def download_url(federation: Federation, run_id: int, *, for_account: User | None = None) -> str:
    """The run's download on the portal; ``for_account`` adds a short-lived signed token (for `flwr pull`)."""
    url = absolute_url("runs:artifacts", **federation.url_kwargs(), run_id=run_id)
    if for_account is None:
        return url
    token = signing.dumps({"run": str(run_id), "aid": for_account.flwr_aid}, salt=LINK_SALT, compress=True)
    return f"{url}?token={token}"


def account_of_token(token: str, run_id: int) -> User | None:
    """The account a `flwr pull` link was made for, while it is valid and for this run; else None."""
    try:
        data = signing.loads(token, salt=LINK_SALT, max_age=settings.ARTIFACTS_LINK_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("run") != str(run_id):
        return None
    return User.objects.filter(flwr_aid=data.get("aid"), is_active=True).first()


class NotReady(FederationError):
    """Artifacts asked for before they can be had: still packing, none kept, or failed."""

    code = Code.NOT_READY


def ready(artifacts: RunArtifacts | None, run_id: int) -> RunArtifacts:
    """The packed artifacts, or a refusal that says where they are."""
    if artifacts is None or artifacts.status == RunArtifacts.Status.PENDING:
        raise NotReady(
            gettext("The artifacts of run %(run_id)s are being packed. Try again in a moment.") % {"run_id": run_id}
        )
    if artifacts.status == RunArtifacts.Status.EMPTY:
        raise NotReady(
            gettext(
                "Run %(run_id)s saved no artifacts. Apps save them in the folder named by SUPERGRID_ARTIFACTS_DIR "
                "and the run id (see the SuperGrid's docs/artifacts.md)."
            )
            % {"run_id": run_id}
        )
    if artifacts.status == RunArtifacts.Status.DELETED:
        raise NotReady(gettext("The artifacts of run %(run_id)s were deleted by an operator.") % {"run_id": run_id})
    if artifacts.status == RunArtifacts.Status.FAILED:
        raise NotReady(
            gettext("The artifacts of run %(run_id)s could not be packed. %(reason)s")
            % {"run_id": run_id, "reason": artifacts.message_text}
        )
    return artifacts


def nudge(outcome: RunOutcome, artifacts: RunArtifacts | None) -> None:
    """Someone is waiting for these artifacts: if the packer that took them stopped (its lease ran out:
    its worker killed mid-way), queue the packing again. Artifacts not taken yet are in the queue."""
    if artifacts is None or artifacts.status != RunArtifacts.Status.PENDING:
        return
    if artifacts.claimed_until is None or artifacts.claimed_until <= timezone.now():
        enqueue_after_commit(pack_run_artifacts, outcome.pk)


def pull_url(run: Any, account: User) -> str:
    """`flwr pull` (the SuperLink asks, once the rules let this member): a signed link to the run's zip.

    ``run`` is the SuperLink's finished run. One whose ending is not recorded yet is recorded now, and
    its packing queued."""
    from .services import record_run_outcome

    outcome = RunOutcome.objects.select_related("federation__owner").filter(run_id=str(run.run_id)).first()
    if outcome is None:
        record_run_outcome(
            run_id=run.run_id,
            federation_id=run.federation_id,
            launched_by_aid=run.flwr_aid,
            sub_status=run.status.sub_status,
            details=run.status.details,
        )
        ready(None, run.run_id)
    assert outcome is not None
    found = RunArtifacts.objects.filter(outcome=outcome).first()
    nudge(outcome, found)
    ready(found, run.run_id)
    return download_url(outcome.federation, run.run_id, for_account=account)
