"""The SuperLink's control path: each FederationManager and login-plugin call, ours against stock Flower's.

Both answer in this process, on the same kind of LinkState, so the figures compare the calls and not
the network. Stock Flower's manager (``NoOpFederationManager``) knows one federation, ``@none/default``;
ours is asked about the big federation and the user in 100 federations.
"""

import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.db import connections
from flwr.common.constant import ACCESS_TOKEN_KEY, NOOP_FLWR_AID
from flwr.server.superlink.linkstate import LinkStateFactory
from flwr.supercore.constant import NOOP_FEDERATION_ID, ActionType, RunTime
from flwr.supercore.object_store import ObjectStoreFactory
from flwr.supercore.typing import StartRunContext
from flwr.superlink.auth_plugin.noop_auth_plugin import NoOpControlAuthnPlugin
from flwr.superlink.federation import NoOpFederationManager

from accounts import cli_login
from accounts.models import CliSession, User
from superlink.auth_plugin import PortalAuthnPlugin
from superlink.federation_manager import PortalFederationManager
from superlink.node_directory import NodeDirectory

from .seed import BIG_OWNER, FEDERATION_SIZES, federation_name, member_name

# Calls for which stock Flower answers a constant: ours must answer within this budget.
CONSTANT_BUDGET_MS = 1.0
RUNTIME = RunTime.DEPLOYMENT


@dataclass
class CallFigures:
    label: str
    ours_ms: float
    stock_ms: float
    constant: bool


def timed(call: Callable, repeat: int) -> float:
    """Median milliseconds per call, from a worker thread as in the SuperLink's thread pool."""
    times: list[float] = []
    failed: list[BaseException] = []

    def work():
        try:
            for _ in range(3):
                call()
            for _ in range(repeat):
                start = time.perf_counter()
                call()
                times.append((time.perf_counter() - start) * 1000)
        except BaseException as error:  # noqa: BLE001 (raised again in the caller's thread)
            failed.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]
    return statistics.median(times)


def linkstate(manager, folder: Path):
    factory = LinkStateFactory(str(folder / "state.db"), manager, ObjectStoreFactory())
    return factory.state()


def access_token(user: User) -> str:
    """A live CLI session for the user, as `flwr login` leaves it."""
    CliSession.objects.filter(user=user).delete()
    return cli_login.issue_session(user).access_token


def measure(repeat: int) -> tuple[list[CallFigures], dict]:
    big = f"@{BIG_OWNER}/{federation_name(max(FEDERATION_SIZES))}"
    owner = User.objects.get(username=BIG_OWNER)
    reader = User.objects.get(username=member_name(100))
    token = access_token(reader)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "ours").mkdir()
        (folder / "stock").mkdir()
        directory = NodeDirectory(interval=3600)
        directory.reload()
        ours = PortalFederationManager(directory)
        ours.linkstate = linkstate(ours, folder / "ours")
        stock = NoOpFederationManager(simulation=True)
        stock.linkstate = linkstate(stock, folder / "stock")
        portal_plugin, stock_plugin = PortalAuthnPlugin(), NoOpControlAuthnPlugin()
        ours_context = StartRunContext(federation_id=big, runtime=RUNTIME)
        stock_context = StartRunContext(federation_id=NOOP_FEDERATION_ID, runtime=RUNTIME)
        metadata = [(ACCESS_TOKEN_KEY, token)]
        calls = [
            (
                "Token check (validate_tokens_in_metadata)",
                True,
                lambda: portal_plugin.validate_tokens_in_metadata(metadata),
                lambda: stock_plugin.validate_tokens_in_metadata(metadata),
            ),
            (
                "has_member",
                True,
                lambda: ours.has_member(owner.flwr_aid, big),
                lambda: stock.has_member(NOOP_FLWR_AID, NOOP_FEDERATION_ID),
            ),
            ("exists", True, lambda: ours.exists(big), lambda: stock.exists(NOOP_FEDERATION_ID)),
            (
                "has_node (routing)",
                True,
                lambda: ours.has_node(2000000001, big),
                lambda: stock.has_node(1, NOOP_FEDERATION_ID),
            ),
            (
                "can_execute (start run)",
                True,
                lambda: ours.can_execute(owner.flwr_aid, ActionType.START_RUN, ours_context),
                lambda: stock.can_execute(NOOP_FLWR_AID, ActionType.START_RUN, stock_context),
            ),
            (
                "get_simulation_config",
                True,
                lambda: ours.get_simulation_config(big),
                lambda: stock.get_simulation_config(NOOP_FEDERATION_ID),
            ),
            (
                "get_federations (member of 100)",
                False,
                lambda: ours.get_federations(reader.flwr_aid),
                lambda: stock.get_federations(NOOP_FLWR_AID),
            ),
            (
                "get_details (1,000 members)",
                False,
                lambda: ours.get_details(big),
                lambda: stock.get_details(NOOP_FEDERATION_ID),
            ),
        ]
        figures = [
            CallFigures(label, timed(mine, repeat), timed(theirs, repeat), constant)
            for label, constant, mine, theirs in calls
        ]
        # Revocation takes effect on the next call.
        CliSession.objects.filter(user=reader).update(revoked_at=cli_login.timezone.now())
        revoked = portal_plugin.validate_tokens_in_metadata(metadata)[0] is False
        start = time.perf_counter()
        directory.reload()
        reload_ms = (time.perf_counter() - start) * 1000
    return figures, {"revoked_refused": revoked, "node_directory_reload_ms": reload_ms}
