"""Every change to a federation. Views, the admin and the SuperLink adapter call only these.

Each function is atomic, locks the federation row, checks the rule, and writes one Activity row.
Who may do what is asked of the rules table (``rules.py``). Refusals raise a ``FederationError`` whose
message is shown to the user as it is and whose code the SuperLink adapter maps to Flower's.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts import services as account_services
from accounts.models import User, ascii_iexact
from accounts.notifications import enqueue_after_commit
from accounts.validators import text_problem
from supergrid import sources

from . import limits, notifications
from .limits import Limit
from .models import (
    ARCHIVED_INVITATION_REASON,
    DEFAULT_SIMULATED_SUPERNODES,
    MAX_SIMULATED_SUPERNODES,
    MIN_SIMULATED_SUPERNODES,
    WORKSPACE_DESCRIPTION,
    WORKSPACE_NAME,
    WORKSPACE_SIMULATED_SUPERNODES,
    Activity,
    Federation,
    Invitation,
    Membership,
    validate_federation_name,
)
from .rules import Action, Code, InvitationNotFound, NotAllowed, Permissions, Target
from .rules import FederationError as FederationError  # callers catch services.FederationError
from .signals import member_departed


def permissions(federation: Federation, user: User) -> Permissions[Federation]:
    membership = membership_of(federation, user)
    if membership is not None:
        membership.user = user
    return Permissions(federation, membership, user.flwr_aid)


def check_allowed(federation: Federation, user: User, action: Action, target: Target | None = None) -> Membership:
    """The rules table's verdict for ``user``; returns their membership when allowed."""
    allowed = permissions(federation, user)
    allowed.check(action, target)
    membership = allowed.membership
    assert isinstance(membership, Membership)  # check() refuses anyone who is not a member
    return membership


def membership_of(federation: Federation, user: User) -> Membership | None:
    return federation.memberships.filter(user=user).first()


def lock(federation: Federation) -> Federation:
    """Re-read the federation under a row lock; later checks see the committed state."""
    return Federation.objects.select_for_update(of=("self",)).select_related("owner").get(pk=federation.pk)


def record(federation: Federation, actor: User | None, verb: Activity.Verb, target: str = "") -> Activity:
    return Activity.objects.create(
        federation=federation, actor=actor, verb=verb, target=target, source=sources.current.get()
    )


def check_simulated_supernodes(owner: User, number: int) -> None:
    """The owner's limit on simulated SuperNodes per federation (a fair-share limit)."""
    value = limits.limit(owner, Limit.SIMULATED_SUPERNODES)
    if value and number > value:
        raise limits.LimitReached(
            ngettext(
                "A federation of yours may have at most %(limit)d simulated SuperNode; "
                "choose fewer, or ask an operator to raise your limit.",
                "A federation of yours may have at most %(limit)d simulated SuperNodes; "
                "choose fewer, or ask an operator to raise your limit.",
                value,
            )
            % {"limit": value},
            field="num_supernodes",
        )


