import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models.functions import Lower

from .validators import USERNAME_DB_REGEX, USERNAME_MAX_LENGTH, validate_username


def new_flwr_aid() -> str:
    return str(uuid.uuid4())


class AccountManager(UserManager):
    def get_by_natural_key(self, username):
        # Account names are unique ignoring case, so sign-in ignores case too.
        return self.get(username__iexact=username)


class User(AbstractUser):
    """A portal account; ``username`` is the Flower account name."""

    username = models.CharField(
        "username",
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        validators=[validate_username],
        help_text="Your Flower account name: 1–39 letters, digits, - or _, starting with a letter or digit.",
        error_messages={"unique": "That username is taken."},
    )
    flwr_aid = models.CharField(
        "Flower account id",
        max_length=36,
        unique=True,
        default=new_flwr_aid,
        editable=False,
        help_text="Stable account id used by the Flower SuperLink; never changes.",
    )
    has_deployment_access = models.BooleanField(
        "deployment access",
        default=False,
        help_text="May create deployment federations with real SuperNodes.",
    )

    objects = AccountManager()

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                Lower("username"),
                name="accounts_user_username_ci_unique",
                violation_error_message="That username is taken.",
            ),
            models.CheckConstraint(
                condition=models.Q(username__regex=USERNAME_DB_REGEX),
                name="accounts_user_username_format",
                violation_error_message=(
                    "Usernames use 1 to 39 letters, digits, - or _, starting with a letter or digit."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.username


class DeploymentAccessRequest(models.Model):
    """A user's request for deployment access; operators approve or deny it in the admin."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        DENIED = "denied", "Denied"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="deployment_access_requests")
    reason = models.TextField(max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
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
        return f"Deployment access for {self.user} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
