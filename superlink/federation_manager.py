"""The portal's FederationManager for the stock Flower SuperLink.

Every change goes through the same services as the web pages, so the CLI and the browser obey one set
of rules and write the same Activity rows. Refusals become ``FlowerError``s whose public details carry
the wording of the web pages. Message routing (``has_node``/``filter_nodes``) answers from memory
(``node_directory``). SuperNode links and run outcomes belong to the apps above the adapter, which lend
them through ``hooks``.
"""

import inspect
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import wraps
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from flwr.common.constant import SUPERLINK_NODE_ID
from flwr.proto.federation_config_pb2 import SimulationConfig
from flwr.proto.federation_pb2 import Account, Member
from flwr.proto.federation_pb2 import Invitation as InvitationProto
from flwr.proto.node_pb2 import NodeInfo
from flwr.supercore.constant import ActionType
from flwr.supercore.error import ApiErrorCode, EntitlementError, FlowerError
from flwr.supercore.run import Run
from flwr.supercore.typing import ActionContext, StartRunContext
from flwr.superlink.federation import FederationManager
from flwr.superlink.federation.typing import Federation as FederationDetails

from accounts.languages import offered_or_default
from accounts.models import User, ascii_iexact
from federations import limits, lookups, services
from federations.limits import Limit
from federations.models import Federation, Invitation, Membership, split_handle
from federations.rules import Action, Code, Permissions, Refusal, Target, review_refusal
from federations.signals import run_started
from supergrid import sources

from . import metrics
from .db import release_connections
from .hooks import HubLaunch, ListedApp, hooks
from .node_directory import NodeDirectory, node_directory

logger = logging.getLogger(__name__)
RECENT_RUNS = 20  # finished runs compared with the recorded outcomes whenever one ends
CATCH_UP_AFTER_SECONDS = 5.0  # after the SuperLink's state is set, look for runs that ended meanwhile

if TYPE_CHECKING:
    from flwr.server.superlink.linkstate import LinkState


# How each refusal of the rules table reaches the CLI: Flower's code, with the web page's words.
FLOWER_CODES = {
    Code.NOT_MEMBER: ApiErrorCode.NO_PERMISSIONS,
    Code.FORBIDDEN: ApiErrorCode.NO_PERMISSIONS,
    Code.ARCHIVED: ApiErrorCode.NO_PERMISSIONS,
    Code.INVALID: ApiErrorCode.FORBIDDEN_ACTION,
    Code.INVALID_NAME: ApiErrorCode.INVALID_FEDERATION_NAME,
    Code.NAME_TAKEN: ApiErrorCode.FEDERATION_ALREADY_EXISTS,
    Code.UNKNOWN_ACCOUNT: ApiErrorCode.ACCOUNTS_NOT_FOUND,
    Code.INVITATION_NOT_FOUND: ApiErrorCode.FEDERATION_NOT_FOUND_OR_NO_PENDING_INVITE,
    Code.NODE_NOT_FOUND: ApiErrorCode.FORBIDDEN_ACTION,
    Code.NOT_READY: ApiErrorCode.PULL_UNFINISHED_RUN,
    Code.APP_NOT_FOUND: ApiErrorCode.FAB_DOWNLOAD_LINK_FAILURE,
    Code.LIMIT: ApiErrorCode.ENTITLEMENT_ERROR,
}
LIMIT_ENTITLEMENT_CODE = 1  # the service-defined code in an EntitlementError: a fair-share limit reached


def flower_error(error: Refusal) -> FlowerError:
    """The web page's refusal, as the Flower error the CLI prints (a limit as Flower's EntitlementError)."""
    message = str(error.message)  # a lazy message, in the asker's language, as the text the CLI prints
    if error.code == Code.LIMIT:
        return EntitlementError(message, public_details=message, entitlement_code=LIMIT_ENTITLEMENT_CODE)
    return FlowerError(FLOWER_CODES[error.code], message, public_details=message)


