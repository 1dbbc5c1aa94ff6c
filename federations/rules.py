"""The rules of docs/rules.md as one table of data, and the one predicate everybody asks.

Services, views, templates (through ``Permissions`` in the context) and the SuperLink adapter call
``permissions(...).may(action, target)`` or ``.check(action, target)``; nobody re-derives a rule from
``is_owner`` or ``is_archived``. A refusal carries a ``Code`` so the adapter can answer the CLI with
Flower's error codes without reading the message.
"""

from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Code(StrEnum):
    """Why something was refused; the SuperLink adapter maps each to one of Flower's error codes."""

    NOT_MEMBER = "not_member"
    FORBIDDEN = "forbidden"
    ARCHIVED = "archived"
    INVALID = "invalid"
    INVALID_NAME = "invalid_name"
    NAME_TAKEN = "name_taken"
    UNKNOWN_ACCOUNT = "unknown_account"
    INVITATION_NOT_FOUND = "invitation_not_found"
    NODE_NOT_FOUND = "node_not_found"
    NOT_READY = "not_ready"  # asked too early: a run's artifacts still being packed, or none kept
    APP_NOT_FOUND = "app_not_found"  # no such Hub app or version (or a private one the asker cannot see)
    LIMIT = "limit"  # a fair-share limit reached (federations.limits): Flower's EntitlementError


