"""One way to load a federation for a user: 404 to outsiders, 403 to members lacking the right."""

from django.http import Http404

from accounts.models import User

from . import lookups
from .models import Federation
from .rules import Action, Permissions


def load_federation(
    user: User, owner: str, name: str, action: Action = Action.VIEW
) -> tuple[Federation, Permissions[Federation]]:
    """The federation at ``/@owner/name/`` and the user's rights in it, if they may do ``action``."""
    found = lookups.member_page(f"@{owner}/{name}", user.pk)
    if found is None:
        # Outsiders learn nothing, not even whether the federation exists.
        raise Http404("No such federation.")
    federation, membership, member_count = found
    federation.member_count = member_count  # the header says how many; no second query
    membership.user = user
    can = Permissions(federation, membership, user.flwr_aid)
    can.check(action)  # NotAllowed is Django's 403, with the table's words
    return federation, can
