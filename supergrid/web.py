"""Shared web helpers: one way to answer a page for the browser and for htmx."""

from collections.abc import Sequence

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.utils.cache import patch_vary_headers

# Form errors answered to htmx: 422, which htmx is told to swap (base.html's htmx-config) and which
# django-htmx's DEBUG helper leaves alone (it replaces the whole document on 400, 403, 404 and 500).
FORM_INVALID = 422

# Where a federation's pages live: /@<owner>/<name>/…; each feature app mounts its tabs under it.
FEDERATION_PREFIX = "@<str:owner>/<str:name>/"


def wants_partial(request: HttpRequest) -> bool:
    """htmx swaps a section in place; a history restore needs the whole page."""
    return bool(getattr(request, "htmx", False)) and not request.htmx.history_restore_request


def partial_for(request: HttpRequest, templates: Sequence[str]) -> str | None:
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


def paginate(object_list, number, per_page: int) -> Page:
    """A page of ``object_list``; the first page reads one row more instead of counting them all.

    Most lists fit on one page: then the rows are the count and there is no COUNT query.
    """
    paginator = Paginator(object_list, per_page)
    if str(number or "1") != "1":
        return paginator.get_page(number)
    head = list(object_list[: per_page + 1])
    if len(head) <= per_page:
        return Paginator(head, per_page).page(1)
    return Page(head[:per_page], 1, paginator)


def confirm_page(request: HttpRequest, dialog: str, title: str, **context) -> HttpResponse:
    """A confirmation dialog's content as a page of its own, for browsers without JavaScript."""
    return render(request, "includes/confirm_page.html", {"dialog": dialog, "page_title": title, **context})


def render_page(
    request: HttpRequest,
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
