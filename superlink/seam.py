"""The one place where the portal plugs into the stock Flower SuperLink (flwr 1.42).

`flower-superlink` asks `flwr.superlink.config_loader` for its FederationManager and Control API
login plugin; both names are imported into `flwr.superlink.main` and
`flwr.superlink.cli.flower_superlink`. Listing another member's run asks
`resolve_account_ids` (imported into the Control handlers) for account names. We point those names at
the portal's implementations and then run the stock entry point with the stock arguments.

Stock Flower decides some actions without asking the FederationManager: StopRun (any member),
StartRun's per-run federation config (stored as given), federation id (stored as spelled) and Hub app
(a cached copy, any app), RemoveNodeFromFederation (only the node's owner), ArchiveFederation (which also
stops every run in flight; ours finish) and a federation's apps (ListApps/AddApp/RemoveApp); it fetches
Hub apps without saying who launches them. The Control API routes call `control_handlers.<name>` at request time, so we
replace those handlers with ones that ask the portal's rules first. One route is the portal's own,
added to the stock Control router: the runs of every federation the caller belongs to, in one call,
for the portal's /runs/ page. The contract tests start this for real, so an upgrade that moves these
seams fails loudly.
"""

import importlib
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Annotated, Any

import flwr.superlink.main as superlink_main
import flwr.superlink.servicer.control.control_handlers as control_handlers
import flwr.superlink.servicer.fleet.fleet_handlers as fleet_handlers
import flwr.superlink.servicer.runtime.runtime_handlers as runtime_handlers
from django.conf import settings
from django.db import connection
from django.db.backends.signals import connection_created
from django.utils.translation import override
from fastapi import Depends, Query
from flwr.common.constant import TRANSPORT_TYPE_GRPC_ADAPTER, Status
from flwr.common.serde import run_to_proto
from flwr.proto.control_pb2 import (
    AddAppRequest,
    AddAppResponse,
    AppInfo,
    ArchiveFederationRequest,
    ArchiveFederationResponse,
    ListAppAssociationsRequest,
    ListAppAssociationsResponse,
    ListAppsRequest,
    ListAppsResponse,
    ListFederationsRequest,
    ListFederationsResponse,
    ListRunsRequest,
    ListRunsResponse,
    PullArtifactsRequest,
    PullArtifactsResponse,
    RemoveAppRequest,
    RemoveAppResponse,
    RemoveNodeFromFederationRequest,
    RemoveNodeFromFederationResponse,
    StartRunRequest,
    StartRunResponse,
    StopRunRequest,
    StopRunResponse,
)
from flwr.proto.federation_pb2 import Federation as FederationProto
from flwr.proto.run_pb2 import Run as RunProto
from flwr.server.superlink.linkstate import LinkState
from flwr.supercore.auth.typing import AccountInfo
from flwr.supercore.constant import TaskType
from flwr.supercore.date import now
from flwr.supercore.error import ApiErrorCode, FlowerError
from flwr.supercore.protobuf import translation
from flwr.supercore.protobuf.translation import get_protobuf_request
from flwr.superlink.federation import FederationManager
from flwr.superlink.routers.control.router import AccountDependency, LinkStateDependency
from flwr.superlink.routers.control.router import router as control_router
from google.protobuf.message import Message

from federations.models import WORKSPACE_NAME

from . import hub_client, metrics
from .auth_plugin import PortalAuthnPlugin
from .control_client import FEDERATION_STATUS_PATH, MEMBER_RUNS_PATH, OWN_NODES, STATUS_FEDERATIONS_LIMIT
from .fab import InvalidFab, inspect_fab
from .federation_manager import PortalFederationManager, resolve_account_ids
from .node_directory import node_directory

# `flwr.superlink.cli` re-exports a function named like the module, so import the module by path.
superlink_cli = importlib.import_module("flwr.superlink.cli.flower_superlink")

RUN_STATUSES = {"active": ["pending", "starting", "running"], "finished": ["finished"]}

stock_start_run = control_handlers.start_run
LAUNCHING = threading.Lock()
stock_stop_run = control_handlers.stop_run
check_membership = control_handlers._validate_federation_membership_in_request


def portal_manager(state: LinkState) -> PortalFederationManager:
    """The SuperLink's FederationManager, the portal's since ``install()``."""
    manager = state.federation_manager
    if not isinstance(manager, PortalFederationManager):
        raise TypeError(f"The SuperLink runs with {type(manager).__name__}; start it through seam.install().")
    return manager


