from datetime import timedelta

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

register = template.Library()


@register.filter
def ago(moment, now=None) -> str:
    """'just now' for the last minute, then '3 minutes ago' (Django's timesince says '0 minutes')."""
    if not moment:
        return ""
    now = now or timezone.now()
    if now - moment < timedelta(minutes=1):
        return "just now"
    return f"{timesince(moment, now)} ago"
