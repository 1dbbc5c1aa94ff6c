import hashlib
import uuid
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import CharField, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .validators import USERNAME_DB_REGEX, USERNAME_MAX_LENGTH, validate_username

# `field__lower="x"` compiles to LOWER(field) = 'x', which the case-insensitive unique indexes serve.
CharField.register_lookup(Lower)


def ascii_iexact(field: str, value: str) -> Q:
    """Match an ASCII name ignoring ASCII case only.

    Usernames and federation names are ASCII by rule. Django's ``__iexact`` becomes ``UPPER()`` on
    PostgreSQL, which folds Unicode (``UPPER('ı') = 'I'``) and so lets ``alıce`` reach ``alice``;
    Python's ``lower()`` folds the Kelvin sign to ``k``. Non-ASCII input therefore matches nothing.
    """
    value = value or ""
    if not (value.isascii() and value.isprintable()):
        return Q(pk__in=[])
    return Q(**{f"{field}__lower": value.lower()})


def new_flwr_aid() -> str:
    return str(uuid.uuid4())


class AccountManager(UserManager["User"]):
    def get_by_natural_key(self, username):
        # Account names are unique ignoring case, so sign-in ignores case too.
        return self.get(ascii_iexact("username", username))


class User(AbstractUser):
    """A portal account; ``username`` is the Flower account name."""

    username = models.CharField(
        _("username"),
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        validators=[validate_username],
        help_text=_("Your Flower account name: 1–39 letters, digits, - or _, starting with a letter or digit."),
        error_messages={"unique": _("That username is taken.")},
    )
    flwr_aid = models.CharField(
        _("Flower account id"),
        max_length=36,
        unique=True,
        default=new_flwr_aid,
        editable=False,
        help_text=_("Stable account id used by the Flower SuperLink; never changes."),
    )
    has_deployment_access = models.BooleanField(
        _("deployment access"),
        default=False,
        help_text=_("May create deployment federations with real SuperNodes."),
    )
    # An operator's overrides of the grid's fair-share limits (settings LIMIT_*; federations.limits): empty
    # takes the default, 0 means no limit. On the user's row, so checking them costs no query.
    limit_federations = models.PositiveIntegerField(
        _("active federations owned"), null=True, blank=True, help_text=_("Their workspace does not count.")
    )
    limit_runs = models.PositiveIntegerField(
        _("runs at once"), null=True, blank=True, help_text=_("Pending or running.")
    )
    limit_runs_per_federation = models.PositiveIntegerField(
        _("runs at once in a federation they own"), null=True, blank=True
    )
    limit_supernodes = models.PositiveIntegerField(_("SuperNodes registered"), null=True, blank=True)
    limit_simulated_supernodes = models.PositiveIntegerField(
        _("simulated SuperNodes per federation they own"), null=True, blank=True
    )

    # The language pages, emails and the CLI's refusals use (accounts.languages); empty follows the browser.
    language = models.CharField(
        _("language"),
        max_length=8,
        blank=True,
        default="",
        db_default="",
        choices=[("", _("The browser's language")), *settings.LANGUAGES],
    )

    objects: ClassVar[AccountManager] = AccountManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message=_("That username is taken."),
            ),
            models.CheckConstraint(
                condition=models.Q(username__regex=USERNAME_DB_REGEX),
                name="accounts_user_username_format",
                violation_error_message=_(
                    "Usernames use 1 to 39 letters, digits, - or _, starting with a letter or digit."
                ),
            ),
            # A saved language is one the portal offers, or none (the browser's): services.set_language.
            models.CheckConstraint(
                condition=models.Q(language__in=["", *(code for code, _name in settings.LANGUAGES)]),
                name="accounts_user_language_offered",
            ),
        ]

    def __str__(self) -> str:
        return self.username

    def set_password(self, raw_password):
        """A new password also signs out every flwr CLI: it is how a user evicts an intruder."""
        super().set_password(raw_password)
        if self.pk is not None:
            self.cli_sessions_ended = self.cli_sessions.filter(revoked_at__isnull=True).update(
                revoked_at=timezone.now()
            )


class DeploymentAccessRequest(models.Model):
    """A user's request for deployment access; operators approve or deny it in the admin."""

    class Status(models.TextChoices):
        PENDING = "pending", pgettext_lazy("access request status", "Pending")
        APPROVED = "approved", pgettext_lazy("access request status", "Approved")
        DENIED = "denied", pgettext_lazy("access request status", "Denied")

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="deployment_access_requests", verbose_name=_("user")
    )
    reason = models.TextField(_("reason"), max_length=2000)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )

    class Meta:
        verbose_name = _("deployment access request")
        verbose_name_plural = _("deployment access requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=models.Q(status="pending"), name="accounts_one_open_access_request"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "approved", "denied"]), name="accounts_access_request_status"
            ),
        ]

    def __str__(self) -> str:
        described = {
            "pending": gettext("Deployment access for %(user)s (pending)"),
            "approved": gettext("Deployment access for %(user)s (approved)"),
            "denied": gettext("Deployment access for %(user)s (denied)"),
        }
        return described[self.status] % {"user": self.user}

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


# What the portal keeps for the Flower CLI: device logins and the sessions they create.


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DeviceAuthorization(models.Model):
    """One `flwr login`: the CLI polls with the secret device code while a person approves the user code."""

    device_code_hash = models.CharField(max_length=64, unique=True)
    user_code = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    approved_by = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True, approved_at__isnull=True)
                | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="accounts_device_approval_complete",
            ),
            models.CheckConstraint(
                condition=Q(consumed_at__isnull=True) | Q(approved_at__isnull=False),
                name="accounts_device_consumed_after_approval",
            ),
        ]

    def __str__(self) -> str:
        return f"flwr login {self.user_code}"

    def is_expired(self, now=None) -> bool:
        return self.expires_at <= (now or timezone.now())


class CliSession(models.Model):
    """Tokens of one signed-in `flwr` CLI; only hashes are stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="cli_sessions")
    access_token_hash = models.CharField(max_length=64, unique=True)
    refresh_token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    access_expires_at = models.DateTimeField()
    refresh_expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="accounts_cli_session_owner")]

    def __str__(self) -> str:
        return gettext("flwr CLI session of %(user)s") % {"user": self.user}


class SigningKey(models.Model):
    """An Ed25519 public key someone reviews apps with (`flwr app review` signs with its private half).

    Removing a key keeps the row: the reviews it made stay visible, marked as made with a removed key, and
    stop counting. ``key_id`` is its SHA256 fingerprint, which names it in a SuperNode's trusted-entities
    file and in a FAB's verifications.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="signing_keys", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=64)
    # The OpenSSH line: ssh-ed25519 AAAA… (without a comment).
    public_key = models.CharField(_("public key"), max_length=200)
    key_id = models.CharField(_("key id"), max_length=60)  # SHA256:… as ssh-keygen -l prints it
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    removed_at = models.DateTimeField(_("removed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["created_at", "id"]
        constraints = [
            # A key belongs to one account (while it is in use).
            models.UniqueConstraint(
                "key_id",
                condition=models.Q(removed_at__isnull=True),
                name="accounts_signing_key_in_use_once",
                violation_error_message=_("This key is already registered."),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(name)s (%(key_id)s) of %(user)s") % {
            "name": self.name,
            "key_id": self.key_id,
            "user": self.user,
        }

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None
