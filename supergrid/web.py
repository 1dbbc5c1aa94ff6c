"""Shared web helpers: one way to answer a page for the browser and for htmx."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import overload
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django_htmx.middleware import HtmxDetails

# Form errors answered to htmx: 422, which htmx is told to swap (base.html's htmx-config) and which
# django-htmx's DEBUG helper leaves alone (it replaces the whole document on 400, 403, 404 and 500).
FORM_INVALID = 422

# Where a federation's pages live: /@<owner>/<name>/…; each feature app mounts its tabs under it.
FEDERATION_PREFIX = "@<str:owner>/<str:name>/"


class HtmxHttpRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it, for type checking only; signed-in views take
    ``accounts.http.AuthenticatedHttpRequest``."""

    htmx: HtmxDetails


def wants_partial(request: HtmxHttpRequest) -> bool:
    """htmx swaps a section in place; a history restore needs the whole page."""
    return bool(getattr(request, "htmx", False)) and not request.htmx.history_restore_request


def deferred(request: HtmxHttpRequest, section: str) -> bool:
    """Whether the page leaves ``section`` (data the SuperLink holds) for a request of its own.

    The page answers at once with a placeholder (``includes/deferred.html``) that htmx loads right
    away by targeting it; without JavaScript the placeholder links to ``?show=all``, which renders the
    section in place. A page never waits on the SuperLink before the reader sees it.
    """
    if request.GET.get("show") == "all":
        return False
    return not (wants_partial(request) and request.htmx.target == section)


def partial_for(request: HtmxHttpRequest, templates: Sequence[str]) -> str | None:
    """The ``template#partial`` named like the element htmx targets, from the first template that has it."""
    if not wants_partial(request) or not request.htmx.target:
        return None
    for template in templates:
        name = f"{template}#{request.htmx.target}"
        try:
            get_template(name)
        except TemplateDoesNotExist:
            continue
        return name
    return None


@cache
def site_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")  # as %b writes them


@dataclass(frozen=True)
class Moment:
    """A timestamp as list pages show it, in the site's time zone, formatted once in Python.

    Django's ``date`` filter looks up formats and the active time zone for every value, which on a page
    of a list costs more than the rest of the page.
    """

    at: datetime
    iso: str  # for <time datetime="…">
    day: str  # 29 Nov 2026
    minute: str  # 29 Nov 2026, 14:05

    @overload
    @classmethod
    def of(cls, value: datetime) -> "Moment": ...

    @overload
    @classmethod
    def of(cls, value: None) -> None: ...

    @classmethod
    def of(cls, value: datetime | None) -> "Moment | None":
        if value is None:
            return None
        local = value.astimezone(site_zone())
        time = f"{local.hour:02}:{local.minute:02}"  # strftime costs a list's page of rows a tenth of a ms
        if get_language() == "ko":  # the DATE_FORMAT and DATETIME_FORMAT of supergrid/formats/ko
            day = f"{local.year}년 {local.month}월 {local.day}일"
            return cls(at=value, iso=local.isoformat(), day=day, minute=f"{day} {time}")
        day = f"{local.day} {MONTHS[local.month - 1]} {local.year}"
        return cls(at=value, iso=local.isoformat(), day=day, minute=f"{day}, {time}")


@dataclass
class Window:
    """One page of a list, read with one row more than it shows: whether another page follows is known
    without counting the list (a COUNT over a member's 1,000 federations costs as much as the page)."""

    object_list: list
    number: int
    has_next: bool

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def __bool__(self) -> bool:
        return bool(self.object_list)

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1


def paginate(object_list, number, per_page: int) -> Window:
    """Page ``number`` (1 when missing or not a number) of anything that slices like a queryset."""
    try:
        number = max(int(number or 1), 1)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * per_page
    rows = list(object_list[start : start + per_page + 1])
    return Window(rows[:per_page], number, len(rows) > per_page)


def confirm_page(request: HttpRequest, dialog: str, title: str, **context) -> HttpResponse:
    """A confirmation dialog's content as a page of its own, for browsers without JavaScript."""
    return render(request, "includes/confirm_page.html", {"dialog": dialog, "page_title": title, **context})


def render_page(
    request: HtmxHttpRequest,
    template: str,
    context: dict,
    *,
    status: int = 200,
    sections: Sequence[str] = (),
) -> HttpResponse:
    """The whole page, or for htmx only the partial its target names (in ``template`` or ``sections``).

    Partials are ``{% partialdef <dom-id> inline %}`` blocks, named like the element they fill, so
    the markup lives once. Caches learn that the answer depends on both htmx headers.
    """
    name = partial_for(request, [template, *sections]) or template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response