def validate_num_supernodes(value: int | str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise FederationError(_("Enter a whole number."), field="num_supernodes") from None
    if not MIN_SIMULATED_SUPERNODES <= number <= MAX_SIMULATED_SUPERNODES:
        raise FederationError(
            _("Choose between %(min)d and %(max)d simulated SuperNodes.")
            % {"min": MIN_SIMULATED_SUPERNODES, "max": MAX_SIMULATED_SUPERNODES},
            field="num_supernodes",
        )
    return number


def clean_description(description: str) -> str:
    description = (description or "").strip()
    problem = text_problem(description, Federation._meta.get_field("description").max_length)
    if problem:
        raise FederationError(_("Description: %(problem)s") % {"problem": problem}, field="description")
    return description


@transaction.atomic
def create_federation(
    *,
    owner: User,
    name: str,
    kind: str,
    description: str = "",
    num_supernodes: int | str | None = None,
) -> Federation:
    name = (name or "").strip()
    try:
        validate_federation_name(name)
    except ValidationError as error:
        raise FederationError(error.messages[0], field="name", code=Code.INVALID_NAME) from None
    if name.lower() == WORKSPACE_NAME:
        raise FederationError(
            _("“workspace” is the name of everyone's personal workspace; choose another name."),
            field="name",
            code=Code.NAME_TAKEN,
        )
    if kind not in Federation.Kind.values:
        raise FederationError(_("Choose Simulation or Deployment."), field="kind")
    # Lock the owner's row so two concurrent creations of the same name queue up.
    owner = User.objects.select_for_update().get(pk=owner.pk)
    if kind == Federation.Kind.DEPLOYMENT and not owner.has_deployment_access:
        raise FederationError(
            _("Deployment federations need deployment access. Request it on your profile."), field="kind"
        )
    if Federation.objects.filter(ascii_iexact("name", name), owner=owner).exists():
        raise FederationError(
            _("You already have a federation named “%(name)s”.") % {"name": name}, field="name", code=Code.NAME_TAKEN
        )

    owned = Federation.objects.filter(owner=owner, archived_at__isnull=True).exclude(name__iexact=WORKSPACE_NAME)
    limits.check(
        owner,
        Limit.FEDERATIONS,
        owned.count(),
        # One form for every number: tests/flower pin "You own 1 active federations" as the CLI prints it.
        lambda limit: (
            _(
                "You own %(limit)d active federations, the most you may: archive one you no longer need, "
                "or ask an operator to raise your limit."
            )
            % {"limit": limit}
        ),
        field="name",
    )
    federation = Federation(owner=owner, name=name, kind=kind, description=clean_description(description))
    if kind == Federation.Kind.SIMULATION:
        if num_supernodes in (None, ""):  # the default, or the owner's limit when lower
            num_supernodes = min(DEFAULT_SIMULATED_SUPERNODES, limits.limit(owner, Limit.SIMULATED_SUPERNODES) or 10**9)
        federation.num_supernodes = validate_num_supernodes(num_supernodes)
        check_simulated_supernodes(owner, federation.num_supernodes)
        federation.client_resources_num_cpus = 1
        federation.client_resources_num_gpus = 0.0
        federation.simulation_backend = "ray"
        federation.simulation_verbose = False
    try:
        with transaction.atomic():
            federation.save()
    except IntegrityError:
        raise FederationError(
            _("You already have a federation named “%(name)s”.") % {"name": name}, field="name", code=Code.NAME_TAKEN
        ) from None
    Membership.objects.create(federation=federation, user=owner, role=Membership.Role.OWNER)
    record(federation, owner, Activity.Verb.CREATED, federation.handle)
    return federation


def ensure_workspace(owner: User) -> Federation:
    """The account's workspace, ``@<username>/workspace``, created the first time (2 simulated SuperNodes).

    Called when an account is created and whenever the SuperLink asks (``ensure_default_federations_exist``);
    two callers at once create one (the name is unique per owner; the loser reads the winner's).
    """
    existing = Federation.objects.filter(owner=owner, name__iexact=WORKSPACE_NAME).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            federation = Federation.objects.create(
                owner=owner,
                name=WORKSPACE_NAME,
                kind=Federation.Kind.SIMULATION,
                description=WORKSPACE_DESCRIPTION,
                num_supernodes=WORKSPACE_SIMULATED_SUPERNODES,
                client_resources_num_cpus=1,
                client_resources_num_gpus=0.0,
                simulation_backend="ray",
                simulation_verbose=False,
            )
            Membership.objects.create(federation=federation, user=owner, role=Membership.Role.OWNER)
            record(federation, owner, Activity.Verb.CREATED, federation.handle)
    except IntegrityError:
        return Federation.objects.get(owner=owner, name__iexact=WORKSPACE_NAME)
    return federation


def workspace_for_new_account(sender: type, instance: User, created: bool, raw: bool = False, **kwargs: Any) -> None:
    """``post_save`` of an account: a new account starts with its workspace (not when loading fixtures)."""
    if created and not raw:
        ensure_workspace(instance)


MAX_REQUIRED_REVIEWERS = 10


def reviewer_names(text: str) -> list[str]:
    """The accounts a federation's runs need a review by, as their usernames are spelled; refused with
    words when one is unknown or there are too many."""
    try:
        return account_services.usernames(text, limit=MAX_REQUIRED_REVIEWERS)
    except ValueError as error:
        raise FederationError(str(error), field="reviewers_required") from None


@transaction.atomic
def update_settings(
    *,
    federation: Federation,
    actor: User,
    num_supernodes: int | str | None = None,
    description: str | None = None,
    only_its_apps: bool | None = None,
    reviewers_required: str | None = None,
) -> Federation:
    """Change the settings given (``None`` leaves one as it is), all or none of them.

    One Activity row per save that changes anything. When the number of simulated SuperNodes changes, the
    row says so (the setting the next runs use) and covers a description changed with it.
    """
    federation = lock(federation)
    check_allowed(federation, actor, Action.CHANGE_SETTINGS)
    changed: list[str] = []
    if num_supernodes is not None:
        if not federation.is_simulation:
            raise FederationError(_("Only simulation federations have simulated SuperNodes."), field="num_supernodes")
        number = validate_num_supernodes(num_supernodes)
        if number > (federation.num_supernodes or 0):  # fewer is always fine, even above a limit lowered since
            check_simulated_supernodes(federation.owner, number)
        if number != federation.num_supernodes:
            federation.num_supernodes = number
            changed.append("num_supernodes")
    if description is not None:
        description = clean_description(description)
        if description != federation.description:
            federation.description = description
            changed.append("description")
    if reviewers_required is not None:
        names = reviewer_names(reviewers_required)
        if names != federation.required_reviewers:
            federation.reviewers_required = " ".join(names)
            changed.append("reviewers_required")
    if only_its_apps is not None and only_its_apps != federation.its_apps_only:
        federation.its_apps_only = only_its_apps
        changed.append("its_apps_only")
    if not changed:
        return federation
    federation.save(update_fields=changed)
    if "num_supernodes" in changed:
        record(federation, actor, Activity.Verb.SIMULATION_CONFIG_CHANGED, str(federation.num_supernodes))
    elif "description" in changed:
        record(federation, actor, Activity.Verb.DESCRIPTION_CHANGED)
    if "reviewers_required" in changed:
        if federation.required_reviewers:
            who = ", ".join(f"@{name}" for name in federation.required_reviewers)
            record(federation, actor, Activity.Verb.REVIEWS_REQUIRED, who)
        else:
            record(federation, actor, Activity.Verb.REVIEWS_NOT_REQUIRED)
    if "its_apps_only" in changed:
        record(federation, actor, Activity.Verb.ONLY_ITS_APPS_ON if only_its_apps else Activity.Verb.ONLY_ITS_APPS_OFF)
    return federation


@transaction.atomic
def archive_federation(*, federation: Federation, actor: User) -> Federation:
    """Archive (owner only). Idempotent: archiving an archived federation changes nothing."""
    federation = lock(federation)
    if permissions(federation, actor).done_already(Action.ARCHIVE):
        return federation
    now = timezone.now()
    federation.archived_at = now
    federation.save(update_fields=["archived_at"])
    federation.invitations.filter(status=Invitation.Status.PENDING).update(
        status=Invitation.Status.REVOKED, responded_at=now, reason=ARCHIVED_INVITATION_REASON
    )
    record(federation, actor, Activity.Verb.ARCHIVED)
    return federation


@transaction.atomic
def unarchive_federation(*, federation: Federation, operator: User) -> Federation:
    """Operators only (the admin): make an archived federation active again."""
    if not operator.is_staff:
        raise NotAllowed(_("Only operators can unarchive a federation."))
    federation = lock(federation)
    if not federation.is_archived:
        return federation
    federation.archived_at = None
    federation.save(update_fields=["archived_at"])
    record(federation, operator, Activity.Verb.UNARCHIVED)
    return federation


# Members and invitations


def departed_member_hooks(federation: Federation, user: User) -> None:
    """What else ends when a user stops being a member (their SuperNodes leave it: the supernodes app)."""
    member_departed.send(sender=Federation, federation=federation, user=user)


def expire_stale_invitations(federation: Federation) -> None:
    """Write down what time already decided, so a new pending invitation can take the slot."""
    federation.invitations.stale().update(status=Invitation.Status.EXPIRED)


def consume_invite_quota(user: User) -> bool:
    """Fixed-window rate limit on sending invitations ("30/h" style); False when used up."""
    count, _, period = settings.INVITATION_RATE_LIMIT.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period or "h"]
    window = int(timezone.now().timestamp() // seconds)
    key = f"invite-rate:{user.pk}:{window}"
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key) <= int(count)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=seconds)
        return True


