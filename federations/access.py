"""One way to load a federation for a user: 404 to outsiders, 403 to members lacking the right."""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .models import Federation, Membership
from .rules import Action, NotAllowed, Permissions


def load_federation(user, owner: str, name: str, action: Action = Action.VIEW) -> tuple[Federation, Permissions]:
    """The federation at ``/@owner/name/`` and the user's rights in it, if they may do ``action``."""
    membership = (
        Membership.objects.select_related("federation__owner")
        .filter(user=user, federation__in=Federation.objects.named(owner, name))
        .first()
    )
    if membership is None:
        # Outsiders learn nothing, not even whether the federation exists.
        raise Http404("No such federation.")
    membership.user = user
    can = Permissions(membership.federation, membership)
    try:
        can.check(action)
    except NotAllowed as refusal:
        raise PermissionDenied(refusal.message) from None
    return membership.federation, can
