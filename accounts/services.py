"""State changes to accounts. Views, admin actions and the SuperLink adapter call these."""

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import notifications
from .languages import SUPPORTED
from .models import DeploymentAccessRequest, SigningKey, User, ascii_iexact
from .signing_keys import InvalidSigningKey, parse_signing_key
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
        raise AccountError(_("You already have deployment access."))
    if not reason:
        raise AccountError(_("Tell the operators what you want to run on real SuperNodes."), field="reason")
    problem = text_problem(reason, 2000)
    if problem:
        raise AccountError(problem, field="reason")
    if user.deployment_access_requests.filter(status=DeploymentAccessRequest.Status.PENDING).exists():
        raise AccountError(_("You already have an open request; an operator will answer it."))
    try:
        with transaction.atomic():
            return DeploymentAccessRequest.objects.create(user=user, reason=reason)
    except IntegrityError:
        raise AccountError(_("You already have an open request; an operator will answer it.")) from None


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


MAX_SIGNING_KEYS = 20  # in use at once, per account


def add_signing_key(*, user: User, name: str, public_key: str) -> SigningKey:
    """Register an Ed25519 public key for reviewing apps (refused with words: the field says why)."""
    name = (name or "").strip()
    if not name:
        raise AccountError(_("Give the key a name you will recognise, e.g. laptop."), field="name")
    if len(name) > 64:
        raise AccountError(_("Keep the name to 64 characters."), field="name")
    try:
        parsed = parse_signing_key(public_key)
    except InvalidSigningKey as error:
        raise AccountError(str(error), field="public_key") from None
    with transaction.atomic():
        User.objects.select_for_update().get(pk=user.pk)  # one add at a time per account: the limit holds
        in_use = user.signing_keys.filter(removed_at__isnull=True)
        if in_use.count() >= MAX_SIGNING_KEYS:
            raise AccountError(
                ngettext(
                    "You have %(count)d key; remove one you no longer use first.",
                    "You have %(count)d keys; remove one you no longer use first.",
                    MAX_SIGNING_KEYS,
                )
                % {"count": MAX_SIGNING_KEYS}
            )
        if SigningKey.objects.filter(key_id=parsed.key_id, removed_at__isnull=True).exists():
            raise AccountError(_("This key is already registered."), field="public_key")
        try:
            with transaction.atomic():
                return SigningKey.objects.create(
                    user=user, name=name, public_key=parsed.public_key, key_id=parsed.key_id
                )
        except IntegrityError:  # registered by someone else a moment ago
            raise AccountError(_("This key is already registered."), field="public_key") from None


def remove_signing_key(*, user: User, key_id: int) -> SigningKey:
    """Remove one of the user's keys: its reviews stay visible, marked, and no longer count."""
    key = user.signing_keys.filter(pk=key_id, removed_at__isnull=True).first()
    if key is None:
        raise AccountError(_("No such key."))
    key.removed_at = timezone.now()
    key.save(update_fields=["removed_at"])
    return key


def set_language(*, user: User, language: str) -> None:
    """The language the portal, the person's emails and their CLI's refusals use; "" follows the browser."""
    if language and language not in SUPPORTED:
        raise AccountError(_("Choose one of the languages offered."), field="language")
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def usernames(text: str, *, limit: int) -> list[str]:
    """Accounts named in a text (spaces or commas between, an optional @), as their usernames are spelled;
    ValueError with words for an unknown one or too many."""
    wanted = [name.removeprefix("@") for name in (text or "").replace(",", " ").split()]
    if len(wanted) > limit:
        raise ValueError(
            ngettext("Name at most %(limit)d account.", "Name at most %(limit)d accounts.", limit) % {"limit": limit}
        )
    found: list[str] = []
    for name in wanted:
        user = User.objects.filter(ascii_iexact("username", name), is_active=True).first()
        if user is None:
            raise ValueError(_("There is no account named %(name)s.") % {"name": name[:40]})
        if user.username not in found:
            found.append(user.username)
    return found