def find_invitee(username: str) -> User:
    username = (username or "").strip().lstrip("@")
    if not username:
        raise FederationError(_("Enter the username of the person to invite."), field="username")
    invitee = User.objects.filter(ascii_iexact("username", username), is_active=True).first()
    if invitee is None:
        raise FederationError(
            _("There is no account with the username “%(username)s”.") % {"username": username},
            field="username",
            code=Code.UNKNOWN_ACCOUNT,
        )
    return invitee


@transaction.atomic
def invite(*, federation: Federation, inviter: User, username: str) -> Invitation:
    federation = lock(federation)
    check_allowed(federation, inviter, Action.INVITE)
    # Every attempt counts, unknown usernames included, so the form cannot probe for accounts.
    if not consume_invite_quota(inviter):
        raise FederationError(
            _("You are sending invitations too quickly. Wait a while and try again."), field="username"
        )
    invitee = find_invitee(username)
    if invitee.pk == inviter.pk:
        raise FederationError(_("You cannot invite yourself."), field="username")
    if federation.memberships.filter(user=invitee).exists():
        raise FederationError(_("%(username)s is already a member.") % {"username": invitee.username}, field="username")
    expire_stale_invitations(federation)
    if federation.invitations.pending().filter(invitee=invitee).exists():
        raise FederationError(
            _("%(username)s already has a pending invitation.") % {"username": invitee.username}, field="username"
        )
    if federation.invitations.pending().count() >= settings.INVITATION_PENDING_LIMIT:
        pending_limit = settings.INVITATION_PENDING_LIMIT
        raise FederationError(
            ngettext(
                "This federation already has %(count)d pending invitation. "
                "Revoke it or wait for an answer before inviting more.",
                "This federation already has %(count)d pending invitations. "
                "Revoke some or wait for answers before inviting more.",
                pending_limit,
            )
            % {"count": pending_limit},
            field="username",
        )
    now = timezone.now()
    invitation = Invitation.objects.create(
        federation=federation,
        invitee=invitee,
        inviter=inviter,
        created_at=now,
        expires_at=now + timedelta(days=settings.INVITATION_LIFETIME_DAYS),
    )
    record(federation, inviter, Activity.Verb.INVITED, invitee.username)
    enqueue_after_commit(notifications.send_invitation_email, notifications.INVITED, invitation.pk)
    return invitation


