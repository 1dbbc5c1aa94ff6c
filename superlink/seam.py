"""The one place where the portal plugs into the stock Flower SuperLink (flwr 1.42).

`flower-superlink` asks `flwr.superlink.config_loader` for its FederationManager and Control API
login plugin; both names are imported into `flwr.superlink.main` and
`flwr.superlink.cli.flower_superlink`. Listing another member's run asks
`resolve_account_ids` (imported into the Control handlers) for account names. We point those names at
the portal's implementations and then run the stock entry point with the stock arguments.

Stock Flower decides some actions without asking the FederationManager: StopRun (any member),
StartRun's per-run federation config (stored as given) and federation id (stored as spelled),
RemoveNodeFromFederation (only the node's owner) and ArchiveFederation (which also stops every run in
flight; ours finish). The Control API routes call `control_handlers.<name>` at request time, so we
replace those handlers with ones that ask the portal's rules first. The contract tests start this for
real, so an upgrade that moves these seams fails loudly.
"""

import importlib
import sys
from collections.abc import Sequence

import flwr.superlink.main as superlink_main
from flwr.proto.control_pb2 import ArchiveFederationResponse, RemoveNodeFromFederationResponse
from flwr.supercore.error import ApiErrorCode, FlowerError
from flwr.superlink.federation import FederationManager

from .auth_plugin import PortalAuthnPlugin
from .fab import InvalidFab, inspect_fab
from .federation_manager import PortalFederationManager, node_directory, resolve_account_ids

# `flwr.superlink.cli` re-exports a function named like the module, so import the module by path.
superlink_cli = importlib.import_module("flwr.superlink.cli.flower_superlink")
control_handlers = importlib.import_module("flwr.superlink.servicer.control.control_handlers")

stock_start_run = control_handlers.start_run
stock_stop_run = control_handlers.stop_run


def start_run(request, account, state, *args, **kwargs):
    """Store the run under the federation's canonical id; refuse per-run overrides of its settings.

    An uploaded FAB is inspected the way the Runs tab does it (bounded reads), before Flower unpacks it.
    """
    if request.fab.content:
        try:
            inspect_fab(request.fab.content)
        except InvalidFab as error:
            raise FlowerError(ApiErrorCode.INVALID_RUN_CONFIG, str(error), public_details=str(error)) from None
    manager = state.federation_manager
    if request.federation:
        request.federation = manager.canonical_id(request.federation)
        manager.check_run_settings(account.flwr_aid, request.federation, request.override_federation_config)
    return stock_start_run(request, account, state, *args, **kwargs)


def stop_run(request, account, state):
    """`flwr stop` obeys the web's rule: whoever launched the run, or the federation's owner."""
    runs = state.get_run_info(run_ids=[request.run_id])
    if runs:
        state.federation_manager.check_stop_run(account.flwr_aid, runs[0].federation_id, runs[0].flwr_aid)
    return stock_stop_run(request, account, state)


def remove_node_from_federation(request, account, state):
    """The node's owner or the federation's owner (stock Flower allows only the node's owner)."""
    state.federation_manager.remove_supernode(
        flwr_aid=account.flwr_aid, federation_id=request.federation_name, node_id=request.node_id
    )
    return RemoveNodeFromFederationResponse()


def archive_federation(request, account, state):
    """Archive through the portal's rules; runs in flight finish on their SuperNodes and are recorded."""
    state.federation_manager.archive_federation(flwr_aid=account.flwr_aid, federation_id=request.federation_name)
    return ArchiveFederationResponse()


def install() -> FederationManager:
    manager = PortalFederationManager()
    control_handlers.resolve_account_ids = resolve_account_ids
    control_handlers.start_run = start_run
    control_handlers.stop_run = stop_run
    control_handlers.remove_node_from_federation = remove_node_from_federation
    control_handlers.archive_federation = archive_federation

    def get_federation_manager(is_simulation: bool = False) -> FederationManager:
        return manager

    superlink_main.get_federation_manager = get_federation_manager
    superlink_main.load_control_authn_plugin = PortalAuthnPlugin
    superlink_cli.load_control_authn_plugin = PortalAuthnPlugin
    return manager


def run_superlink(argv: Sequence[str]) -> None:
    """Start the stock SuperLink (blocking) with the portal's manager and login plugin."""
    install()
    node_directory.start()
    sys.argv = ["flower-superlink", *argv]
    superlink_cli.flower_superlink()
