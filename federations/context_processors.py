from django.http import HttpRequest

from .models import Invitation


def navigation(request: HttpRequest) -> dict:
    """The header's pending-invitations count, on every page (one query, only when signed in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = Invitation.objects.pending().filter(invitee=user)
    return {"pending_invitation_count": lambda: count.count()}
