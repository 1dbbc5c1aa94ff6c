"""One way to load a federation for a user: 404 to outsiders, 403 to members lacking the right."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Federation, Membership
from .services import Action, NotAllowed, check_allowed


def load_federation(user, owner: str, name: str, action: Action = Action.VIEW) -> tuple[Federation, Membership]:
    membership = (
        Membership.objects.select_related("federation__owner")
        .filter(user=user, federation__owner__username__iexact=owner, federation__name__iexact=name)
        .first()
    )
    if membership is None:
        # Outsiders learn nothing, not even whether the federation exists.
        raise Http404("No such federation.")
    federation = membership.federation
    try:
        check_allowed(federation, membership, action)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    return federation, membership
