"""Fair-share limits on a shared grid: operator defaults (settings LIMIT_*), per-user overrides in the
admin (the ``limit_*`` fields of the user). 0 means no limit. Refused with the limit and how to free a slot in the
words, on every path: a form's field error, the CLI as Flower's EntitlementError (``Code.LIMIT``)."""

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .rules import Code, FederationError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Limit(StrEnum):
    FEDERATIONS = "federations"
    RUNS = "runs"
    RUNS_PER_FEDERATION = "runs_per_federation"
    SUPERNODES = "supernodes"
    SIMULATED_SUPERNODES = "simulated_supernodes"


DEFAULTS = {
    Limit.FEDERATIONS: "LIMIT_FEDERATIONS",
    Limit.RUNS: "LIMIT_RUNS",
    Limit.RUNS_PER_FEDERATION: "LIMIT_RUNS_PER_FEDERATION",
    Limit.SUPERNODES: "LIMIT_SUPERNODES",
    Limit.SIMULATED_SUPERNODES: "LIMIT_SIMULATED_SUPERNODES",
}

LABELS = {
    Limit.FEDERATIONS: _("Active federations you own"),
    Limit.RUNS: _("Your runs pending or running at once"),
    Limit.RUNS_PER_FEDERATION: _("Runs at once in a federation you own"),
    Limit.SUPERNODES: _("SuperNodes you register"),
    Limit.SIMULATED_SUPERNODES: _("Simulated SuperNodes per federation you own"),
}


def limit(user: User, which: Limit) -> int:
    """The user's limit (0: none): the operator's override on their row, else the default. No query."""
    override = getattr(user, f"limit_{which}")
    return int(override if override is not None else getattr(settings, DEFAULTS[which]) or 0)


def launch_limits(launcher_override: int | None, owner_override: int | None) -> tuple[int, int]:
    """(the launcher's runs at once, the federation owner's runs at once per federation) from their
    overrides (read with the launcher's membership, ``lookups.federation_and_membership``), else the
    defaults."""
    mine = launcher_override if launcher_override is not None else int(settings.LIMIT_RUNS or 0)
    theirs = owner_override if owner_override is not None else int(settings.LIMIT_RUNS_PER_FEDERATION or 0)
    return mine, theirs


def limits_of(user: User) -> dict[Limit, int]:
    return {which: limit(user, which) for which in Limit}


@dataclass(frozen=True)
class Usage:
    which: Limit
    label: "StrOrPromise"
    limit: int  # 0: none
    used: int | None  # None where the page does not count it


class LimitReached(FederationError):
    code = Code.LIMIT


def check(
    user: User, which: Limit, used: int, message: "StrOrPromise | Callable[[int], str]", *, field: str | None = None
) -> None:
    """Refuse one more when ``used`` has reached the user's limit. ``message`` is the refusal given the limit
    (a function, for words that translate: ``lambda n: ngettext(...) % {"limit": n}``), or text that takes
    ``{limit}``."""
    value = limit(user, which)
    if value and used >= value:
        words = message(value) if callable(message) else str(message).format(limit=value)
        raise LimitReached(words, field=field)


PROFILE_SECTION = "federations/_limits.html"


def usage(user: User) -> list[Usage]:
    """Each limit and, where there is one, the user's current use: federations counted here, runs and
    SuperNodes by the apps that ask the SuperLink (``extensions.add_limit_usage``); a federation's runs and
    simulated SuperNodes are per federation, so only their limit is shown."""
    from .extensions import extensions
    from .models import WORKSPACE_NAME, Federation

    limits = limits_of(user)
    used: dict[str, int | None] = {}
    if limits[Limit.FEDERATIONS]:  # counted only where there is a limit to compare with
        owned = Federation.objects.filter(owner=user, archived_at__isnull=True).exclude(name__iexact=WORKSPACE_NAME)
        used[Limit.FEDERATIONS] = owned.count()
    for which, count in extensions.limit_usage.items():
        if limits[Limit(which)]:  # asked of the SuperLink only where there is a limit, too
            used[which] = count(user)
    return [Usage(which, LABELS[which], limits[which], used.get(which)) for which in Limit]


def profile_context(request) -> dict:
    return {"limits": usage(request.user)}