def start_run(
    request: StartRunRequest, account: AccountInfo, state: LinkState, *args: Any, **kwargs: Any
) -> StartRunResponse:
    """Store the run under the federation's canonical id; refuse per-run overrides of its settings.

    An uploaded FAB is inspected the way the Runs tab does it (bounded reads), before Flower unpacks it.
    What the seam and the Hub's client refuse themselves is said in the launcher's language.
    """
    manager = portal_manager(state)
    with override(manager.language(account.flwr_aid)):
        return checked_start_run(manager, request, account, state, *args, **kwargs)


def checked_start_run(
    manager: PortalFederationManager,
    request: StartRunRequest,
    account: AccountInfo,
    state: LinkState,
    *args: Any,
    **kwargs: Any,
) -> StartRunResponse:
    if request.fab.content:
        try:
            inspect_fab(request.fab.content)
        except InvalidFab as error:
            raise FlowerError(ApiErrorCode.INVALID_RUN_CONFIG, str(error), public_details=str(error)) from None
    if not request.federation:  # `flwr run` without --federation: the caller's workspace, as stock Flower says
        manager.ensure_default_federations_exist(account.flwr_aid)
        request.federation = f"@{account.account_name}/{WORKSPACE_NAME}"
    request.federation = manager.canonical_id(request.federation)
    manager.check_run_settings(account.flwr_aid, request.federation, request.override_federation_config)
    # Which Hub app this is (a version always pinned), and whether the federation lets it run.
    launch = manager.check_launch(
        account.flwr_aid, request.federation, request.app_spec, hub_client.sha256(request.fab.content)
    )
    if launch.app_spec and request.fab.content:  # a reviewed Hub version's FAB: fetched with its reviews
        request.ClearField("fab")
    request.app_spec = launch.app_spec or request.app_spec
    # One launch at a time in this SuperLink: the limits on runs at once are counted and the run created
    # without another launch in between (two launches for the last slot: exactly one run).
    with LAUNCHING, hub_client.launching(account.flwr_aid):  # a private app is fetched as its launcher
        response = stock_start_run(request, account, state, *args, **kwargs)
    if response.run_id:
        manager.launched(launch, account.flwr_aid, request.federation, response.run_id)
    return response


def get_remote_fab(fleet_api_type: str | None, app_spec: str) -> tuple[bytes, dict[str, str], str | None]:
    """Stock ``_get_remote_fab``, asking the portal's Hub as the launcher (``hub_client``)."""
    if fleet_api_type == TRANSPORT_TYPE_GRPC_ADAPTER:  # as stock Flower refuses it
        message = "The selected SuperLink transport type is not supported for connecting to Flower Hub."
        raise FlowerError(ApiErrorCode.UNSUPPORTED_FAB_HUB_TRANSPORT, message, public_details=message)
    return hub_client.fetch_fab(control_handlers.FLWR_SUPERGRID_API_URL, app_spec)


def list_apps(request: ListAppsRequest, account: AccountInfo, state: LinkState) -> ListAppsResponse:
    """The federation's apps as the portal keeps them (its Apps tab), for every member; stock Flower lists
    every app ever launched there, and its Agent."""
    listed = portal_manager(state).list_apps(account.flwr_aid, request.federation_id)
    if request.HasField("limit"):
        listed = listed[: max(request.limit, 0)]
    return ListAppsResponse(
        apps=[
            AppInfo(
                app_id=app.app_id,
                fab_hash=app.fab_hash,
                app_type=TaskType.SERVER_APP,
                is_hub_app=True,
                display_name=app.app_id.rsplit("/", 1)[-1],
                description=app.description,
            )
            for app in listed
        ]
    )


def add_app(
    request: AddAppRequest, account: AccountInfo, state: LinkState, fleet_api_type: str | None
) -> AddAppResponse:
    """The owner adds a Hub app to the federation's apps (the Apps tab's rule)."""
    portal_manager(state).add_app(account.flwr_aid, request.federation_id, request.app_id)
    return AddAppResponse()


def remove_app(request: RemoveAppRequest, account: AccountInfo, state: LinkState) -> RemoveAppResponse:
    portal_manager(state).remove_app(account.flwr_aid, request.federation_id, request.app_id)
    return RemoveAppResponse()