def not_found(federation_id: str) -> FlowerError:
    message = _("Federation %(federation)s does not exist or you are not a member of it.") % {
        "federation": federation_id
    }
    return FlowerError(ApiErrorCode.FEDERATION_NOT_FOUND_OR_NO_PERMISSION, message, public_details=message)


def with_django[**P, R](method: Callable[P, R]) -> Callable[P, R]:
    """Run a manager method like a Django request: fresh connections, domain errors translated."""

    parameters = list(inspect.signature(method).parameters)
    asker = parameters.index("flwr_aid") if "flwr_aid" in parameters else None  # who asks, for their language

    @wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        release_connections()
        asked_by = kwargs.get("flwr_aid") or (args[asker] if asker is not None and len(args) > asker else None)
        flwr_aid = asked_by if isinstance(asked_by, str) else None
        try:
            # what the SuperLink asks, the flwr CLI asked, in the asker's language (their refusals)
            with sources.acting_from(sources.CLI), translation.override(language_of_account(flwr_aid)):
                try:
                    return method(*args, **kwargs)
                except Refusal as error:
                    raise flower_error(error) from None  # its words, still in the asker's language
        finally:
            release_connections()

    return wrapper


LANGUAGES: dict[str, tuple[float, str]] = {}  # flwr_aid: (read at, language); read again after LANGUAGE_TTL
LANGUAGE_TTL = 10.0


def language_of_account(flwr_aid: str | None) -> str:
    """The account's chosen language (accounts.languages), read at most every 10 s per account: a launch's
    ``can_execute`` is on the hot path, and a changed preference reaching the CLI 10 s later is fine."""
    if not flwr_aid:
        return settings.LANGUAGE_CODE
    now = time.monotonic()
    known = LANGUAGES.get(flwr_aid)
    if known is None or now - known[0] > LANGUAGE_TTL:
        chosen = User.objects.filter(flwr_aid=flwr_aid).values_list("language", flat=True).first()
        if len(LANGUAGES) > 10_000:
            LANGUAGES.clear()
        known = LANGUAGES[flwr_aid] = (now, offered_or_default(chosen))
    return known[1]


def find_federation(federation_id: str) -> Federation | None:
    return Federation.objects.by_handle(federation_id).select_related("owner").first()


def account(flwr_aid: str) -> User:
    user = User.objects.filter(flwr_aid=flwr_aid, is_active=True).first()
    if user is None:
        message = _("Your account was not found. Run `flwr login` again.")
        raise FlowerError(ApiErrorCode.ACCOUNT_INFO_NOT_FOUND, message, public_details=message)
    return user


def member_rights(flwr_aid: str, federation_id: str) -> Permissions[Federation]:
    """The one road from the SuperLink to a member's rights: the federation and the account's membership in
    one prepared statement, asked of the rules table. Anyone else learns nothing about the federation."""
    federation, membership = lookups.federation_and_membership(federation_id, flwr_aid)
    if federation is None or membership is None:
        raise not_found(federation_id)
    return Permissions(federation, membership, flwr_aid)


def member_federation(flwr_aid: str, federation_id: str) -> tuple[User, Federation]:
    """The account and the federation, for a change by one of its members (the service asks the rules)."""
    federation = member_rights(flwr_aid, federation_id).federation
    return account(flwr_aid), federation


def simulation_config(federation: Federation) -> SimulationConfig | None:
    sim = federation.simulation_settings
    if sim is None:
        return None
    return SimulationConfig(
        num_supernodes=sim.num_supernodes,
        client_resources_num_cpus=sim.client_resources_num_cpus,
        client_resources_num_gpus=sim.client_resources_num_gpus,
        backend=sim.backend,
        verbose=bool(sim.verbose),
    )


def invitation_proto(invitation: Invitation) -> InvitationProto:
    changed_at = invitation.ended_at if not invitation.is_pending else invitation.created_at
    return InvitationProto(
        federation_name=invitation.federation.handle,
        inviter=Account(
            id=invitation.inviter.flwr_aid if invitation.inviter else "",
            name=invitation.inviter.username if invitation.inviter else "",
        ),
        invitee=Account(id=invitation.invitee.flwr_aid, name=invitation.invitee.username),
        # Flower calls a declined invitation "rejected".
        status="rejected" if invitation.effective_status == Invitation.Status.DECLINED else invitation.effective_status,
        created_at=invitation.created_at.isoformat(),
        status_changed_at=(changed_at or invitation.created_at).isoformat(),
    )