def lock_invitation(federation: Federation, invitation_id: int) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("invitee")
        .filter(pk=invitation_id, federation=federation)
        .first()
    )
    if invitation is None:
        raise InvitationNotFound(_("No such invitation."))
    return invitation


def ended_reason(invitation: Invitation) -> str:
    reasons: dict[str, str] = {
        Invitation.Status.ACCEPTED: _("This invitation was already accepted."),
        Invitation.Status.DECLINED: _("This invitation was already declined."),
        Invitation.Status.REVOKED: _("This invitation was revoked."),
        Invitation.Status.EXPIRED: _("This invitation has expired."),
    }
    return reasons[invitation.effective_status]


@transaction.atomic
def revoke_invitation(*, federation: Federation, actor: User, invitation_id: int) -> Invitation:
    federation = lock(federation)
    check_allowed(federation, actor, Action.INVITE)
    invitation = lock_invitation(federation, invitation_id)
    if not invitation.is_pending:
        raise FederationError(ended_reason(invitation))
    invitation.status = Invitation.Status.REVOKED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    record(federation, actor, Activity.Verb.INVITATION_REVOKED, invitation.invitee.username)
    return invitation


def invitation_for(user: User, invitation_id: int) -> Invitation:
    """The user's own invitation; anyone else's, or a missing one, is not found."""
    invitation = Invitation.objects.select_related("federation").filter(pk=invitation_id, invitee=user).first()
    if invitation is None:
        raise InvitationNotFound(_("No such invitation."))
    return invitation


