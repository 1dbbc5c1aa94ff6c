from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import ascii_iexact

# Flower's federation name rule: 1-32 characters, a letter first, then letters, digits and "-".
FEDERATION_NAME_MAX_LENGTH = 32
FEDERATION_NAME_DB_REGEX = r"^[A-Za-z][A-Za-z0-9-]{0,31}$"
MIN_SIMULATED_SUPERNODES = 1
MAX_SIMULATED_SUPERNODES = 1000
DEFAULT_SIMULATED_SUPERNODES = 10
# Every account's personal simulation federation, ``@<username>/workspace``: where stock flwr 1.42 runs
# when no federation is named (``DEFAULT_FEDERATION_SIMULATION``). The name is reserved for it.
WORKSPACE_NAME = "workspace"
WORKSPACE_SIMULATED_SUPERNODES = 2

validate_federation_name = RegexValidator(
    regex=r"^[A-Za-z][A-Za-z0-9-]{0,31}\Z",
    message="Use 1 to 32 letters, digits or hyphens, starting with a letter (no spaces or slashes).",
    code="invalid_federation_name",
)


@dataclass(frozen=True)
class SimulationSettings:
    """What Flower's ``SimulationConfig`` needs for a simulation federation."""

    num_supernodes: int
    client_resources_num_cpus: int
    client_resources_num_gpus: float
    backend: str
    verbose: bool


def split_handle(federation_id: str) -> tuple[str, str] | None:
    """``@owner/name`` to ``(owner, name)``; None when it is not written that way."""
    owner, slash, name = (federation_id or "").removeprefix("@").partition("/")
    if not (federation_id or "").startswith("@") or not slash or not owner or not name:
        return None
    return owner, name


class FederationQuerySet(models.QuerySet["Federation"]):
    def named(self, owner: str, name: str) -> Self:
        """The one way to find a federation by its owner's username and its name (case ignored)."""
        return self.filter(ascii_iexact("owner__username", owner), ascii_iexact("name", name))

    def by_handle(self, federation_id: str) -> Self:
        """The federation written ``@owner/name`` (the id the web and the CLI use), or none."""
        parts = split_handle(federation_id)
        return self.named(*parts) if parts else self.none()

    def active(self) -> Self:
        return self.filter(archived_at__isnull=True)

    def archived(self) -> Self:
        return self.filter(archived_at__isnull=False)


