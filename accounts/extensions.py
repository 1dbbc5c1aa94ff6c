"""What the apps above accounts add to the profile page, registered from their AppConfig.ready().

accounts names no app above it (import-linter for imports; tests/federations/test_layers.py for URL
names, templates and modules in strings). Federations hands in the invitation inbox, runs the run-ended
email's setting; each section is a template and the function that gives it its data.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString


@dataclass(frozen=True)
class ProfileSection:
    key: str
    template: str  # a <section class="card">, rendered with the request (so {% csrf_token %} works)
    context: Callable[[HttpRequest], dict[str, Any]]  # the section's data, for the signed-in reader
    position: int = 0  # top to bottom, after the Account card


profile_sections: list[ProfileSection] = []


def add_profile_section(section: ProfileSection) -> None:
    profile_sections[:] = sorted(
        [*(s for s in profile_sections if s.key != section.key), section], key=lambda s: s.position
    )


def render_profile_sections(request: HttpRequest) -> list[SafeString]:
    return [
        SafeString(render_to_string(section.template, section.context(request), request=request))
        for section in profile_sections
    ]