class Refusal(Exception):
    """A refused change, with a message for the user, the form field it concerns and a code.

    Each kind carries its HTTP meaning, so views never translate one by hand: a ``FederationError`` is
    shown next to the form or as a message on the page, ``NotAllowed`` is Django's 403 and
    ``InvitationNotFound`` its 404 (their pages print the message). The SuperLink adapter answers the CLI
    with every kind, by code.
    """

    code = Code.INVALID

    def __init__(self, message: "StrOrPromise", *, field: str | None = None, code: Code | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code


class FederationError(Refusal):
    """Not possible as asked (a name taken, an unknown account, already a member): said on the page."""


class NotAllowed(Refusal, PermissionDenied):
    """The user may see the federation but lacks the right: HTTP 403."""

    code = Code.FORBIDDEN


class InvitationNotFound(Refusal, Http404):
    """Not the user's invitation, or none at all: answered like a missing page, HTTP 404."""

    code = Code.INVITATION_NOT_FOUND


class Action(StrEnum):
    VIEW = "view"
    VIEW_SETTINGS = "view_settings"
    CHANGE_SETTINGS = "change_settings"
    INVITE = "invite"
    SEE_INVITATION_HISTORY = "see_invitation_history"
    REMOVE_MEMBER = "remove_member"
    LEAVE = "leave"
    ADD_SUPERNODE = "add_supernode"
    REMOVE_SUPERNODE = "remove_supernode"
    LAUNCH_RUN = "launch_run"
    LAUNCH_OTHER_APP = "launch_other_app"  # a run of an app that is not on the federation's Apps tab
    READ_RUNS = "read_runs"
    STOP_RUN = "stop_run"
    DOWNLOAD_ARTIFACTS = "download_artifacts"
    MANAGE_APPS = "manage_apps"
    ARCHIVE = "archive"


class Who(StrEnum):
    MEMBER = "members (owner included)"
    OWNER = "the owner"
    MEMBER_NOT_OWNER = "any member except the owner"
    OWNER_NOT_ON_OWNER = "the owner, never on the owner"
    MEMBER_OWN_NODE = "a member, with their own registered SuperNode"
    NODE_OWNER_OR_OWNER = "the SuperNode's owner, or the federation's owner"
    LAUNCHER_OR_OWNER = "whoever launched the run, or the federation's owner"


@dataclass(frozen=True)
class Rule:
    who: Who
    when_archived: bool  # still allowed once the federation is archived
    refusal: "StrOrPromise"  # what someone who is not `who` is told
    deployment_only: bool = False  # refused in simulation federations, with SIMULATION_REASON
    not_in_workspace: "StrOrPromise" = ""  # refused in a workspace, with these words (a workspace is personal)
    not_when_only_its_apps: "StrOrPromise" = ""  # refused where only the federation's apps may run, with these words


# Lazy: each is said in the reader's language (the page's, or the flwr CLI's account's) when shown.
ARCHIVED_REASON = gettext_lazy("This federation is archived and read-only.")
NOT_MEMBER_REASON = gettext_lazy("You are not a member of this federation.")
SIMULATION_REASON = gettext_lazy("Simulation federations use simulated SuperNodes; real ones cannot be added.")
WORKSPACE_INVITE_REASON = gettext_lazy(
    "Your workspace is personal: nobody can be invited to it. Collaborations get a federation of their own."
)
ONLY_ITS_APPS_REASON = gettext_lazy(
    "Only this federation's apps may run here: launch one from its Apps tab (or `flwr run @owner/app`), "
    "or ask the owner to add yours."
)
WORKSPACE_ARCHIVE_REASON = gettext_lazy(
    "Your workspace cannot be archived: it is where your runs go when you name no federation. "
    "Collaborations get a federation of their own."
)

# The table. Actions on accounts (create a federation, accept an invitation) are in services, next to
# the account checks they need; docs/rules.md lists both.
RULES: dict[Action, Rule] = {
    Action.VIEW: Rule(Who.MEMBER, True, NOT_MEMBER_REASON),
    Action.VIEW_SETTINGS: Rule(Who.OWNER, True, gettext_lazy("Only the owner can see the settings.")),
    Action.CHANGE_SETTINGS: Rule(Who.OWNER, False, gettext_lazy("Only the owner can change the settings.")),
    Action.INVITE: Rule(
        Who.OWNER,
        False,
        gettext_lazy("Only the owner can invite users or revoke invitations."),
        not_in_workspace=WORKSPACE_INVITE_REASON,
    ),
    Action.SEE_INVITATION_HISTORY: Rule(Who.OWNER, True, gettext_lazy("Only the owner can see ended invitations.")),
    Action.REMOVE_MEMBER: Rule(Who.OWNER_NOT_ON_OWNER, False, gettext_lazy("Only the owner can remove members.")),
    Action.LEAVE: Rule(
        Who.MEMBER_NOT_OWNER, False, gettext_lazy("The owner cannot leave the federation; archive it instead.")
    ),
    Action.ADD_SUPERNODE: Rule(
        Who.MEMBER_OWN_NODE, False, gettext_lazy("Choose one of your own registered SuperNodes."), deployment_only=True
    ),
    Action.REMOVE_SUPERNODE: Rule(
        Who.NODE_OWNER_OR_OWNER,
        False,
        gettext_lazy("Only the SuperNode's owner or the federation's owner can remove it."),
    ),
    Action.LAUNCH_RUN: Rule(Who.MEMBER, False, NOT_MEMBER_REASON),
    # A run of any other code (an upload, `flwr run .`, a Hub app the federation does not use): members,
    # unless the owner has said only the federation's apps may run (its Settings tab).
    Action.LAUNCH_OTHER_APP: Rule(Who.MEMBER, False, NOT_MEMBER_REASON, not_when_only_its_apps=ONLY_ITS_APPS_REASON),
    Action.READ_RUNS: Rule(Who.MEMBER, True, NOT_MEMBER_REASON),
    Action.STOP_RUN: Rule(
        Who.LAUNCHER_OR_OWNER,
        True,
        gettext_lazy("Only whoever launched this run, or the federation's owner, can stop it."),
    ),
    # Members read runs, so members download what a run kept (the web and `flwr pull`), archived or not.
    Action.DOWNLOAD_ARTIFACTS: Rule(Who.MEMBER, True, NOT_MEMBER_REASON),
    # Which apps of the Hub the federation uses (its Apps tab; every member sees and runs them).
    Action.MANAGE_APPS: Rule(
        Who.OWNER, False, gettext_lazy("Only the owner can add apps to the federation or remove them.")
    ),
    # Archiving an archived federation changes nothing: the service answers the owner's second try as done.
    Action.ARCHIVE: Rule(
        Who.OWNER,
        False,
        gettext_lazy("Only the owner can archive the federation."),
        not_in_workspace=WORKSPACE_ARCHIVE_REASON,
    ),
}

OWNER_CANNOT_BE_REMOVED = gettext_lazy("The owner cannot be removed.")


class RulesFederation(Protocol):
    """What the rules read of a federation: a ``Federation``, or a list entry that stands for one."""

    @property
    def is_simulation(self) -> bool: ...

    @property
    def is_archived(self) -> bool: ...

    @property
    def is_workspace(self) -> bool: ...

    @property
    def only_its_apps(self) -> bool: ...


class RulesMembership(Protocol):
    """What the rules read of a membership: a ``Membership``, or a list entry that stands for one."""

    @property
    def is_owner(self) -> bool: ...

    @property
    def user_id(self) -> int: ...


@dataclass(frozen=True)
class Target:
    """What an action is aimed at, when the rule depends on it (all optional)."""

    user_id: int | None = None  # the member to remove, or the SuperNode's owner (to remove it)
    flwr_aid: str | None = None  # who launched the run, or the SuperNode's owner as the SuperLink reports it
    is_owner: bool = False  # the member to remove is the owner


def _is_owner(membership: RulesMembership, target: Target | None, flwr_aid: str) -> bool:
    return membership.is_owner


def _readers(target: Target, flwr_aid: str) -> bool:
    """The target (a run, a SuperNode) belongs to the reader's Flower account."""
    return bool(target.flwr_aid) and target.flwr_aid == flwr_aid


# Without a target, a rule that depends on one answers whether the member may do it to something
# (their own node, their own run); the service asks again with the target before it acts. ``flwr_aid``
# is the reader's Flower account id.
WHO: dict[Who, Callable[[RulesMembership, Target | None, str], bool]] = {
    Who.MEMBER: lambda membership, target, flwr_aid: True,
    Who.OWNER: _is_owner,
    Who.MEMBER_NOT_OWNER: lambda membership, target, flwr_aid: not membership.is_owner,
    Who.OWNER_NOT_ON_OWNER: _is_owner,
    Who.MEMBER_OWN_NODE: lambda membership, target, flwr_aid: target is None or _readers(target, flwr_aid),
    Who.NODE_OWNER_OR_OWNER: lambda membership, target, flwr_aid: (
        membership.is_owner or target is None or target.user_id == membership.user_id
    ),
    Who.LAUNCHER_OR_OWNER: lambda membership, target, flwr_aid: (
        membership.is_owner or target is None or _readers(target, flwr_aid)
    ),
}


def refusal(
    federation: RulesFederation,
    membership: RulesMembership | None,
    action: Action,
    target: Target | None = None,
    flwr_aid: str = "",
) -> NotAllowed | None:
    """None when allowed; otherwise the refusal, with its message and code."""
    rule = RULES[action]
    if membership is None:
        return NotAllowed(NOT_MEMBER_REASON, code=Code.NOT_MEMBER)
    if rule.deployment_only and federation.is_simulation:
        return NotAllowed(SIMULATION_REASON, code=Code.INVALID)
    if rule.not_in_workspace and federation.is_workspace:
        return NotAllowed(rule.not_in_workspace)
    if not WHO[rule.who](membership, target, flwr_aid):
        return NotAllowed(rule.refusal)
    if rule.not_when_only_its_apps and federation.only_its_apps and not federation.is_archived:
        return NotAllowed(rule.not_when_only_its_apps)
    if rule.who is Who.OWNER_NOT_ON_OWNER and target is not None and target.is_owner:
        return NotAllowed(OWNER_CANNOT_BE_REMOVED)
    if federation.is_archived and not rule.when_archived:
        return NotAllowed(ARCHIVED_REASON, code=Code.ARCHIVED)
    return None


class Permissions[F: RulesFederation]:
    """One member's rights in one federation: ``may``/``check`` in code, ``{{ can.invite }}`` in templates.

    ``membership`` is None for someone who is not a member. ``flwr_aid`` is the reader's Flower account id,
    for the rules about their own runs and nodes.
    """

    def __init__(self, federation: F, membership: RulesMembership | None, flwr_aid: str = ""):
        self.federation = federation
        self.membership = membership
        self.flwr_aid = flwr_aid

    def may(self, action: Action, target: Target | None = None) -> bool:
        return refusal(self.federation, self.membership, action, target, self.flwr_aid) is None

    def check(self, action: Action, target: Target | None = None) -> None:
        refused = refusal(self.federation, self.membership, action, target, self.flwr_aid)
        if refused is not None:
            raise refused

    def done_already(self, action: Action) -> bool:
        """Refused only because the federation is archived: for archiving, what was asked is already so.

        Raises the refusal when the reader may not do it anyway (not the owner, say)."""
        refused = refusal(self.federation, self.membership, action, None, self.flwr_aid)
        if refused is None:
            return False
        if refused.code != Code.ARCHIVED:
            raise refused
        return True

    def __getitem__(self, name: str) -> bool:
        """Templates: ``{% if can.invite %}`` asks the table for an action without a target."""
        try:
            action = Action(name)
        except ValueError:
            raise KeyError(name) from None
        return self.may(action)


def review_refusal(required: list[str], reviewed_by: Collection[str], what: str) -> NotAllowed | None:
    """A federation whose owner requires reviews: a run needs one by one of ``required`` (usernames) that
    counts (made with a key in use). ``what`` is the launch in words (``@alice/app==1.0.0``, "this FAB")."""
    if not required or {name.lower() for name in required} & set(reviewed_by):
        return None
    separator = " " + pgettext("between usernames", "or") + " "
    who = separator.join(f"@{name}" for name in required)
    if what.startswith("@"):
        return NotAllowed(
            _(
                "Runs in this federation must be reviewed by %(who)s, and %(what)s has no review by them that "
                "counts. Ask them to review it (flwr app review %(what)s), then launch it again."
            )
            % {"who": who, "what": what}
        )
    # Anything but a Hub app's version is a FAB sent with the launch (``what`` is then "this FAB").
    return NotAllowed(
        _(
            "Runs in this federation must be reviewed by %(who)s: this FAB is not a version of a Hub app they "
            "reviewed. Publish it, have it reviewed, and launch that version."
        )
        % {"who": who}
    )
