"""Run-config overrides people write to launch a run (`key=value` lines), checked as the SuperLink will take them.

Shared by every launch: the Runs tab (runs) and an app's Run button (apps)."""

import re
import tomllib
from collections.abc import Collection
from typing import Any

from django.utils.translation import gettext as _

from .fab import VALUE_PROBLEMS, check_value

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
        raise LaunchError(_("Give at most %(most)s overrides, one per line.") % {"most": MAX_OVERRIDE_LINES})
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, raw = (part.strip() for part in line.partition("="))
        if not equals or not key or not raw:
            raise LaunchError(
                _("Line %(number)s: write key=value, for example num-server-rounds=5.") % {"number": number}
            )
        if not OVERRIDE_KEY.match(key):
            raise LaunchError(
                _("Line %(number)s: “%(key)s” is not a valid key (letters, digits, -, _ and . only).")
                % {"number": number, "key": key}
            )
        if known_keys is not None and key not in known_keys:
            if known_keys:
                message = _("Line %(number)s: this app's run config has no key “%(key)s” (its keys: %(keys)s).")
            else:
                message = _("Line %(number)s: this app's run config has no key “%(key)s” (its keys: none).")
            raise LaunchError(message % {"number": number, "key": key, "keys": ", ".join(sorted(known_keys))})
        try:
            value = tomllib.loads(f"value = {raw}")["value"]
        except (tomllib.TOMLDecodeError, RecursionError):
            raise LaunchError(
                _('Line %(number)s: “%(raw)s” is not a value. Use a number, true/false, or "quoted text".')
                % {"number": number, "raw": raw[:80]}
            ) from None
        problem = check_value(value)
        if problem:
            raise LaunchError(str(VALUE_PROBLEMS[problem]) % {"number": number})
        overrides[key] = value
    return overrides
