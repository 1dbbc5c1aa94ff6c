"""Runs of a federation as the pages show them, read from the SuperLink."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext, pgettext, pgettext_lazy

from accounts.models import User
from superlink import control_client
from superlink.control_client import parse_time

# Flower's run statuses and sub-statuses as people read them; the values themselves stay as Flower sends them.
STATUS_TEXTS = {
    "pending": pgettext_lazy("run status", "pending"),
    "starting": pgettext_lazy("run status", "starting"),
    "running": pgettext_lazy("run status", "running"),
    "finished": pgettext_lazy("run status", "finished"),
    "finished:completed": pgettext_lazy("run status", "finished:completed"),
    "finished:failed": pgettext_lazy("run status", "finished:failed"),
    "finished:stopped": pgettext_lazy("run status", "finished:stopped"),
}
SUB_STATUS_TEXTS = {
    "completed": pgettext_lazy("run status", "completed"),
    "failed": pgettext_lazy("run status", "failed"),
    "stopped": pgettext_lazy("run status", "stopped"),
}


def sub_status_text(sub_status: str) -> str:
    """How a run ended (``completed``, ``failed``, ``stopped``) in the reader's language."""
    return str(SUB_STATUS_TEXTS.get(sub_status, sub_status))


@dataclass(frozen=True)
class RunRow:
    run_id: int
    app: str
    status: str
    sub_status: str
    launched_by: str
    pending_at: datetime | None
    running_at: datetime | None
    finished_at: datetime | None
    has_artifacts: bool = False  # packed and downloadable (``with_artifacts``)

    @classmethod
    def from_proto(cls, run, names: dict[str, str]) -> "RunRow":
        return cls(
            run_id=run.run_id,
            app=f"{run.fab_id} {run.fab_version}".strip(),
            status=run.status.status,
            sub_status=run.status.sub_status,
            launched_by=names.get(run.flwr_aid) or run.account_name or gettext("unknown account"),
            pending_at=parse_time(run.pending_at),
            running_at=parse_time(run.running_at),
            finished_at=parse_time(run.finished_at),
        )

    @property
    def is_active(self) -> bool:
        return self.status != "finished"

    @property
    def duration(self) -> timedelta | None:
        if self.running_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.running_at

    @property
    def duration_text(self) -> str:
        if self.duration is None:
            return ""
        seconds = int(self.duration.total_seconds())
        minutes, seconds = divmod(seconds, 60)
        hours, minutes = divmod(minutes, 60)
        if hours:
            return pgettext("duration", "%(hours)dh %(minutes)02dm") % {"hours": hours, "minutes": minutes}
        return pgettext("duration", "%(minutes)dm %(seconds)02ds") % {"minutes": minutes, "seconds": seconds}

    @property
    def status_text(self) -> str:
        """``finished:completed`` and the like, in the reader's language (Flower's words when unknown)."""
        status = f"{self.status}:{self.sub_status}" if self.sub_status else self.status
        return str(STATUS_TEXTS.get(status, status))

    @property
    def sub_status_text(self) -> str:
        return sub_status_text(self.sub_status)


@dataclass(frozen=True)
class FederationRuns:
    runs: list[RunRow]
    error: str = ""
    nodes_online: int = 0
    nodes_total: int = 0

    @property
    def any_active(self) -> bool:
        """While a run is active the list refreshes itself; then the polling stops."""
        return any(run.is_active for run in self.runs)


def with_artifacts(rows: list[RunRow]) -> list[RunRow]:
    """The rows, those whose artifacts are packed marked so (one query for the page)."""
    from .models import RunArtifacts

    packed = set(
        RunArtifacts.objects.filter(
            status=RunArtifacts.Status.PACKED, outcome__run_id__in=[str(row.run_id) for row in rows]
        ).values_list("outcome__run_id", flat=True)
    )
    return [replace(row, has_artifacts=True) if str(row.run_id) in packed else row for row in rows]


def federation_runs(user, federation) -> FederationRuns:
    """Newest first; on trouble, no runs and a sentence for the page."""
    try:
        details = control_client.show_federation(user, federation.handle)
    except control_client.SuperLinkUnavailable as error:
        return FederationRuns([], error.message)
    except control_client.ControlError as error:
        return FederationRuns([], gettext("The SuperLink refused to list runs: %(error)s") % {"error": error.message})
    names = dict(
        User.objects.filter(flwr_aid__in={run.flwr_aid for run in details.runs}).values_list("flwr_aid", "username")
    )
    runs = with_artifacts([RunRow.from_proto(run, names) for run in details.runs])
    runs.sort(key=lambda row: (row.pending_at or timezone.now(), row.run_id), reverse=True)
    online = sum(1 for node in details.nodes if node.status == "online")
    return FederationRuns(runs, nodes_online=online, nodes_total=len(details.nodes))
