"""Run-config overrides people write to launch a run (`key=value` lines), checked as the SuperLink will take them.

Shared by every launch: the Runs tab (runs) and an app's Run button (apps)."""

import re
import tomllib
from collections.abc import Collection
from typing import Any

from .fab import check_value

OVERRIDE_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")
MAX_OVERRIDE_LINES = 200


class LaunchError(ValueError):
    pass


def parse_overrides(text: str, known_keys: Collection[str] | None = None) -> dict[str, Any]:
    """`key=value` lines; values are numbers, true/false or "quoted text" (TOML scalars).

    With ``known_keys`` (the app's run config), a key the app does not have is named and refused.
    """
    overrides: dict[str, Any] = {}
    lines = (text or "").splitlines()
    if len(lines) > MAX_OVERRIDE_LINES:
        raise LaunchError(f"Give at most {MAX_OVERRIDE_LINES} overrides, one per line.")
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, raw = (part.strip() for part in line.partition("="))
        if not equals or not key or not raw:
            raise LaunchError(f"Line {number}: write key=value, for example num-server-rounds=5.")
        if not OVERRIDE_KEY.match(key):
            raise LaunchError(f"Line {number}: “{key}” is not a valid key (letters, digits, -, _ and . only).")
        if known_keys is not None and key not in known_keys:
            listed = ", ".join(sorted(known_keys)) or "none"
            raise LaunchError(f"Line {number}: this app's run config has no key “{key}” (its keys: {listed}).")
        try:
            value = tomllib.loads(f"value = {raw}")["value"]
        except (tomllib.TOMLDecodeError, RecursionError):
            raise LaunchError(
                f'Line {number}: “{raw[:80]}” is not a value. Use a number, true/false, or "quoted text".'
            ) from None
        problem = check_value(value)
        if problem:
            raise LaunchError(f"Line {number}: {problem}.")
        overrides[key] = value
    return overrides
