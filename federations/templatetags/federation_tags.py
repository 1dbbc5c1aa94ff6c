"""Template helpers for federation pages (also used by the templates of the apps above federations)."""

from functools import lru_cache
from urllib.parse import quote

from django import template
from django.urls import get_script_prefix, reverse

register = template.Library()

# reverse() costs about as much as a small query; a list page asks for it for every link of every row.
URL_SAFE = "!$&'()*+,;=/~:@"  # what reverse() leaves unquoted in a path
NUMBER_SLOT = 7_391_046_285_513_000_000  # digits no real id or name holds


@lru_cache(maxsize=256)
def url_pattern(script_prefix: str, view_name: str, slots: tuple) -> str:
    """The view's URL with a placeholder in each argument, reversed once per view and script prefix."""
    return reverse(view_name, kwargs=dict(slots))


@register.simple_tag
def fedurl(view_name: str, federation, **kwargs) -> str:
    """``{% fedurl 'federations:members' federation %}``: a URL under ``/@owner/name/``."""
    return federation_url(view_name, federation.owner.username, federation.name, **kwargs)


def federation_url(view_name: str, owner: str, name: str, **kwargs) -> str:
    """The URL ``reverse()`` gives, without reversing each time: the view's URL is reversed once with
    placeholders (text for text arguments, digits for numbers, as the converters require), then filled in."""
    values = {"owner": owner, "name": name, **kwargs}
    slots = tuple(
        (key, f"__fedurl_{key}__" if isinstance(value, str) else str(NUMBER_SLOT + index))
        for index, (key, value) in enumerate(sorted(values.items()))
    )
    filled = {slot: quote(str(values[key]), safe=URL_SAFE) for key, slot in slots}
    if any(slot in value for slot in filled for value in filled.values()):
        return reverse(view_name, kwargs=values)  # a value that looks like a placeholder (never in practice)
    url = url_pattern(get_script_prefix(), view_name, slots)
    for slot, value in filled.items():
        url = url.replace(slot, value)
    return url
