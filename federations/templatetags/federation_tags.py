"""Template helpers for federation pages (used by the federations, runs and supernodes templates)."""

from functools import lru_cache
from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, reverse

from ..rules import Permissions

register = template.Library()

# reverse() costs about as much as a small query; a list of 50 federations asks for it hundreds of times.
URL_SAFE = "!$&'()*+,;=/~:@"  # what reverse() leaves unquoted in a path


@register.filter
def permissions(membership) -> Permissions:
    """``{% with can=membership|permissions %}…{% if can.archive %}`` for rows of the dashboard."""
    return Permissions(membership.federation, membership)


def placeholder(key: str) -> str:
    return f"__fedurl_{key}__"


@lru_cache(maxsize=1024)
def url_pattern(script_prefix: str, view_name: str, kwargs: tuple) -> str:
    """The view's URL with a placeholder for each text argument, reversed once per script prefix."""
    return reverse(view_name, kwargs=dict(kwargs))


@register.simple_tag
def fedurl(view_name: str, federation, **kwargs) -> str:
    """``{% fedurl 'runs:run' federation run_id=7 %}``: a URL under ``/@owner/name/``."""
    return federation_url(view_name, federation.owner.username, federation.name, **kwargs)


def federation_url(view_name: str, owner: str, name: str, **kwargs) -> str:
    """The same URL ``reverse()`` gives: reversed once with placeholders, then filled in."""
    text = {"owner": owner, "name": name}
    text |= {key: value for key, value in kwargs.items() if isinstance(value, str)}
    other = tuple(sorted((key, value) for key, value in kwargs.items() if not isinstance(value, str)))
    slots = tuple(sorted((key, placeholder(key)) for key in text))
    url = url_pattern(get_script_prefix(), view_name, slots + other)
    for key, value in text.items():
        url = url.replace(placeholder(key), quote(value, safe=URL_SAFE))
    return url