class Federation(models.Model):
    class Kind(models.TextChoices):
        SIMULATION = "simulation", "Simulation"
        DEPLOYMENT = "deployment", "Deployment"

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_federations")
    name = models.CharField(max_length=FEDERATION_NAME_MAX_LENGTH, validators=[validate_federation_name])
    kind = models.CharField(max_length=16, choices=Kind.choices)
    description = models.TextField(blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True)

    # Simulation config: set on simulation federations only (a check constraint says so).
    num_supernodes = models.PositiveIntegerField(
        "number of simulated SuperNodes",
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_SIMULATED_SUPERNODES), MaxValueValidator(MAX_SIMULATED_SUPERNODES)],
    )
    client_resources_num_cpus = models.PositiveIntegerField("CPUs per simulated SuperNode", null=True, blank=True)
    client_resources_num_gpus = models.FloatField("GPUs per simulated SuperNode", null=True, blank=True)
    simulation_backend = models.CharField(max_length=16, blank=True, default="")
    simulation_verbose = models.BooleanField(null=True, blank=True)

    # Only the apps on its Apps tab may run (a Hub app it uses, or that app's FAB); uploads of other FABs
    # and `flwr run .` of other code are refused (rules.Action.LAUNCH_OTHER_APP).
    its_apps_only = models.BooleanField(
        "only its apps may run",
        default=False,
        db_default=False,  # rows written in SQL (the bench's seed) need no value
        help_text="Refuse runs of apps that are not on its Apps tab.",
    )
    # Runs need a review (`flwr app review`, a key in use) by one of these accounts: their usernames,
    # space-separated (usernames never change). Empty: no review needed.
    reviewers_required = models.CharField(max_length=400, blank=True, default="", db_default="")

    objects = FederationQuerySet.as_manager()

    member_count: int  # set by ``access.load_federation`` for the page header, which then asks no more

    class Meta:
        ordering = ["owner__username", "name"]
        constraints = [
            models.UniqueConstraint(
                "owner",
                Lower("name"),
                name="federations_name_unique_per_owner_ci",
                violation_error_message="You already have a federation with that name.",
            ),
            models.CheckConstraint(condition=Q(name__regex=FEDERATION_NAME_DB_REGEX), name="federations_name_format"),
            models.CheckConstraint(
                condition=~Q(name__iexact=WORKSPACE_NAME) | Q(kind="simulation", archived_at__isnull=True),
                name="federations_workspace_is_an_active_simulation",
                violation_error_message="A workspace is a simulation federation and is never archived.",
            ),
            models.CheckConstraint(condition=Q(kind__in=["simulation", "deployment"]), name="federations_kind_valid"),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind="simulation",
                        num_supernodes__gte=MIN_SIMULATED_SUPERNODES,
                        num_supernodes__lte=MAX_SIMULATED_SUPERNODES,
                        client_resources_num_cpus__gte=1,
                        client_resources_num_gpus__gte=0,
                        simulation_verbose__isnull=False,
                    )
                    & ~Q(simulation_backend="")
                )
                | Q(
                    kind="deployment",
                    num_supernodes__isnull=True,
                    client_resources_num_cpus__isnull=True,
                    client_resources_num_gpus__isnull=True,
                    simulation_backend="",
                    simulation_verbose__isnull=True,
                ),
                name="federations_simulation_config_only_on_simulation",
            ),
        ]

    def __str__(self) -> str:
        return self.handle

    @property
    def handle(self) -> str:
        """The federation's id and display name, as Flower writes it: ``@owner/name``."""
        return f"@{self.owner.username}/{self.name}"

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    @property
    def is_simulation(self) -> bool:
        return self.kind == self.Kind.SIMULATION

    @property
    def is_workspace(self) -> bool:
        return self.name.lower() == WORKSPACE_NAME

    @property
    def only_its_apps(self) -> bool:
        return self.its_apps_only

    @property
    def required_reviewers(self) -> list[str]:
        return self.reviewers_required.split()

    @property
    def simulation_settings(self) -> SimulationSettings | None:
        if not self.is_simulation:
            return None
        # The check constraint sets them all on a simulation federation.
        assert self.num_supernodes is not None
        assert self.client_resources_num_cpus is not None
        assert self.client_resources_num_gpus is not None
        assert self.simulation_verbose is not None
        return SimulationSettings(
            num_supernodes=self.num_supernodes,
            client_resources_num_cpus=self.client_resources_num_cpus,
            client_resources_num_gpus=self.client_resources_num_gpus,
            backend=self.simulation_backend,
            verbose=self.simulation_verbose,
        )

    def url_kwargs(self) -> dict[str, Any]:
        return {"owner": self.owner.username, "name": self.name}


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MEMBER = "member", "Member"

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["federation", "joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "user"], name="federations_one_membership_per_user"),
            models.UniqueConstraint(
                fields=["federation"], condition=Q(role="owner"), name="federations_one_owner_membership"
            ),
            models.CheckConstraint(condition=Q(role__in=["owner", "member"]), name="federations_role_valid"),
        ]
        # The Members tab's order (owner first, then by joining), read a page at a time.
        indexes = [models.Index(fields=["federation", "-role", "joined_at", "id"], name="federations_member_list")]

    def __str__(self) -> str:
        return f"{self.user} in {self.federation} ({self.role})"

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class Activity(models.Model):
    """One immutable row per state change: who did what to what, when."""

    class Verb(models.TextChoices):
        CREATED = "created", "Created"
        SIMULATION_CONFIG_CHANGED = "simulation_config_changed", "Simulation config changed"
        DESCRIPTION_CHANGED = "description_changed", "Description changed"
        ARCHIVED = "archived", "Archived"
        UNARCHIVED = "unarchived", "Unarchived"
        INVITED = "invited", "Invited"
        INVITATION_REVOKED = "invitation_revoked", "Invitation revoked"
        INVITATION_ACCEPTED = "invitation_accepted", "Invitation accepted"
        INVITATION_DECLINED = "invitation_declined", "Invitation declined"
        MEMBER_LEFT = "member_left", "Member left"
        MEMBER_REMOVED = "member_removed", "Member removed"
        SUPERNODE_ADDED = "supernode_added", "SuperNode added"
        SUPERNODE_REMOVED = "supernode_removed", "SuperNode removed"
        ARTIFACTS_DELETED = "artifacts_deleted", "Artifacts deleted"
        APP_ADDED = "app_added", "App added"
        APP_REMOVED = "app_removed", "App removed"
        APP_PUBLISHED = "app_published", "App published"
        ONLY_ITS_APPS_ON = "only_its_apps_on", "Only its apps may run"
        ONLY_ITS_APPS_OFF = "only_its_apps_off", "Any app may run"
        REVIEWS_REQUIRED = "reviews_required", "Reviews required"
        REVIEWS_NOT_REQUIRED = "reviews_not_required", "Reviews no longer required"
        WEBHOOK_ADDED = "webhook_added", "Webhook added"
        WEBHOOK_REMOVED = "webhook_removed", "Webhook removed"

    SENTENCES: dict[str, str] = {
        Verb.CREATED: "created the federation",
        Verb.SIMULATION_CONFIG_CHANGED: "set the number of simulated SuperNodes to {target}",
        Verb.DESCRIPTION_CHANGED: "changed the description",
        Verb.ARCHIVED: "archived the federation",
        Verb.UNARCHIVED: "unarchived the federation",
        Verb.INVITED: "invited {target}",
        Verb.INVITATION_REVOKED: "revoked the invitation for {target}",
        Verb.INVITATION_ACCEPTED: "accepted the invitation and joined",
        Verb.INVITATION_DECLINED: "declined the invitation",
        Verb.MEMBER_LEFT: "left the federation",
        Verb.MEMBER_REMOVED: "removed {target}",
        Verb.SUPERNODE_ADDED: "added SuperNode {target}",
        Verb.SUPERNODE_REMOVED: "removed SuperNode {target}",
        Verb.ARTIFACTS_DELETED: "deleted the artifacts of {target}",
        Verb.APP_ADDED: "added the app {target}",
        Verb.APP_REMOVED: "removed the app {target}",
        Verb.APP_PUBLISHED: "published {target}",
        Verb.ONLY_ITS_APPS_ON: "let only the federation's apps run",
        Verb.ONLY_ITS_APPS_OFF: "let any app run again",
        Verb.REVIEWS_REQUIRED: "required runs to be reviewed by {target}",
        Verb.REVIEWS_NOT_REQUIRED: "stopped requiring reviews of runs",
        Verb.WEBHOOK_ADDED: "added a webhook sending to {target}",
        Verb.WEBHOOK_REMOVED: "removed the webhook sending to {target}",
    }

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="activities")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verb = models.CharField(max_length=40, choices=Verb.choices)
    target = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # Where the change came from (supergrid.sources): web, cli (flwr, through the SuperLink or the Hub
    # API), admin, or system. Rows from before it was kept say system.
    source = models.CharField(max_length=8, default="system", db_default="system")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "activities"
        indexes = [models.Index(fields=["federation", "-created_at", "-id"], name="federations_activity_feed")]

    def __str__(self) -> str:
        return f"{self.actor or 'An operator'} {self.describe()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Activity rows are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Activity rows are immutable.")

    def describe(self) -> str:
        """The event as the end of a sentence that starts with the actor's name."""
        return self.SENTENCES[self.verb].format(target=self.target)


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self, now: datetime | None = None) -> Self:
        """Pending and not yet past its expiry: the only invitations anyone can act on."""
        return self.filter(status=Invitation.Status.PENDING, expires_at__gt=now or timezone.now())

    def stale(self, now: datetime | None = None) -> Self:
        """Stored as pending but past expires_at: expired in every respect but the column."""
        return self.filter(status=Invitation.Status.PENDING, expires_at__lte=now or timezone.now())

    def ended(self, now: datetime | None = None) -> Self:
        """Everything but ``pending()``: answered, revoked, or past its expiry."""
        return self.exclude(status=Invitation.Status.PENDING, expires_at__gt=now or timezone.now())