def resolve_account_ids(ids: Iterable[str]) -> dict[str, str]:
    """Flower account ids to account names (usernames), for the SuperLink's run listings."""
    release_connections()
    try:
        return dict(User.objects.filter(flwr_aid__in=list(ids)).values_list("flwr_aid", "username"))
    finally:
        release_connections()


class PortalFederationManager(FederationManager):
    """Federations, members, invitations and node membership, from the portal's database."""

    def __init__(self, directory: NodeDirectory | None = None):
        self.directory = directory or node_directory
        self._have_workspace: set[str] = set()  # accounts whose workspace is known to exist
        self._endings = ThreadPoolExecutor(max_workers=1, thread_name_prefix="run-endings")

    # Routing: memory only --------------------------------------------------------------------------------

    def filter_nodes(self, node_ids: set[int], federation_id: str) -> set[int]:
        allowed = self.directory.nodes(federation_id)
        return {node_id for node_id in node_ids if node_id in allowed or node_id == SUPERLINK_NODE_ID}

    def has_node(self, node_id: int, federation_id: str) -> bool:
        return node_id == SUPERLINK_NODE_ID or node_id in self.directory.nodes(federation_id)

    # Reads -----------------------------------------------------------------------------------------------

    @with_django
    def exists(self, federation_id: str) -> bool:
        """Archived federations exist too: their runs stay readable and stoppable (the rules refuse changes)."""
        return lookups.federation_and_membership(federation_id)[0] is not None

    @with_django
    def has_member(self, flwr_aid: str, federation_id: str) -> bool:
        return lookups.federation_and_membership(federation_id, flwr_aid)[1] is not None

    def ensure_default_federations_exist(self, flwr_aid: str) -> None:
        """The account's workspace, where `flwr run` goes without --federation (made with the account; an
        account made before workspaces existed gets its own here). Asked on most calls: after the first
        answer for an account, from memory (a workspace is never archived or deleted)."""
        if flwr_aid in self._have_workspace:
            return
        self._ensure_workspace(flwr_aid)

    @with_django
    def _ensure_workspace(self, flwr_aid: str) -> None:
        account = User.objects.filter(flwr_aid=flwr_aid).first()
        if account is not None:
            services.ensure_workspace(account)
            self._have_workspace.add(flwr_aid)

    @with_django
    def get_federations(self, flwr_aid: str) -> list[FederationDetails]:
        """Archived ones too, marked archived: `flwr federation list --verbose` shows them."""
        return [
            self._summary(federation, membership, member_count=count, flwr_aid=flwr_aid)
            for federation, membership, count in lookups.account_federations(flwr_aid)
        ]

    def _members(self, federation: Federation) -> list[Member]:
        return [
            Member(account=Account(id=flwr_aid, name=username), role=role)
            for flwr_aid, username, role in lookups.members(federation)
        ]

    def _summary(
        self,
        federation: Federation,
        membership: Membership | None = None,
        *,
        members: list[Member] | None = None,
        member_count: int | None = None,
        nodes: list[NodeInfo] | None = None,
        runs: list[Run] | None = None,
        flwr_aid: str = "",
    ) -> FederationDetails:
        if membership is None:  # without a caller (get_details), say what the federation allows its owner
            membership = Membership(federation=federation, user=federation.owner, role=Membership.Role.OWNER)
        can = Permissions(federation, membership, flwr_aid)
        return FederationDetails(
            id=federation.handle,
            description=federation.description,
            members=members or [],
            nodes=nodes or [],
            runs=runs or [],
            archived=federation.is_archived,
            simulation=federation.is_simulation,
            config=simulation_config(federation),
            can_invite_members=can.may(Action.INVITE),
            can_add_supernodes=can.may(Action.ADD_SUPERNODE),
            member_count=member_count if member_count is not None else len(members or []),
        )

    @with_django
    def get_details(self, federation_id: str) -> FederationDetails:
        federation, _ = lookups.federation_and_membership(federation_id)
        if federation is None:
            raise not_found(federation_id)
        node_ids = hooks.nodes.node_ids(federation)
        nodes = list(self.linkstate.get_node_info(node_ids=node_ids)) if node_ids else []
        runs = list(self.linkstate.get_run_info(federation_ids=[federation.handle]))
        return self._summary(federation, members=self._members(federation), nodes=nodes, runs=runs)

    @with_django
    def member_federation_ids(self, flwr_aid: str) -> list[str]:
        """Every federation the account belongs to, archived ones too (one query)."""
        return lookups.account_handles(flwr_aid)

    @with_django
    def member_federation_nodes(self, flwr_aid: str, federation_ids: list[str]) -> dict[str, list[int]]:
        """Each of these federations the account belongs to, with its node ids; the others are left out.

        One query whatever the number of federations (the portal asks for one page of its dashboard).
        """
        return hooks.nodes.account_federation_nodes(flwr_aid, federation_ids)

    @with_django
    def get_simulation_config(self, federation_id: str) -> SimulationConfig | None:
        federation, _ = lookups.federation_and_membership(federation_id)
        if federation is None:
            raise not_found(federation_id)
        return simulation_config(federation)

    # Changes: the web's services -------------------------------------------------------------------------

    @with_django
    def set_simulation_config(self, flwr_aid: str, federation_id: str, config: SimulationConfig) -> None:
        user, federation = member_federation(flwr_aid, federation_id)
        if not config.num_supernodes:
            message = _(
                "Give the number of simulated SuperNodes (--num-supernodes); it is the only setting that changes."
            )
            raise FlowerError(ApiErrorCode.FORBIDDEN_ACTION, message, public_details=message)
        services.update_settings(federation=federation, actor=user, num_supernodes=config.num_supernodes)

    @with_django
    def set_icon_key(self, flwr_aid: str, federation_id: str, icon_key: str | None) -> None:
        message = _("Federation icons are not supported by this SuperGrid.")
        raise FlowerError(ApiErrorCode.FORBIDDEN_ACTION, message, public_details=message)

    @with_django
    def create_federation(
        self, flwr_aid: str, federation_id: str, description: str, simulation: bool | None = None
    ) -> FederationDetails:
        user = account(flwr_aid)
        parts = split_handle(federation_id)
        name = parts[1] if parts else federation_id
        kind = Federation.Kind.SIMULATION if simulation else Federation.Kind.DEPLOYMENT
        federation = services.create_federation(owner=user, name=name, kind=kind, description=description or "")
        membership = federation.memberships.get(user=user)
        return self._summary(federation, membership, members=self._members(federation), flwr_aid=flwr_aid)

    @with_django
    def archive_federation(self, flwr_aid: str, federation_id: str) -> None:
        user, federation = member_federation(flwr_aid, federation_id)
        services.archive_federation(federation=federation, actor=user)
        transaction.on_commit(self.directory.invalidate)

    @with_django
    def add_supernode(self, flwr_aid: str, federation_id: str, node_id: int) -> None:
        user, federation = member_federation(flwr_aid, federation_id)
        found = list(self.linkstate.get_node_info(node_ids=[node_id]))
        owner_aid = found[0].owner_aid if found and found[0].status != "unregistered" else ""
        hooks.nodes.add(federation=federation, actor=user, node_id=node_id, owner_aid=owner_aid)
        self.directory.reload()

    @with_django
    def remove_supernode(self, flwr_aid: str, federation_id: str, node_id: int) -> None:
        user, federation = member_federation(flwr_aid, federation_id)
        hooks.nodes.remove(federation=federation, actor=user, node_id=node_id)
        self.directory.reload()

    @with_django
    def remove_account(self, flwr_aid: str, federation_id: str, target_account_name: str | None) -> str:
        user, federation = member_federation(flwr_aid, federation_id)
        if (
            target_account_name is None
            or User.objects.filter(ascii_iexact("username", target_account_name), pk=user.pk).exists()
        ):
            services.leave_federation(federation=federation, user=user)
            removed = user
        else:
            removed = services.remove_member(federation=federation, actor=user, username=target_account_name)
        self.directory.reload()
        return removed.flwr_aid

    @with_django
    def create_invitation(self, flwr_aid: str, federation_id: str, invitee_account_name: str) -> None:
        user, federation = member_federation(flwr_aid, federation_id)
        services.invite(federation=federation, inviter=user, username=invitee_account_name)

    @with_django
    def list_invitations(self, flwr_aid: str) -> tuple[list[InvitationProto], list[InvitationProto]]:
        user = account(flwr_aid)
        rows = Invitation.objects.select_related("federation__owner", "invitee", "inviter").order_by("created_at")
        created = [invitation_proto(i) for i in rows.filter(federation__memberships__user=user, inviter=user)]
        received = [invitation_proto(i) for i in rows.filter(invitee=user)]
        return created, received

    def _pending_invitation(self, user: User, federation_id: str) -> Invitation:
        federation = find_federation(federation_id)
        invitation = (
            Invitation.objects.pending().filter(federation=federation, invitee=user).first() if federation else None
        )
        if invitation is None:
            message = _("You have no pending invitation to %(federation)s.") % {"federation": federation_id}
            raise FlowerError(ApiErrorCode.FEDERATION_NOT_FOUND_OR_NO_PENDING_INVITE, message, public_details=message)
        return invitation

    @with_django
    def accept_invitation(self, flwr_aid: str, federation_id: str) -> None:
        user = account(flwr_aid)
        invitation = self._pending_invitation(user, federation_id)
        services.accept_invitation(user=user, invitation_id=invitation.pk)

    @with_django
    def reject_invitation(self, flwr_aid: str, federation_id: str) -> None:
        user = account(flwr_aid)
        invitation = self._pending_invitation(user, federation_id)
        services.decline_invitation(user=user, invitation_id=invitation.pk)

    @with_django
    def revoke_invitation(self, flwr_aid: str, federation_id: str, invitee_account_name: str) -> None:
        user, federation = member_federation(flwr_aid, federation_id)
        invitation = (
            federation.invitations.pending()
            .filter(ascii_iexact("invitee__username", (invitee_account_name or "").strip().lstrip("@")))
            .first()
        )
        if invitation is None:
            message = _("%(account)s has no pending invitation to %(federation)s.") % {
                "account": invitee_account_name,
                "federation": federation.handle,
            }
            raise FlowerError(ApiErrorCode.FEDERATION_NOT_FOUND_OR_NO_PENDING_INVITE, message, public_details=message)
        services.revoke_invitation(federation=federation, actor=user, invitation_id=invitation.pk)

    def report_run_usage(self) -> None:
        """The SuperLink calls this when a run ends: record how, once, tell whoever launched it, pack
        what it kept (the apps above do, through ``hooks.runs_ended``).

        Runs are not metered. The call carries no run, so the most recent finished runs are compared
        with the outcomes already recorded. The work happens on one thread of its own, never on the
        SuperLink's request thread that reported it (packing a run's artifacts takes a while).
        """
        finished = self.linkstate.get_run_info(
            statuses=["finished"], order_by="pending_at", ascending=False, limit=RECENT_RUNS
        )
        self._endings.submit(self._runs_ended, list(finished))

    @with_django
    def _runs_ended(self, finished: list[Run]) -> None:
        try:
            hooks.runs_ended(finished)
        except Exception:
            logger.exception("Could not record the runs that ended")

    @with_django
    def state_counts(self) -> metrics.Counts:
        """For the SuperLink's /metrics: runs by status (a finished run's by how it ended) and federation
        kind, and SuperNodes by status."""
        kinds = {
            f"@{owner}/{name}".casefold(): kind
            for owner, name, kind in Federation.objects.values_list("owner__username", "name", "kind")
        }
        counts = metrics.Counts()
        for run in self.linkstate.get_run_info():
            status = run.status.sub_status if run.status.status == "finished" else run.status.status
            key = (status or "unknown", kinds.get(run.federation_id.casefold(), "unknown"))
            counts.runs[key] = counts.runs.get(key, 0) + 1
        for node in self.linkstate.get_node_info():
            counts.nodes[node.status] = counts.nodes.get(node.status, 0) + 1
        return counts

    @FederationManager.linkstate.setter  # type: ignore[attr-defined,untyped-decorator]
    def linkstate(self, linkstate: "LinkState") -> None:
        """Set by the SuperLink's state as it starts: then catch up with runs that ended while it was down."""
        self._linkstate = linkstate
        timer = threading.Timer(CATCH_UP_AFTER_SECONDS, self._catch_up)
        timer.daemon = True
        timer.start()

    def _catch_up(self) -> None:
        try:
            self.report_run_usage()
        except Exception:
            logger.exception("Could not catch up with the runs that ended while the SuperLink was down")

    @with_django
    def can_execute(self, flwr_aid: str, action: ActionType, context: ActionContext) -> None:
        """Launching a run asks the rules table and the fair-share limits on runs at once; registering a
        SuperNode the limit on SuperNodes; other actions are checked by the services they call (creating a
        federation: the limit on federations owned, in ``services.create_federation``)."""
        if action == ActionType.REGISTER_SUPERNODE:
            self._check_supernode_limit(flwr_aid)
            return
        if action != ActionType.START_RUN:
            return
        if not isinstance(context, StartRunContext):  # refuse rather than skip the rules
            raise TypeError(f"Flower asked about START_RUN with a {type(context).__name__}.")
        can = member_rights(flwr_aid, context.federation_id)
        can.check(Action.LAUNCH_RUN)
        self._check_run_limits(flwr_aid, can)

    def _check_run_limits(self, flwr_aid: str, can: Permissions[Federation]) -> None:
        """Runs pending or running at once: the launcher's own, and the federation's (its owner's limit).
        The seam launches one run at a time, so two launches cannot both take the last slot."""
        active = ["pending", "starting", "running"]
        federation = can.federation
        mine, theirs = limits.launch_limits(
            getattr(can.membership, "member_limit_runs", None), federation.owner.limit_runs_per_federation
        )
        # Runs are counted only where there is a limit: a launch without limits costs no more queries.
        if mine and len(self.linkstate.get_run_info(flwr_aids=[flwr_aid], statuses=active)) >= mine:
            raise limits.LimitReached(
                _(
                    "You have %(count)s runs pending or running, the most you may at once: "
                    "wait for one to finish or stop one (`flwr stop <run-id>`), then launch again."
                )
                % {"count": mine}
            )
        if theirs and len(self.linkstate.get_run_info(federation_ids=[federation.handle], statuses=active)) >= theirs:
            raise limits.LimitReached(
                _(
                    "%(federation)s has %(count)s runs pending or running, the most it may at once: "
                    "wait for one to finish, then launch again."
                )
                % {"federation": federation.handle, "count": theirs}
            )

    def _check_supernode_limit(self, flwr_aid: str) -> None:
        user = account(flwr_aid)
        if not limits.limit(user, Limit.SUPERNODES):
            return
        registered = [
            node for node in self.linkstate.get_node_info(owner_aids=[flwr_aid]) if node.status != "unregistered"
        ]
        limits.check(
            user,
            Limit.SUPERNODES,
            len(registered),
            _(
                "You have {limit} SuperNodes registered, the most you may: unregister one you no longer use "
                "(`flwr supernode unregister <node-id>`, or on /supernodes/), or ask an operator to raise your limit."
            ),
        )

    # Actions stock Flower decides alone; the seam asks these first (see seam.py) ------------------------

    @with_django
    @with_django
    def language(self, flwr_aid: str) -> str:
        """The account's language (``language_of_account``), for the refusals the seam words itself."""
        return language_of_account(flwr_aid)

    @with_django
    def canonical_id(self, federation_id: str) -> str:
        """The federation's id as stored everywhere (``@owner/name`` as created); unknown ids unchanged."""
        federation, _ = lookups.federation_and_membership(federation_id)
        return federation.handle if federation is not None else federation_id

    @with_django
    def artifacts_url(self, flwr_aid: str, run: Run) -> str:
        """`flwr pull`: members download a run's artifacts (the rules table's row); the apps above say where."""
        member_rights(flwr_aid, run.federation_id).check(Action.DOWNLOAD_ARTIFACTS)
        return hooks.artifacts_url(run, account(flwr_aid))

    @with_django
    def check_stop_run(self, flwr_aid: str, federation_id: str, launched_by: str) -> None:
        """`flwr stop`: whoever launched the run, or the federation's owner, as on the web."""
        member_rights(flwr_aid, federation_id).check(Action.STOP_RUN, Target(flwr_aid=launched_by))

    @with_django
    def check_run_settings(self, flwr_aid: str, federation_id: str, overrides: SimulationConfig) -> None:
        """`flwr run --federation-config`: runs use the federation's own settings; differing overrides are refused."""
        services.check_run_settings(
            can=member_rights(flwr_aid, federation_id),
            overrides={field.name: value for field, value in overrides.ListFields()},
        )

    # The Hub: which app a launch is, and a federation's apps (the stock app routes) ----------------------

    @with_django
    def check_launch(self, flwr_aid: str, federation_id: str, app_spec: str, fab_sha256: str) -> HubLaunch:
        """A launch's app, asked of the Hub, then of the rules table: any member launches one of the
        federation's apps; other code only where the owner has not said "only its apps may run"."""
        can = member_rights(flwr_aid, federation_id)
        launch = hooks.hub.launch(
            federation=can.federation, account=account(flwr_aid), app_spec=app_spec, fab_sha256=fab_sha256
        )
        can.check(Action.LAUNCH_RUN if launch.listed else Action.LAUNCH_OTHER_APP)
        refused = review_refusal(can.federation.required_reviewers, launch.reviewed_by, launch.what or _("this FAB"))
        if refused is not None:
            raise refused
        return launch

    @with_django
    def launched(self, launch: HubLaunch, flwr_aid: str, federation_id: str, run_id: int) -> None:
        """A run has its id: the Hub counts it (an app's run), and the apps above hear of it (webhooks)."""
        federation = Federation.objects.by_handle(federation_id).first()
        if federation is None:
            return
        launcher = User.objects.filter(flwr_aid=flwr_aid).first()
        try:  # the run exists now: telling others about it never makes its start fail
            with transaction.atomic():
                if launch.version_id is not None and launcher is not None:
                    hooks.hub.launched(launch, federation=federation, account=launcher, run_id=run_id)
                run_started.send(PortalFederationManager, federation=federation, run_id=run_id, launcher=launcher)
        except Exception:
            logger.exception("Could not record the start of run %s", run_id)

    @with_django
    def list_apps(self, flwr_aid: str, federation_id: str) -> list[ListedApp]:
        """Every member sees the federation's apps (archived ones too)."""
        can = member_rights(flwr_aid, federation_id)
        can.check(Action.VIEW)
        return hooks.hub.federation_apps(can.federation)

    @with_django
    def add_app(self, flwr_aid: str, federation_id: str, app_id: str) -> None:
        user, federation = member_federation(flwr_aid, federation_id)
        hooks.hub.add(federation=federation, actor=user, app_id=app_id)

    @with_django
    def remove_app(self, flwr_aid: str, federation_id: str, app_id: str) -> None:
        user, federation = member_federation(flwr_aid, federation_id)
        hooks.hub.remove(federation=federation, actor=user, app_id=app_id)

    @with_django
    def app_associations(self, flwr_aid: str, app_id: str) -> list[str]:
        return hooks.hub.associations(account(flwr_aid), app_id)