def list_app_associations(
    request: ListAppAssociationsRequest, account: AccountInfo, state: LinkState
) -> ListAppAssociationsResponse:
    """The caller's active federations that use the app."""
    return ListAppAssociationsResponse(
        federation_ids=portal_manager(state).app_associations(account.flwr_aid, request.app_id)
    )


def stop_run(request: StopRunRequest, account: AccountInfo, state: LinkState) -> StopRunResponse:
    """`flwr stop` obeys the web's rule: whoever launched the run, or the federation's owner."""
    runs = state.get_run_info(run_ids=[request.run_id])
    if runs:
        portal_manager(state).check_stop_run(account.flwr_aid, runs[0].federation_id, runs[0].flwr_aid)
    response = stock_stop_run(request, account, state)
    state.federation_manager.report_run_usage()  # a stopped run has ended too: record it, tell its launcher
    return response


def pull_artifacts(
    request: PullArtifactsRequest, account: AccountInfo, state: LinkState, artifact_provider: object = None
) -> PullArtifactsResponse:
    """`flwr pull`: our rules decide who (members, as for runs), not stock's launcher-only check; the URL is
    the portal's, built from PORTAL_URL. Refusals in stock Flower's words where it has them: an unknown
    run, a non-member (as `flwr log`), an unfinished run."""
    runs = state.get_run_info(run_ids=[request.run_id])
    if not runs:
        raise FlowerError(ApiErrorCode.RUN_ID_NOT_FOUND, f"Run {request.run_id} not found while pulling artifacts.")
    run = runs[0]
    check_membership(state, account.flwr_aid, run.federation_id)
    if run.status.status != Status.FINISHED:
        raise FlowerError(
            ApiErrorCode.PULL_UNFINISHED_RUN,
            f"Cannot pull artifacts for run {run.run_id}; status={run.status.status}, owner_aid={run.flwr_aid}.",
        )
    return PullArtifactsResponse(url=portal_manager(state).artifacts_url(account.flwr_aid, run))


def remove_node_from_federation(
    request: RemoveNodeFromFederationRequest, account: AccountInfo, state: LinkState
) -> RemoveNodeFromFederationResponse:
    """The node's owner or the federation's owner (stock Flower allows only the node's owner)."""
    state.federation_manager.remove_supernode(
        flwr_aid=account.flwr_aid, federation_id=request.federation_name, node_id=request.node_id
    )
    return RemoveNodeFromFederationResponse()


def archive_federation(
    request: ArchiveFederationRequest, account: AccountInfo, state: LinkState
) -> ArchiveFederationResponse:
    """Archive through the portal's rules; runs in flight finish on their SuperNodes and are recorded."""
    state.federation_manager.archive_federation(flwr_aid=account.flwr_aid, federation_id=request.federation_name)
    return ArchiveFederationResponse()


def member_runs(
    request: Annotated[ListRunsRequest, Depends(get_protobuf_request)],
    linkstate: LinkStateDependency,
    account: AccountDependency,
    federation: str = "",
    status: str = "",
    mine: bool = False,
) -> ListRunsResponse:
    """Runs of the caller's federations, newest first, filtered and paged; archived federations included."""
    manager = portal_manager(linkstate)
    federation_ids = manager.member_federation_ids(account.flwr_aid)
    if federation:
        wanted = manager.canonical_id(federation)
        federation_ids = [fid for fid in federation_ids if fid == wanted]
    runs = (
        linkstate.get_run_info(
            federation_ids=federation_ids,
            statuses=RUN_STATUSES.get(status),
            flwr_aids=[account.flwr_aid] if mine else None,
            order_by="pending_at",
            ascending=False,
            limit=request.limit if request.HasField("limit") else 25,
            skip=request.skip if request.HasField("skip") else 0,
        )
        if federation_ids
        else []
    )
    names = resolve_account_ids({run.flwr_aid for run in runs})
    for run in runs:
        run.account_name = names.get(run.flwr_aid, "")
    return ListRunsResponse(run_dict={run.run_id: run_to_proto(run) for run in runs}, now=now().isoformat())