class Invitation(models.Model):
    """An invitation to join a federation, bound to the invitee's account. Never deleted."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        REVOKED = "revoked", "Revoked"
        EXPIRED = "expired", "Expired"

    federation = models.ForeignKey(Federation, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations")
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="sent_invitations"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    responded_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True, help_text="Why it was revoked, when not by the owner.")

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "invitee"],
                condition=Q(status="pending"),
                name="federations_one_pending_invitation",
                violation_error_message="This user already has a pending invitation.",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["pending", "accepted", "declined", "revoked", "expired"]),
                name="federations_invitation_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="pending", responded_at__isnull=True) | ~Q(status="pending"),
                name="federations_pending_invitation_unanswered",
            ),
        ]
        indexes = [models.Index(fields=["invitee", "status"], name="federations_invitation_inbox")]

    def __str__(self) -> str:
        return f"{self.invitee} to {self.federation} ({self.effective_status})"

    # ``pending()`` in SQL, for the statements that stay SQL: the one other spelling of the same rule.
    PENDING_SQL = "{table}.status = %(pending)s AND {table}.expires_at > %(now)s"

    @staticmethod
    def pending_sql_params(now, connection) -> dict:
        return {"pending": Invitation.Status.PENDING, "now": connection.ops.adapt_datetimefield_value(now)}

    @classmethod
    def status_at(cls, status: str, expires_at, now) -> str:
        """The status as users see it: a pending invitation past its expiry is expired (the one place)."""
        return cls.Status.EXPIRED if status == cls.Status.PENDING and expires_at <= now else status

    def is_expired(self, now=None) -> bool:
        return self.status_at(self.status, self.expires_at, now or timezone.now()) != self.status

    @property
    def effective_status(self) -> str:
        """The status as users see it: a pending invitation past its expiry is expired."""
        return self.Status.EXPIRED if self.is_expired() else self.status

    def get_effective_status_display(self) -> str:
        return self.Status(self.effective_status).label

    @property
    def is_pending(self) -> bool:
        return self.effective_status == self.Status.PENDING

    @property
    def ended_at(self):
        return self.expires_at if self.is_expired() else self.responded_at
