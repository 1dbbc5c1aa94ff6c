from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict:
    """What the header needs on every page."""
    return {"pending_invitation_count": 0}
