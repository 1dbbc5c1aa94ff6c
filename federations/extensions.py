"""What the apps above federations add to its pages, registered from their AppConfig.ready().

federations never names the apps above it (import-linter for imports; tests/federations/test_layers.py for URL names,
templates and tables in strings). They hand in here: their federation tabs (Runs, SuperNodes), lines and
next steps on the Overview, Settings tab sections, the endpoint that fills the dashboard's Live column, and counts the
federation lists show (a deployment federation's SuperNodes).
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .rules import Action

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


@dataclass(frozen=True)
class Tab:
    key: str
    label: "StrOrPromise"  # gettext_lazy: said in the reader's language
    url_name: str  # takes the federation's owner and name
    template: str  # the tab's section, rendered inside federations/federation.html
    action: Action = Action.VIEW  # shown to those the rules table allows it
    position: int = 0  # left to right


@dataclass
class Extensions:
    tabs: list[Tab] = field(default_factory=list)
    overview_details: list[str] = field(default_factory=list)  # templates inside the Overview's <dl>
    next_steps: list[str] = field(default_factory=list)  # templates of <li> on a new federation's Overview
    dashboard_live_url_name: str | None = None  # fills the dashboard's Live column (?f=<pk>…)
    # Counts per federation row of the dashboard, by name: a scalar SQL subquery in which ``f`` is the
    # federation (the list is SQL: ``federations.lists``).
    list_counts: dict[str, str] = field(default_factory=dict)
    # Sentences on a run's page about what happened to it (the SuperNodes that refuse its app), given the
    # federation and the run as the SuperLink reports it.
    run_notes: list[Callable[[Any, Any], list[str]]] = field(default_factory=list)
    # The signing keys (fingerprints) whose reviews of a FAB count, by its sha256: the Hub's answer, for the
    # apps that need it without importing the Hub (a SuperNode's trust).
    fab_reviewers: Callable[[str], set[str]] = lambda sha256: set()
    # Sections of the Settings tab after the federation's own form (the webhooks), each a template and
    # what it needs, given the federation.
    settings_sections: list[tuple[str, Callable[[Any], dict]]] = field(default_factory=list)
    # A user's current use of a fair-share limit the SuperLink holds (runs at once, SuperNodes registered),
    # by limit name, for the profile; None when it cannot be read now.
    limit_usage: dict[str, Callable[[Any], int | None]] = field(default_factory=dict)


extensions = Extensions()


def add_tab(tab: Tab) -> None:
    extensions.tabs = sorted([*(t for t in extensions.tabs if t.key != tab.key), tab], key=lambda t: t.position)


def add_overview_details(template: str) -> None:
    if template not in extensions.overview_details:
        extensions.overview_details.append(template)


def add_next_step(template: str) -> None:
    if template not in extensions.next_steps:
        extensions.next_steps.append(template)


def set_dashboard_live(url_name: str) -> None:
    extensions.dashboard_live_url_name = url_name


def add_list_count(name: str, sql: str) -> None:
    extensions.list_counts[name] = sql


def add_run_note(note: Callable[[Any, Any], list[str]]) -> None:
    if note not in extensions.run_notes:
        extensions.run_notes.append(note)


def set_fab_reviewers(lookup: Callable[[str], set[str]]) -> None:
    extensions.fab_reviewers = lookup


def add_settings_section(template: str, context: Callable[[Any], dict]) -> None:
    if template not in (known for known, _ in extensions.settings_sections):
        extensions.settings_sections.append((template, context))


def add_limit_usage(limit: str, usage: Callable[[Any], int | None]) -> None:
    extensions.limit_usage[limit] = usage