def federation_status(
    request: Annotated[ListFederationsRequest, Depends(get_protobuf_request)],
    linkstate: LinkStateDependency,
    account: AccountDependency,
    federation: Annotated[Sequence[str], Query(max_length=STATUS_FEDERATIONS_LIMIT)] = (),
    own_nodes: bool = False,
) -> ListFederationsResponse:
    """Nodes and runs of several of the caller's federations at once (the portal's pages and live counts).

    What ShowFederation answers about nodes and runs, without the member list; federations the caller
    does not belong to are left out. With ``own_nodes``, the caller's own nodes come too (as ListNodes
    answers them), under the name OWN_NODES.
    """
    manager = portal_manager(linkstate)
    node_ids = manager.member_federation_nodes(account.flwr_aid, list(federation))
    every_node = [node_id for nodes in node_ids.values() for node_id in nodes]
    infos = {node.node_id: node for node in linkstate.get_node_info(node_ids=every_node)} if every_node else {}
    runs: dict[str, list[RunProto]] = {handle: [] for handle in node_ids}
    if node_ids:
        for run in linkstate.get_run_info(federation_ids=list(node_ids)):
            runs[run.federation_id].append(run_to_proto(run))
    found = [
        FederationProto(name=handle, nodes=[infos[node_id] for node_id in nodes if node_id in infos], runs=runs[handle])
        for handle, nodes in node_ids.items()
    ]
    if own_nodes:  # what ListNodes answers, for the same page
        found.append(FederationProto(name=OWN_NODES, nodes=linkstate.get_node_info(owner_aids=[account.flwr_aid])))
    return ListFederationsResponse(federations=found)


def add_route(path: str, request_type: type[Message], endpoint: Callable[..., Message]) -> None:
    """A route of the portal's own on the stock Control router, protobuf in and out like the stock ones
    (the translation middleware looks request types up by path)."""
    if any(getattr(route, "path", "") == path for route in control_router.routes):
        return
    translation.PROTOBUF_REQUEST_TYPES[("POST", path)] = request_type
    control_router.post(path.removeprefix(control_router.prefix))(metrics.timed(endpoint.__name__, endpoint))


def install() -> PortalFederationManager:
    manager = PortalFederationManager()
    control_handlers.resolve_account_ids = resolve_account_ids
    control_handlers.start_run = start_run
    control_handlers.stop_run = stop_run
    control_handlers.remove_node_from_federation = remove_node_from_federation
    control_handlers.archive_federation = archive_federation
    control_handlers.pull_artifacts = pull_artifacts
    control_handlers._get_remote_fab = get_remote_fab
    control_handlers.list_apps = list_apps
    control_handlers.add_app = add_app
    control_handlers.remove_app = remove_app
    control_handlers.list_app_associations = list_app_associations
    # `flwr run @owner/app`: the SuperLink fetches apps from this portal's Hub (docs/hub.md). flwr reads
    # FLWR_SUPERGRID_API_URL once, when first imported (which the URLconf's imports may do before any
    # command runs), and the handler looks the name up at call time: so it is set here, where it is used.
    control_handlers.FLWR_SUPERGRID_API_URL = settings.HUB_API_URL
    metrics.time_control_handlers(control_handlers)  # after the replacements above, so they are timed too
    add_route(MEMBER_RUNS_PATH, ListRunsRequest, member_runs)
    add_route(FEDERATION_STATUS_PATH, ListFederationsRequest, federation_status)
    # What the stock SuperLink asks of a FederationManager (flwr's abstract methods), counted.
    metrics.count_manager_calls(manager, sorted(FederationManager.__abstractmethods__))
    # Messages routed to SuperNodes and ServerApps, and any SQL sent while routing them (none, we mean).
    metrics.count_messages(fleet_handlers, "fleet")
    metrics.count_messages(runtime_handlers, "serverappio")
    connection_created.connect(metrics.count_sql, dispatch_uid="supergrid-count-sql")
    metrics.count_sql(connection)  # this thread's, which may be connected already

    def get_federation_manager(is_simulation: bool = False) -> FederationManager:
        return manager

    superlink_main.get_federation_manager = get_federation_manager
    superlink_main.load_control_authn_plugin = PortalAuthnPlugin
    superlink_cli.load_control_authn_plugin = PortalAuthnPlugin  # type: ignore[attr-defined]  # found by path, typed as a bare module
    return manager


def run_superlink(argv: Sequence[str]) -> None:
    """Start the stock SuperLink (blocking) with the portal's manager and login plugin."""
    manager = install()
    node_directory.start()
    if settings.SUPERLINK_METRICS_PORT:
        metrics.serve(settings.SUPERLINK_METRICS_PORT, manager.state_counts)
    sys.argv = ["flower-superlink", *argv]
    superlink_cli.flower_superlink()
