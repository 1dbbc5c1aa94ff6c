"""State changes to accounts. Views, admin actions and the Flower bridge call these."""

from collections.abc import Iterable

from django.db import transaction

from .models import User


@transaction.atomic
def grant_deployment_access(*, users: Iterable[User]) -> int:
    """Give each user deployment access; returns how many did not have it yet."""
    ids = [user.pk for user in users]
    return User.objects.filter(pk__in=ids, has_deployment_access=False).update(has_deployment_access=True)
