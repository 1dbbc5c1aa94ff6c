"""The one place where the portal plugs into the stock Flower SuperLink (flwr 1.42).

`flower-superlink` asks `flwr.superlink.config_loader` for its FederationManager and Control API
login plugin; both names are imported into `flwr.superlink.main` and
`flwr.superlink.cli.flower_superlink`. Listing another member's run asks
`resolve_account_ids` (imported into the Control handlers) for account names. We point those names at
the portal's implementations and then run the stock entry point with the stock arguments. The
contract tests start this for real, so an upgrade that moves these seams fails loudly.
"""

import importlib
import sys
from collections.abc import Sequence

import flwr.superlink.main as superlink_main
from flwr.superlink.federation import FederationManager

from .auth_plugin import PortalAuthnPlugin
from .federation_manager import PortalFederationManager, node_directory, resolve_account_ids

# `flwr.superlink.cli` re-exports a function named like the module, so import the module by path.
superlink_cli = importlib.import_module("flwr.superlink.cli.flower_superlink")
control_handlers = importlib.import_module("flwr.superlink.servicer.control.control_handlers")


def install() -> FederationManager:
    manager = PortalFederationManager()
    control_handlers.resolve_account_ids = resolve_account_ids

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
