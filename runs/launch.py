"""Checks on what people upload to launch a run: the FAB and its run-config overrides."""

import io
import re
import tomllib
import zipfile

from django.conf import settings

OVERRIDE_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")


class LaunchError(ValueError):
    pass


def check_fab(content: bytes) -> None:
    """A FAB is a zip made by `flwr build`, with a pyproject.toml that declares a Flower app."""
    limit = settings.FAB_MAX_BYTES
    if len(content) > limit:
        raise LaunchError(
            f"This file is {len(content) // 1024 // 1024} MB; FABs may be at most {limit // 1024 // 1024} MB."
        )
    if not zipfile.is_zipfile(io.BytesIO(content)):
        raise LaunchError(
            "This is not a FAB. Build one with `flwr build` in your app's folder and upload the .fab file."
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            pyproject = tomllib.loads(archive.read("pyproject.toml").decode())
    except (KeyError, zipfile.BadZipFile, UnicodeDecodeError, tomllib.TOMLDecodeError):
        raise LaunchError("This FAB has no readable pyproject.toml. Rebuild it with `flwr build`.") from None
    if "app" not in pyproject.get("tool", {}).get("flwr", {}):
        raise LaunchError("This FAB's pyproject.toml has no [tool.flwr.app] section, so it is not a Flower app.")


def parse_overrides(text: str) -> dict:
    """`key=value` lines; values are numbers, true/false or "quoted text" (TOML scalars)."""
    overrides: dict = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, raw = (part.strip() for part in line.partition("="))
        if not equals or not key or not raw:
            raise LaunchError(f"Line {number}: write key=value, for example num-server-rounds=5.")
        if not OVERRIDE_KEY.match(key):
            raise LaunchError(f"Line {number}: “{key}” is not a valid key (letters, digits, -, _ and . only).")
        try:
            value = tomllib.loads(f"value = {raw}")["value"]
        except tomllib.TOMLDecodeError:
            raise LaunchError(
                f'Line {number}: “{raw}” is not a value. Use a number, true/false, or "quoted text".'
            ) from None
        if not isinstance(value, bool | int | float | str):
            raise LaunchError(f"Line {number}: only numbers, true/false and text are allowed.")
        overrides[key] = value
    return overrides
