"""Fair-share limits on a shared grid: operator defaults (settings LIMIT_*), per-user overrides in the
admin (``accounts.Limits``). 0 means no limit. Refused with the limit and how to free a slot in the
words, on every path: a form's field error, the CLI as Flower's EntitlementError (``Code.LIMIT``)."""

from dataclasses import dataclass
from enum import StrEnum

from django.conf import settings

from accounts.models import Limits, User

from .rules import Code, FederationError


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
    Limit.FEDERATIONS: "Active federations you own",
    Limit.RUNS: "Your runs pending or running at once",
    Limit.RUNS_PER_FEDERATION: "Runs at once in a federation you own",
    Limit.SUPERNODES: "SuperNodes you register",
    Limit.SIMULATED_SUPERNODES: "Simulated SuperNodes per federation you own",
}


def limits_of(user: User) -> dict[Limit, int]:
    """Every limit of the user (0: none), in one query: their overrides, else the operator's defaults."""
    overrides = Limits.objects.filter(user_id=user.pk).values(*(str(which) for which in Limit)).first() or {}
    return {
        which: int(overrides[which] if overrides.get(which) is not None else getattr(settings, DEFAULTS[which]) or 0)
        for which in Limit
    }


def limit(user: User, which: Limit) -> int:
    """The user's limit (0: none): their override, else the operator's default."""
    override = Limits.objects.filter(user_id=user.pk).values_list(str(which), flat=True).first()
    value = override if override is not None else getattr(settings, DEFAULTS[which])
    return int(value or 0)


@dataclass(frozen=True)
class Usage:
    which: Limit
    label: str
    limit: int  # 0: none
    used: int | None  # None where the page does not count it


class LimitReached(FederationError):
    code = Code.LIMIT


def check(user: User, which: Limit, used: int, message: str, *, field: str | None = None) -> None:
    """Refuse one more when ``used`` has reached the user's limit; ``message`` takes {limit}."""
    value = limit(user, which)
    if value and used >= value:
        raise LimitReached(message.format(limit=value), field=field)


PROFILE_SECTION = "federations/_limits.html"


def usage(user: User) -> list[Usage]:
    """Each limit and the user's current use: federations counted here, runs and SuperNodes by the apps that
    ask the SuperLink (``extensions.add_limit_usage``); a federation's runs and simulated SuperNodes are
    per federation, so only their limit is shown."""
    from .extensions import extensions
    from .models import WORKSPACE_NAME, Federation

    owned = Federation.objects.filter(owner=user, archived_at__isnull=True).exclude(name__iexact=WORKSPACE_NAME)
    limits = limits_of(user)
    used: dict[str, int | None] = {Limit.FEDERATIONS: owned.count()}
    for which, count in extensions.limit_usage.items():
        if limits[Limit(which)]:  # asked of the SuperLink only where there is a limit to compare with
            used[which] = count(user)
    return [Usage(which, LABELS[which], limits[which], used.get(which)) for which in Limit]


def profile_context(request) -> dict:
    return {"limits": usage(request.user)}
