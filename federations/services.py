"""Every change to a federation. Views, the admin and the Flower bridge call only these.

Each function is atomic, locks the federation row, checks the rule, and writes one Activity row.
Refusals raise a ``FederationError`` whose message is shown to the user as it is.
"""

from enum import Enum

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User

from .models import (
    DEFAULT_SIMULATED_SUPERNODES,
    MAX_SIMULATED_SUPERNODES,
    MIN_SIMULATED_SUPERNODES,
    Activity,
    Federation,
    Membership,
    validate_federation_name,
)

ARCHIVED_REASON = "This federation is archived and read-only."


class FederationError(Exception):
    """A refused change, with a message for the user and the form field it concerns, if any."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(FederationError):
    """The user may see the federation but lacks the right (HTTP 403)."""


class Action(Enum):
    VIEW = "view"
    CHANGE_SETTINGS = "change settings"
    ARCHIVE = "archive"


OWNER_ONLY = {
    Action.CHANGE_SETTINGS: "Only the owner can change the settings.",
    Action.ARCHIVE: "Only the owner can archive the federation.",
}
REFUSED_WHEN_ARCHIVED = {Action.CHANGE_SETTINGS}


def check_allowed(federation: Federation, membership: Membership | None, action: Action) -> None:
    """The rules of DESIGN.md §3 for one member. Non-members are the caller's concern (404)."""
    if membership is None:
        raise NotAllowed("You are not a member of this federation.")
    if action in OWNER_ONLY and not membership.is_owner:
        raise NotAllowed(OWNER_ONLY[action])
    if action in REFUSED_WHEN_ARCHIVED and federation.is_archived:
        raise NotAllowed(ARCHIVED_REASON)


def membership_of(federation: Federation, user: User) -> Membership | None:
    return federation.memberships.filter(user=user).first()


def lock(federation: Federation) -> Federation:
    """Re-read the federation under a row lock; later checks see the committed state."""
    return Federation.objects.select_for_update().select_related("owner").get(pk=federation.pk)


def record(federation: Federation, actor: User | None, verb: Activity.Verb, target: str = "") -> Activity:
    return Activity.objects.create(federation=federation, actor=actor, verb=verb, target=target)


def validate_num_supernodes(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise FederationError("Enter a whole number.", field="num_supernodes") from None
    if not MIN_SIMULATED_SUPERNODES <= number <= MAX_SIMULATED_SUPERNODES:
        raise FederationError(
            f"Choose between {MIN_SIMULATED_SUPERNODES} and {MAX_SIMULATED_SUPERNODES} simulated SuperNodes.",
            field="num_supernodes",
        )
    return number


@transaction.atomic
def create_federation(
    *,
    owner: User,
    name: str,
    kind: str,
    description: str = "",
    num_supernodes: int | None = None,
) -> Federation:
    name = (name or "").strip()
    try:
        validate_federation_name(name)
    except ValidationError as error:
        raise FederationError(error.messages[0], field="name") from None
    if kind not in Federation.Kind.values:
        raise FederationError("Choose Simulation or Deployment.", field="kind")
    # Lock the owner's row so two concurrent creations of the same name queue up.
    owner = User.objects.select_for_update().get(pk=owner.pk)
    if kind == Federation.Kind.DEPLOYMENT and not owner.has_deployment_access:
        raise FederationError(
            "Deployment federations need deployment access. Request it on your profile.", field="kind"
        )
    if Federation.objects.filter(owner=owner, name__iexact=name).exists():
        raise FederationError(f"You already have a federation named “{name}”.", field="name")

    federation = Federation(owner=owner, name=name, kind=kind, description=(description or "").strip())
    if kind == Federation.Kind.SIMULATION:
        federation.num_supernodes = validate_num_supernodes(
            DEFAULT_SIMULATED_SUPERNODES if num_supernodes in (None, "") else num_supernodes
        )
        federation.client_resources_num_cpus = 1
        federation.client_resources_num_gpus = 0.0
        federation.simulation_backend = "ray"
        federation.simulation_verbose = False
    try:
        with transaction.atomic():
            federation.save()
    except IntegrityError:
        raise FederationError(f"You already have a federation named “{name}”.", field="name") from None
    Membership.objects.create(federation=federation, user=owner, role=Membership.Role.OWNER)
    record(federation, owner, Activity.Verb.CREATED, federation.handle)
    return federation


@transaction.atomic
def set_simulation_config(*, federation: Federation, actor: User, num_supernodes) -> Federation:
    federation = lock(federation)
    check_allowed(federation, membership_of(federation, actor), Action.CHANGE_SETTINGS)
    if not federation.is_simulation:
        raise FederationError("Only simulation federations have simulated SuperNodes.", field="num_supernodes")
    number = validate_num_supernodes(num_supernodes)
    if number != federation.num_supernodes:
        federation.num_supernodes = number
        federation.save(update_fields=["num_supernodes"])
        record(federation, actor, Activity.Verb.SIMULATION_CONFIG_CHANGED, str(number))
    return federation


@transaction.atomic
def set_description(*, federation: Federation, actor: User, description: str) -> Federation:
    federation = lock(federation)
    check_allowed(federation, membership_of(federation, actor), Action.CHANGE_SETTINGS)
    description = (description or "").strip()
    max_length = Federation._meta.get_field("description").max_length
    if len(description) > max_length:
        raise FederationError(f"Keep the description under {max_length} characters.", field="description")
    if description != federation.description:
        federation.description = description
        federation.save(update_fields=["description"])
        record(federation, actor, Activity.Verb.DESCRIPTION_CHANGED)
    return federation


@transaction.atomic
def archive_federation(*, federation: Federation, actor: User) -> Federation:
    """Archive (owner only). Idempotent: archiving an archived federation changes nothing."""
    federation = lock(federation)
    check_allowed(federation, membership_of(federation, actor), Action.ARCHIVE)
    if federation.is_archived:
        return federation
    federation.archived_at = timezone.now()
    federation.save(update_fields=["archived_at"])
    record(federation, actor, Activity.Verb.ARCHIVED)
    return federation


@transaction.atomic
def unarchive_federation(*, federation: Federation, operator: User) -> Federation:
    """Operators only (the admin): make an archived federation active again."""
    if not operator.is_staff:
        raise NotAllowed("Only operators can unarchive a federation.")
    federation = lock(federation)
    if not federation.is_archived:
        return federation
    federation.archived_at = None
    federation.save(update_fields=["archived_at"])
    record(federation, operator, Activity.Verb.UNARCHIVED)
    return federation
