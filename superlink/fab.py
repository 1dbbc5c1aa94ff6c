"""Flower App bundles (FABs) as the SuperLink accepts them, inspected without trusting the zip.

A FAB is a zip made by `flwr build` with a `pyproject.toml` that declares a Flower app. Both the Runs
tab and `flwr run` hand us one; we look at it by the sizes its entries declare and read only the
`pyproject.toml`, a bounded number of bytes, so a crafted archive cannot exhaust memory or disk.
"""

import io
import math
import tomllib
import zipfile
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from flwr.common.constant import FAB_MAX_SIZE

FAB_MAX_BYTES = FAB_MAX_SIZE  # the SuperLink refuses larger FABs, so the portal does too
MAX_ENTRIES = 2000
MAX_UNPACKED_BYTES = 250_000_000  # what all entries may declare together
MAX_PYPROJECT_BYTES = 256 * 1024
COMPRESSIONS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
INT64 = range(-(2**63), 2**63)
NOT_A_FAB = gettext_lazy(
    "This is not a FAB. Build one with `flwr build` in your app's folder and upload the .fab file."
)
# Why a run config value cannot be sent (``check_value``): its kind, and the sentence for the line it is on.
VALUE_TOO_LARGE = "whole numbers must fit in 64 bits"
VALUE_NOT_FINITE = "nan and inf are not numbers a run can use"
VALUE_OF_OTHER_TYPE = "only numbers, true/false and text are allowed"
VALUE_PROBLEMS = {
    VALUE_TOO_LARGE: gettext_lazy("Line %(number)s: whole numbers must fit in 64 bits."),
    VALUE_NOT_FINITE: gettext_lazy("Line %(number)s: nan and inf are not numbers a run can use."),
    VALUE_OF_OTHER_TYPE: gettext_lazy("Line %(number)s: only numbers, true/false and text are allowed."),
}


class InvalidFab(ValueError):
    """A FAB we refuse, with a sentence that says why."""


@dataclass(frozen=True)
class FabInfo:
    run_config: dict[str, Any]  # the app's run config, flattened to dotted keys
    name: str = ""  # [project] name, version and description
    version: str = ""
    description: str = ""
    publisher: str = ""  # [tool.flwr.app] publisher


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.0f} MB"


def check_entry(entry: zipfile.ZipInfo) -> None:
    name = entry.filename
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
        raise InvalidFab(
            _("This FAB contains an unsafe path (%(path)s); rebuild it with `flwr build`.") % {"path": name[:80]}
        )
    if entry.flag_bits & 0x1:
        raise InvalidFab(_("This FAB contains encrypted files; rebuild it with `flwr build`."))
    if entry.compress_type not in COMPRESSIONS:
        raise InvalidFab(_("This FAB uses a compression Flower does not read; rebuild it with `flwr build`."))


def read_pyproject(archive: zipfile.ZipFile) -> dict[str, Any]:
    try:
        entry = archive.getinfo("pyproject.toml")
    except KeyError:
        raise InvalidFab(_("This FAB has no pyproject.toml. Rebuild it with `flwr build`.")) from None
    if entry.file_size > MAX_PYPROJECT_BYTES:
        raise InvalidFab(_("This FAB's pyproject.toml is too large to be a Flower app's."))
    try:
        with archive.open(entry) as file:
            raw = file.read(MAX_PYPROJECT_BYTES + 1)  # bounded even if the declared size lies
        if len(raw) > MAX_PYPROJECT_BYTES:
            raise InvalidFab(_("This FAB's pyproject.toml is too large to be a Flower app's."))
        return tomllib.loads(raw.decode())
    except (zipfile.BadZipFile, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError, EOFError, OSError):
        raise InvalidFab(_("This FAB has no readable pyproject.toml. Rebuild it with `flwr build`.")) from None


def flatten(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            flat |= flatten(value, name)
        else:
            flat[name] = value
    return flat


def inspect_fab(content: bytes) -> FabInfo:
    """The FAB's run config, or ``InvalidFab`` saying what is wrong with it."""
    if len(content) > FAB_MAX_BYTES:
        raise InvalidFab(
            _("This file is %(size)s; FABs may be at most %(most)s.")
            % {"size": megabytes(len(content)), "most": megabytes(FAB_MAX_BYTES)}
        )
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise InvalidFab(str(NOT_A_FAB)) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise InvalidFab(
                _("This FAB has %(count)s files; a Flower app has at most %(most)s.")
                % {"count": len(entries), "most": MAX_ENTRIES}
            )
        for entry in entries:
            check_entry(entry)
        if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
            raise InvalidFab(_("This FAB unpacks to more than %(size)s.") % {"size": megabytes(MAX_UNPACKED_BYTES)})
        pyproject = read_pyproject(archive)
    tool = pyproject.get("tool")
    flwr = tool.get("flwr") if isinstance(tool, dict) else None
    app = flwr.get("app") if isinstance(flwr, dict) else None
    if not isinstance(app, dict):
        raise InvalidFab(_("This FAB's pyproject.toml has no [tool.flwr.app] section, so it is not a Flower app."))
    config = app.get("config", {})
    if not isinstance(config, dict):
        raise InvalidFab(_("This FAB's [tool.flwr.app.config] is not a table of settings."))
    found = pyproject.get("project")
    project: dict[str, Any] = found if isinstance(found, dict) else {}
    return FabInfo(
        run_config=flatten(config),
        name=str(project.get("name", "")),
        version=str(project.get("version", "")),
        description=str(project.get("description", "")),
        publisher=str(app.get("publisher", "")),
    )


def check_value(value: object) -> str | None:
    """Why a run config value cannot be sent to the SuperLink (a key of VALUE_PROBLEMS), or None when it can."""
    if isinstance(value, bool | str):
        return None
    if isinstance(value, int):
        return None if value in INT64 else VALUE_TOO_LARGE
    if isinstance(value, float):
        return None if math.isfinite(value) else VALUE_NOT_FINITE
    return VALUE_OF_OTHER_TYPE
