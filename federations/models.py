import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import ascii_iexact
from accounts.validators import USERNAME_MAX_LENGTH
from supergrid import sources

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

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
# Stored in English when a workspace is created (services.ensure_workspace); shown in the reader's language
# while its owner has not written their own (``shown_description``).
WORKSPACE_DESCRIPTION = gettext_noop("Personal workspace")
# Why pending invitations ended when their federation was archived: stored in English, shown translated.
ARCHIVED_INVITATION_REASON = gettext_noop("The federation was archived.")
ARTIFACTS_TARGET = re.compile(r"run (\d+)")  # an ARTIFACTS_DELETED activity's target

validate_federation_name = RegexValidator(
    regex=r"^[A-Za-z][A-Za-z0-9-]{0,31}\Z",
    message=_("Use 1 to 32 letters, digits or hyphens, starting with a letter (no spaces or slashes)."),
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


def shown_description(description: str) -> str:
    """A federation's description as shown: the workspace's own default in the reader's language."""
    return gettext(description) if description == WORKSPACE_DESCRIPTION else description


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
        SIMULATION = "simulation", _("Simulation")
        DEPLOYMENT = "deployment", _("Deployment")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_federations", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=FEDERATION_NAME_MAX_LENGTH, validators=[validate_federation_name])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)

    # Simulation config: set on simulation federations only (a check constraint says so).
    num_supernodes = models.PositiveIntegerField(
        _("number of simulated SuperNodes"),
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_SIMULATED_SUPERNODES), MaxValueValidator(MAX_SIMULATED_SUPERNODES)],
    )
    client_resources_num_cpus = models.PositiveIntegerField(_("CPUs per simulated SuperNode"), null=True, blank=True)
    client_resources_num_gpus = models.FloatField(_("GPUs per simulated SuperNode"), null=True, blank=True)
    simulation_backend = models.CharField(_("simulation backend"), max_length=16, blank=True, default="")
    simulation_verbose = models.BooleanField(_("simulation verbose"), null=True, blank=True)

    # Only the apps on its Apps tab may run (a Hub app it uses, or that app's FAB); uploads of other FABs
    # and `flwr run .` of other code are refused (rules.Action.LAUNCH_OTHER_APP).
    its_apps_only = models.BooleanField(
        _("only its apps may run"),
        default=False,
        db_default=False,  # rows written in SQL (the bench's seed) need no value
        help_text=_("Refuse runs of apps that are not on its Apps tab."),
    )
    # Runs need a review (`flwr app review`, a key in use) by one of these accounts: their usernames,
    # space-separated (usernames never change). Empty: no review needed.
    reviewers_required = models.CharField(
        _("reviewers required"), max_length=400, blank=True, default="", db_default=""
    )

    objects = FederationQuerySet.as_manager()

    member_count: int  # set by ``access.load_federation`` for the page header, which then asks no more

    class Meta:
        verbose_name = _("federation")
        verbose_name_plural = _("federations")
        ordering = ["owner__username", "name"]
        constraints = [
            models.UniqueConstraint(
                "owner",
                Lower("name"),
                name="federations_name_unique_per_owner_ci",
                violation_error_message=_("You already have a federation with that name."),
            ),
            models.CheckConstraint(condition=Q(name__regex=FEDERATION_NAME_DB_REGEX), name="federations_name_format"),
            models.CheckConstraint(
                condition=~Q(name__iexact=WORKSPACE_NAME) | Q(kind="simulation", archived_at__isnull=True),
                name="federations_workspace_is_an_active_simulation",
                violation_error_message=_("A workspace is a simulation federation and is never archived."),
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
    def shown_description(self) -> str:
        return shown_description(self.description)

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
        OWNER = "owner", _("Owner")
        MEMBER = "member", _("Member")

    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("federation")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    # The federation's place in the member's list (the dashboard, `flwr federation list`): their own
    # workspace first, then by owner and name. Copied here when the membership is made (``save``): a
    # federation's owner and name, and a username, never change. The member's page of that list is then
    # one range of ``federations_member_sorted``, however many federations they are in.
    sort_first = models.BooleanField(_("listed first"), default=False, editable=False)
    sort_owner = models.CharField(_("owner's username"), max_length=USERNAME_MAX_LENGTH, editable=False)
    sort_name = models.CharField(_("federation name"), max_length=FEDERATION_NAME_MAX_LENGTH, editable=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["federation", "joined_at"]
        constraints = [
            models.UniqueConstraint(fields=["federation", "user"], name="federations_one_membership_per_user"),
            models.UniqueConstraint(
                fields=["federation"], condition=Q(role="owner"), name="federations_one_owner_membership"
            ),
            models.CheckConstraint(condition=Q(role__in=["owner", "member"]), name="federations_role_valid"),
            models.CheckConstraint(
                condition=~Q(sort_owner="") & ~Q(sort_name=""), name="federations_membership_sort_key_set"
            ),
        ]
        indexes = [
            # The Members tab's order (owner first, then by joining), read a page at a time.
            models.Index(fields=["federation", "-role", "joined_at", "id"], name="federations_member_list"),
            # A member's federations in the order they are listed, read a page at a time.
            models.Index(fields=["user", "-sort_first", "sort_owner", "sort_name"], name="federations_member_sorted"),
        ]

    def __str__(self) -> str:
        # The role's label in lower case, as in English "alice in @alice/lab (owner)".
        role = str(self.Role(self.role).label).lower()
        return gettext("%(user)s in %(federation)s (%(role)s)") % {
            "user": self.user,
            "federation": self.federation,
            "role": role,
        }

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.sort_owner:  # made now: its place in the member's list, for good
            federation = self.federation
            self.sort_owner, self.sort_name = federation.owner.username, federation.name
            self.sort_first = federation.owner_id == self.user_id and federation.is_workspace
        super().save(*args, **kwargs)

    @property
    def is_owner(self) -> bool:
        return self.role == self.Role.OWNER


class Activity(models.Model):
    """One immutable row per state change: who did what to what, when."""

    class Verb(models.TextChoices):
        CREATED = "created", pgettext_lazy("activity", "Created")
        SIMULATION_CONFIG_CHANGED = "simulation_config_changed", pgettext_lazy("activity", "Simulation config changed")
        DESCRIPTION_CHANGED = "description_changed", pgettext_lazy("activity", "Description changed")
        ARCHIVED = "archived", pgettext_lazy("activity", "Archived")
        UNARCHIVED = "unarchived", pgettext_lazy("activity", "Unarchived")
        INVITED = "invited", pgettext_lazy("activity", "Invited")
        INVITATION_REVOKED = "invitation_revoked", pgettext_lazy("activity", "Invitation revoked")
        INVITATION_ACCEPTED = "invitation_accepted", pgettext_lazy("activity", "Invitation accepted")
        INVITATION_DECLINED = "invitation_declined", pgettext_lazy("activity", "Invitation declined")
        MEMBER_LEFT = "member_left", pgettext_lazy("activity", "Member left")
        MEMBER_REMOVED = "member_removed", pgettext_lazy("activity", "Member removed")
        SUPERNODE_ADDED = "supernode_added", pgettext_lazy("activity", "SuperNode added")
        SUPERNODE_REMOVED = "supernode_removed", pgettext_lazy("activity", "SuperNode removed")
        ARTIFACTS_DELETED = "artifacts_deleted", pgettext_lazy("activity", "Artifacts deleted")
        APP_ADDED = "app_added", pgettext_lazy("activity", "App added")
        APP_REMOVED = "app_removed", pgettext_lazy("activity", "App removed")
        APP_PUBLISHED = "app_published", pgettext_lazy("activity", "App published")
        ONLY_ITS_APPS_ON = "only_its_apps_on", pgettext_lazy("activity", "Only its apps may run")
        ONLY_ITS_APPS_OFF = "only_its_apps_off", pgettext_lazy("activity", "Any app may run")
        REVIEWS_REQUIRED = "reviews_required", pgettext_lazy("activity", "Reviews required")
        REVIEWS_NOT_REQUIRED = "reviews_not_required", pgettext_lazy("activity", "Reviews no longer required")
        WEBHOOK_ADDED = "webhook_added", pgettext_lazy("activity", "Webhook added")
        WEBHOOK_REMOVED = "webhook_removed", pgettext_lazy("activity", "Webhook removed")

    # Lazy: the row stores the verb and the target, and each reader reads the words in their language.
    SENTENCES: dict[str, "StrOrPromise"] = {
        Verb.CREATED: _("created the federation"),
        Verb.SIMULATION_CONFIG_CHANGED: _("set the number of simulated SuperNodes to %(target)s"),
        Verb.DESCRIPTION_CHANGED: _("changed the description"),
        Verb.ARCHIVED: _("archived the federation"),
        Verb.UNARCHIVED: _("unarchived the federation"),
        Verb.INVITED: _("invited %(target)s"),
        Verb.INVITATION_REVOKED: _("revoked the invitation for %(target)s"),
        Verb.INVITATION_ACCEPTED: _("accepted the invitation and joined"),
        Verb.INVITATION_DECLINED: _("declined the invitation"),
        Verb.MEMBER_LEFT: _("left the federation"),
        Verb.MEMBER_REMOVED: _("removed %(target)s"),
        Verb.SUPERNODE_ADDED: _("added SuperNode %(target)s"),
        Verb.SUPERNODE_REMOVED: _("removed SuperNode %(target)s"),
        Verb.ARTIFACTS_DELETED: _("deleted the artifacts of %(target)s"),
        Verb.APP_ADDED: _("added the app %(target)s"),
        Verb.APP_REMOVED: _("removed the app %(target)s"),
        Verb.APP_PUBLISHED: _("published %(target)s"),
        Verb.ONLY_ITS_APPS_ON: _("let only the federation's apps run"),
        Verb.ONLY_ITS_APPS_OFF: _("let any app run again"),
        Verb.REVIEWS_REQUIRED: _("required runs to be reviewed by %(target)s"),
        Verb.REVIEWS_NOT_REQUIRED: _("stopped requiring reviews of runs"),
        Verb.WEBHOOK_ADDED: _("added a webhook sending to %(target)s"),
        Verb.WEBHOOK_REMOVED: _("removed the webhook sending to %(target)s"),
    }

    # Where the change came from (supergrid.sources), as the admin shows it.
    SOURCES = [
        (sources.WEB, pgettext_lazy("activity source", "web")),
        (sources.CLI, pgettext_lazy("activity source", "cli")),
        (sources.ADMIN, pgettext_lazy("activity source", "admin")),
        (sources.SYSTEM, pgettext_lazy("activity source", "system")),
    ]

    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="activities", verbose_name=_("federation")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    verb = models.CharField(_("verb"), max_length=40, choices=Verb.choices)
    target = models.CharField(_("target"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    # Where the change came from (supergrid.sources): web, cli (flwr, through the SuperLink or the Hub
    # API), admin, or system. Rows from before it was kept say system.
    source = models.CharField(_("source"), max_length=8, choices=SOURCES, default="system", db_default="system")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [models.Index(fields=["federation", "-created_at", "-id"], name="federations_activity_feed")]

    def __str__(self) -> str:
        return f"{self.actor or gettext('An operator')} {self.describe()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValidationError("Activity rows are immutable.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("Activity rows are immutable.")

    def describe(self) -> str:
        """The event as the end of a sentence that starts with the actor's name, in the reader's language."""
        if self.verb == self.Verb.ARTIFACTS_DELETED and (run := ARTIFACTS_TARGET.fullmatch(self.target)):
            # Stored as "run <id>" (runs.services): the word "run" is said in the reader's language too.
            return gettext("deleted the artifacts of run %(run_id)s") % {"run_id": run[1]}
        return self.SENTENCES[self.verb] % {"target": self.target}


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
        PENDING = "pending", pgettext_lazy("invitation status", "Pending")
        ACCEPTED = "accepted", pgettext_lazy("invitation status", "Accepted")
        DECLINED = "declined", pgettext_lazy("invitation status", "Declined")
        REVOKED = "revoked", pgettext_lazy("invitation status", "Revoked")
        EXPIRED = "expired", pgettext_lazy("invitation status", "Expired")

    federation = models.ForeignKey(
        Federation, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("federation")
    )
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations", verbose_name=_("invitee")
    )
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="sent_invitations",
        verbose_name=_("inviter"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    reason = models.CharField(
        _("reason"), max_length=200, blank=True, help_text=_("Why it was revoked, when not by the owner.")
    )

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["federation", "invitee"],
                condition=Q(status="pending"),
                name="federations_one_pending_invitation",
                violation_error_message=_("This user already has a pending invitation."),
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
        # The status's label in lower case, as in English "bob to @alice/lab (pending)".
        return gettext("%(invitee)s to %(federation)s (%(status)s)") % {
            "invitee": self.invitee,
            "federation": self.federation,
            "status": self.get_effective_status_display().lower(),
        }

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
        return str(self.Status(self.effective_status).label)  # in the reader's language

    @property
    def is_pending(self) -> bool:
        return self.effective_status == self.Status.PENDING

    @property
    def ended_at(self):
        return self.expires_at if self.is_expired() else self.responded_at
