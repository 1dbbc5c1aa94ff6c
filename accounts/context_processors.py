from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    """The header's pending-invitations count, on every page (one query, only when signed in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from federations.models import Invitation

    count = Invitation.objects.pending().filter(invitee=user)
    return {"pending_invitation_count": lambda: count.count()}
