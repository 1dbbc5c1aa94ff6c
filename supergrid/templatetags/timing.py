from functools import lru_cache

from django import template
from django.utils import timezone
from django.utils.translation import get_language, gettext, ngettext

register = template.Library()

# Largest unit first; months and years are approximate, as in Django's timesince. Each unit's words whole,
# so a language can say "3분 전" its own way (``ngettext``: English has a plural, Korean none).
UNITS = (
    (365 * 24 * 3600, lambda n: ngettext("%(count)d year ago", "%(count)d years ago", n)),
    (30 * 24 * 3600, lambda n: ngettext("%(count)d month ago", "%(count)d months ago", n)),
    (7 * 24 * 3600, lambda n: ngettext("%(count)d week ago", "%(count)d weeks ago", n)),
    (24 * 3600, lambda n: ngettext("%(count)d day ago", "%(count)d days ago", n)),
    (3600, lambda n: ngettext("%(count)d hour ago", "%(count)d hours ago", n)),
    (60, lambda n: ngettext("%(count)d minute ago", "%(count)d minutes ago", n)),
)


@register.filter
def ago(moment, now=None) -> str:
    """'just now' for the last minute, then '3 minutes ago', '2 days ago' (the largest unit only).

    Written out here rather than with Django's timesince, which looks up translations for every value:
    a page of invitations spent more on this than on the rest of the page.
    """
    if not moment:
        return ""
    seconds = ((now or timezone.now()) - moment).total_seconds()
    for unit, (size, _) in enumerate(UNITS):
        if seconds >= size:
            return said(get_language(), unit, int(seconds // size))
    return said(get_language(), len(UNITS), 0)


@lru_cache(maxsize=2048)
def said(language: str | None, unit: int, count: int) -> str:
    """The words for ``count`` units ago in the active ``language`` (the key only), looked up once: a list
    of 1,000 members asks for the same few dozen. The catalogue is compiled in, so they never change."""
    if unit == len(UNITS):
        return gettext("just now")
    return UNITS[unit][1](count) % {"count": count}