def answer_invitation(user: User, invitation_id: int, accept: bool) -> Invitation:
    federation = lock(invitation_for(user, invitation_id).federation)
    invitation = lock_invitation(federation, invitation_id)
    if federation.is_archived:
        raise FederationError(
            _("%(federation)s is archived; its invitations have ended.") % {"federation": federation.handle}
        )
    if not invitation.is_pending:
        raise FederationError(ended_reason(invitation))
    invitation.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.DECLINED
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_at"])
    if accept:
        Membership.objects.get_or_create(federation=federation, user=user, defaults={"role": Membership.Role.MEMBER})
    verb = Activity.Verb.INVITATION_ACCEPTED if accept else Activity.Verb.INVITATION_DECLINED
    record(federation, user, verb, user.username)
    event = notifications.ACCEPTED if accept else notifications.DECLINED
    enqueue_after_commit(notifications.send_invitation_email, event, invitation.pk)
    return invitation


@transaction.atomic
def accept_invitation(*, user: User, invitation_id: int) -> Invitation:
    return answer_invitation(user, invitation_id, accept=True)


@transaction.atomic
def decline_invitation(*, user: User, invitation_id: int) -> Invitation:
    return answer_invitation(user, invitation_id, accept=False)


@transaction.atomic
def leave_federation(*, federation: Federation, user: User) -> None:
    federation = lock(federation)
    check_allowed(federation, user, Action.LEAVE).delete()
    departed_member_hooks(federation, user)
    record(federation, user, Activity.Verb.MEMBER_LEFT, user.username)


@transaction.atomic
def remove_member(*, federation: Federation, actor: User, username: str) -> User:
    federation = lock(federation)
    check_allowed(federation, actor, Action.REMOVE_MEMBER)
    target = (
        federation.memberships.select_related("user")
        .filter(ascii_iexact("user__username", (username or "").strip()))
        .first()
    )
    if target is None:
        raise FederationError(
            _("%(username)s is not a member of %(federation)s.")
            % {"username": username, "federation": federation.handle}
        )
    check_allowed(federation, actor, Action.REMOVE_MEMBER, Target(user_id=target.user_id, is_owner=target.is_owner))
    target.delete()
    departed_member_hooks(federation, target.user)
    record(federation, actor, Activity.Verb.MEMBER_REMOVED, target.user.username)
    return target.user


def check_run_settings(*, can: Permissions[Federation], overrides: dict[str, Any]) -> None:
    """A run uses its federation's own settings: a per-run value that differs from them is refused.

    ``overrides`` uses Flower's ``SimulationConfig`` field names; equal values are harmless.
    """
    can.check(Action.LAUNCH_RUN)
    federation = can.federation
    own = federation.simulation_settings
    differing = sorted(name for name, value in overrides.items() if own is None or getattr(own, name, None) != value)
    if not differing:
        return
    if own is None:
        raise FederationError(
            _("%(federation)s is a deployment federation: its runs take no simulation settings (%(settings)s).")
            % {"federation": federation.handle, "settings": ", ".join(differing)}
        )
    raise FederationError(
        ngettext(
            "Runs of %(federation)s use the federation's own settings (%(count)d simulated SuperNode); "
            "per-run overrides of %(settings)s are refused. Only the owner can change the settings, on the "
            "Settings tab.",
            "Runs of %(federation)s use the federation's own settings (%(count)d simulated SuperNodes); "
            "per-run overrides of %(settings)s are refused. Only the owner can change the settings, on the "
            "Settings tab.",
            own.num_supernodes,
        )
        % {"federation": federation.handle, "count": own.num_supernodes, "settings": ", ".join(differing)}
    )
