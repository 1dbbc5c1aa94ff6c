"""Live counts from the SuperLink, for the Overview tab (owned by federations) to show."""

from django import template

from ..views import live_counts

register = template.Library()


@register.inclusion_tag("runs/_overview_live.html", takes_context=True)
def overview_live(context, federation) -> dict:
    return {"federation": federation, "live": live_counts(context["request"].user, federation)}
