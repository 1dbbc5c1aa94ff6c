"""How federation pages render: the whole page, or for htmx only the section it swaps."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers

TABS = [
    ("overview", "Overview", "federations:overview"),
    ("runs", "Runs", "federations:runs"),
    ("supernodes", "SuperNodes", "federations:federation_supernodes"),
    ("members", "Members", "federations:members"),
    ("activity", "Activity", "federations:activity"),
    ("settings", "Settings", "federations:settings"),
]


def wants_partial(request: HttpRequest) -> bool:
    """htmx swaps a section in place; a history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def render_page(request: HttpRequest, template: str, context: dict, partial: str, status: int = 200) -> HttpResponse:
    name = f"{template}#{partial}" if wants_partial(request) else template
    response = render(request, name, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def render_tab(request, federation, membership, tab: str, extra: dict | None = None, status: int = 200):
    context = {
        "federation": federation,
        "membership": membership,
        "tab": tab,
        "tabs": [
            (key, label, reverse(url_name, kwargs=federation.url_kwargs()))
            for key, label, url_name in TABS
            if key != "settings" or membership.is_owner
        ],
        "member_count": federation.memberships.count(),
        "nav_section": "federations",
        **(extra or {}),
    }
    return render_page(request, "federations/federation.html", context, "federation-body", status=status)
