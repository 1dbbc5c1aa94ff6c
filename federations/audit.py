"""The activity log as an audit trail: CSV and JSON Lines, one row per event, oldest first.

Every row has the time (UTC, ISO 8601), the actor (username; empty for the system), the action (the
verb's code), its target, the source (web, cli, admin or system: ``supergrid.sources``) and the event in
words, in the language of whoever asked for the export. Members export their federation's log (they read
all of it on the Activity tab); operators export every federation's, for a date range, from the admin.
Streamed: a long log is never held whole.
"""

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import UTC

from django.db.models import QuerySet
from django.utils import translation

from .models import Activity

COLUMNS = ["time", "federation", "actor", "action", "target", "source", "event"]
CHUNK = 500
FREE_TEXT = {"target", "event"}


def rows(events: QuerySet[Activity]) -> Iterator[dict[str, str]]:
    """The rows, the event's words in the language active now (the download is written after the view
    returns, when another may be)."""
    return written_in(events, translation.get_language())


def written_in(events: QuerySet[Activity], language: str | None) -> Iterator[dict[str, str]]:
    ordered = events.select_related("actor", "federation__owner").order_by("created_at", "id")
    for event in ordered.iterator(chunk_size=CHUNK):
        with translation.override(language):
            words = event.describe()
        yield {
            "time": event.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            "federation": event.federation.handle,
            "actor": event.actor.username if event.actor else "",
            "action": event.verb,
            "target": event.target,
            "source": event.source,
            "event": words,
        }


def as_csv(records: Iterable[dict[str, str]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        # Free text a spreadsheet would run as a formula starts with a quote instead (names and handles are
        # letters, digits and hyphens: no formula; JSON Lines keeps every value as it is).
        writer.writerow(
            {
                key: "'" + value if key in FREE_TEXT and value[:1] in "=+-@\t\r" else value
                for key, value in record.items()
            }
        )
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def as_jsonl(records: Iterable[dict[str, str]]) -> Iterator[str]:
    for record in records:
        yield json.dumps(record, ensure_ascii=False) + "\n"


FORMATS = {"csv": ("text/csv; charset=utf-8", as_csv), "jsonl": ("application/x-ndjson; charset=utf-8", as_jsonl)}
