"""What the apps above accounts add to the profile page, registered from their AppConfig.ready().

accounts names no app above it (import-linter for imports; tests/federations/test_layers.py for URL
names, templates and modules in strings). Federations hands in the invitation inbox, runs the run-ended
email's setting; each section is a template and the function that gives it its data.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class ProfileSection:
    key: str
    template: str  # a <section class="card">, included in the profile page (its context, plus the section's data)
    context: Callable[[HttpRequest], dict[str, Any]]  # the section's data, for the signed-in reader
    position: int = 0  # top to bottom, after the Account card


profile_sections: list[ProfileSection] = []


def add_profile_section(section: ProfileSection) -> None:
    profile_sections[:] = sorted(
        [*(s for s in profile_sections if s.key != section.key), section], key=lambda s: s.position
    )


def add_profile_sections(request: HttpRequest, context: dict[str, Any]) -> None:
    """Each section's data into the profile page's context, and their templates as ``sections``, which
    the page includes: rendered as part of the page, not each on its own, they share its one run of the
    context processors (rendering each apart reran them all, a query building included, per section)."""
    for section in profile_sections:
        data = section.context(request)
        if clash := context.keys() & data.keys():
            raise ValueError(f"The profile section {section.key!r} would replace {sorted(clash)} in the page.")
        context.update(data)
    context["sections"] = [section.template for section in profile_sections]
