from django import template
from django.utils import timezone

register = template.Library()

# Largest unit first; months and years are approximate, as in Django's timesince.
UNITS = (
    ("year", 365 * 24 * 3600),
    ("month", 30 * 24 * 3600),
    ("week", 7 * 24 * 3600),
    ("day", 24 * 3600),
    ("hour", 3600),
    ("minute", 60),
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
    for unit, size in UNITS:
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"
