"""State changes to accounts. Views, admin actions and the SuperLink adapter call these."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import notifications
from .models import DeploymentAccessRequest, User
from .validators import text_problem


class AccountError(Exception):
    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@transaction.atomic
def grant_deployment_access(*, users: Iterable[User], operator: User | None = None) -> int:
    """Give each user deployment access, approving their open request; returns how many gained it."""
    ids = [user.pk for user in users]
    open_requests = DeploymentAccessRequest.objects.filter(
        user_id__in=ids, status=DeploymentAccessRequest.Status.PENDING
    )
    approved = list(open_requests.values_list("pk", flat=True))
    open_requests.update(status=DeploymentAccessRequest.Status.APPROVED, decided_at=timezone.now(), decided_by=operator)
    for request_id in approved:
        notifications.enqueue_after_commit(notifications.send_access_decision_email, request_id)
    return User.objects.filter(pk__in=ids, has_deployment_access=False).update(has_deployment_access=True)


@transaction.atomic
def request_deployment_access(*, user: User, reason: str) -> DeploymentAccessRequest:
    user = User.objects.select_for_update().get(pk=user.pk)
    reason = (reason or "").strip()
    if user.has_deployment_access:
        raise AccountError("You already have deployment access.")
    if not reason:
        raise AccountError("Tell the operators what you want to run on real SuperNodes.", field="reason")
    problem = text_problem(reason, 2000)
    if problem:
        raise AccountError(problem, field="reason")
    if user.deployment_access_requests.filter(status=DeploymentAccessRequest.Status.PENDING).exists():
        raise AccountError("You already have an open request; an operator will answer it.")
    try:
        with transaction.atomic():
            return DeploymentAccessRequest.objects.create(user=user, reason=reason)
    except IntegrityError:
        raise AccountError("You already have an open request; an operator will answer it.") from None


@transaction.atomic
def decide_deployment_access(*, access_request: DeploymentAccessRequest, operator: User, approve: bool) -> bool:
    """Approve or deny an open request; returns False when it was already decided."""
    access_request = DeploymentAccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if not access_request.is_pending:
        return False
    access_request.status = (
        DeploymentAccessRequest.Status.APPROVED if approve else DeploymentAccessRequest.Status.DENIED
    )
    access_request.decided_at = timezone.now()
    access_request.decided_by = operator
    access_request.save(update_fields=["status", "decided_at", "decided_by"])
    if approve:
        User.objects.filter(pk=access_request.user_id).update(has_deployment_access=True)
    notifications.enqueue_after_commit(notifications.send_access_decision_email, access_request.pk)
    return True
