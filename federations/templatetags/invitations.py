"""The invitation inbox, for pages of other apps (the profile) to show without importing this app."""

from django import template

from ..lists import inbox

register = template.Library()


@register.inclusion_tag("federations/_invitation_inbox.html", takes_context=True)
def invitation_inbox(context) -> dict:
    request = context["request"]
    return {
        "invitations": inbox(request.user.pk),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
