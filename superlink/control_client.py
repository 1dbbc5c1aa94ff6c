"""The portal's client for the SuperLink's Control API, acting as the signed-in user.

Data the SuperLink owns (nodes, runs, logs, FABs) is read and changed only here, over the same
protobuf-over-HTTPS API the `flwr` CLI uses, with a short-lived token issued through the portal's own
login plugin. When the SuperLink is down, callers get ``SuperLinkUnavailable`` and say so on the page.
"""

import hashlib
import json
import re
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from flwr.app.user_config import UserConfig
from flwr.common.serde import user_config_from_proto, user_config_to_proto
from flwr.proto.control_pb2 import (
    ListFederationsRequest,
    ListFederationsResponse,
    ListNodesRequest,
    ListRunsRequest,
    ListRunsResponse,
    RegisterNodeRequest,
    StartRunRequest,
    StopRunRequest,
    StreamLogsRequest,
    UnregisterNodeRequest,
)
from flwr.proto.fab_pb2 import Fab
from flwr.proto.federation_pb2 import Federation as FederationProto
from flwr.proto.node_pb2 import NodeInfo
from flwr.proto.run_pb2 import Run as RunProto
from flwr.supercore.control.control_http_client import ControlHttpClient
from flwr.supercore.protobuf.client import ProtobufCall, ProtobufRequestContext

from accounts import cli_login as logins
from accounts.models import User

from .fab import FAB_MAX_BYTES, megabytes

# Routes of the portal's own that seam.py adds to the SuperLink's Control API.
MEMBER_RUNS_PATH = "/v1/control/supergrid/member-runs"
FEDERATION_STATUS_PATH = "/v1/control/supergrid/federation-status"
STATUS_FEDERATIONS_LIMIT = 100  # federations per federation-status call (a dashboard page shows 25)
OWN_NODES = ""  # in a federation-status answer: the caller's own registered nodes
FederationStatus = FederationProto

TIMEOUT_SECONDS = 5.0
ANSI_ESCAPES = re.compile(r"\x1b\[[0-9;]*m")


class SuperLinkUnavailable(Exception):
    @property
    def message(self) -> str:
        """In the reader's language, as pages show it."""
        return _("SuperLink unreachable: runs and SuperNodes cannot be shown right now. Everything else works.")


class ControlError(Exception):
    """The SuperLink refused the request; ``message`` is what it said."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.message = message
        self.code = code


# Either kind of trouble, for pages that only need to say what went wrong.
SuperLinkTrouble = (SuperLinkUnavailable, ControlError)


def parse_time(value: str) -> datetime | None:
    """A timestamp as the SuperLink writes it (ISO 8601), aware; None when empty or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


def run_config(run: RunProto) -> UserConfig:
    """A run's config overrides as plain Python values."""
    return user_config_from_proto(run.override_config)


def build_fab(app_dir: Path) -> bytes:
    """A FAB built from an app folder by Flower's own builder (what `flwr build` writes)."""
    from flwr.cli.build import build_fab_from_disk

    return build_fab_from_disk(app_dir)


def ca_certfile() -> Path | None:
    if settings.SUPERLINK_SSL_CA_CERTFILE:
        return Path(settings.SUPERLINK_SSL_CA_CERTFILE)
    if settings.SUPERLINK_SSL_CERTFILE:
        return None  # a certificate from a public authority: the system's trust store verifies it
    return settings.SUPERLINK_TLS_DIR / "ca.pem"


def error_message(response: httpx.Response) -> ControlError:
    try:
        payload = response.json()
    except (json.JSONDecodeError, ValueError):
        return ControlError(_("The SuperLink answered %(status)s.") % {"status": response.status_code})
    detail = str(payload.get("detail", "")).strip()
    extra = str(payload.get("extra", "")).strip()
    return ControlError(" ".join(part for part in (detail, extra) if part), payload.get("code"))


class BearerToken:
    """Sends the portal's token for the user of the current call, as the CLI sends its own."""

    def intercept(self, context: ProtobufRequestContext, call_next: ProtobufCall) -> httpx.Response:
        context.request.headers["Authorization"] = f"Bearer {current_token.get()}"
        return call_next(context)


current_token: ContextVar[str] = ContextVar("control_api_token")
clients = threading.local()  # one kept-alive client per thread: no TLS handshake per call


def shared_client(ca: Path | None) -> ControlHttpClient:
    key = (settings.SUPERLINK_ADDRESS, str(ca))
    if getattr(clients, "key", None) != key:
        drop_client()
        clients.client = ControlHttpClient(
            f"https://{settings.SUPERLINK_ADDRESS}",
            interceptors=[BearerToken()],
            verify=ssl.create_default_context(cafile=str(ca)) if ca is not None else True,
            timeout=TIMEOUT_SECONDS,
        )
        clients.key = key
    client: ControlHttpClient = clients.client
    return client


def drop_client() -> None:
    client = getattr(clients, "client", None)
    clients.client = clients.key = None
    if client is not None:
        client.close()


@contextmanager
def connect(user: User) -> Iterator[ControlHttpClient]:
    """A Control API client acting as ``user``; outages and refusals become our two exceptions."""
    ca = ca_certfile()
    if ca is not None and not ca.exists():
        raise SuperLinkUnavailable()
    client = shared_client(ca)
    token = current_token.set(logins.portal_token(user))
    try:
        yield client
    except httpx.HTTPStatusError as error:
        raise error_message(error.response) from error
    except httpx.TransportError as error:
        drop_client()  # the next call starts afresh (a restarted SuperLink, a new certificate)
        raise SuperLinkUnavailable() from error
    finally:
        current_token.reset(token)


def show_federation(user: User, handle: str) -> FederationProto:
    """The federation as the SuperLink sees it: nodes with status and all its runs (no member list)."""
    found = federation_status(user, [handle]).get(handle)
    if found is None:
        raise ControlError(
            _("Federation %(federation)s does not exist or you are not a member of it.") % {"federation": handle}
        )
    return found


def list_nodes(user: User) -> list[NodeInfo]:
    """The user's own registered SuperNodes (NodeInfo), as the SuperLink knows them."""
    with connect(user) as control:
        return list(control.ListNodes(ListNodesRequest()).nodes_info)


def register_node(user: User, public_key_pem: bytes, name: str = "") -> int:
    with connect(user) as control:
        request = RegisterNodeRequest(public_key=public_key_pem)
        if name:
            request.name = name
        return control.RegisterNode(request).node_id


def unregister_node(user: User, node_id: int) -> None:
    with connect(user) as control:
        control.UnregisterNode(UnregisterNodeRequest(node_id=node_id))


def start_run(user: User, handle: str, fab: bytes, overrides: UserConfig) -> int:
    fab_proto = Fab(hash_str=hashlib.sha256(fab).hexdigest(), content=fab)
    request = StartRunRequest(fab=fab_proto, override_config=user_config_to_proto(overrides), federation=handle)
    with connect(user) as control:
        response = control.StartRun(request)
    if not response.run_id:
        # The SuperLink answers an empty response (run id 0) when it will not take the FAB.
        raise ControlError(
            _(
                "The SuperLink did not start the run. FABs may be at most %(most)s; "
                "check the SuperLink's log if this one is smaller."
            )
            % {"most": megabytes(FAB_MAX_BYTES)}
        )
    return response.run_id


def member_runs(
    user: User, *, federation: str = "", status: str = "", mine: bool = False, limit: int = 25, skip: int = 0
) -> list[RunProto]:
    """Runs of every federation the user belongs to, newest first, in one call (the seam's own route)."""
    query = urlencode({"federation": federation, "status": status, "mine": "true" if mine else "false"})
    with connect(user) as control:
        response = control._unary_unary(
            path=f"{MEMBER_RUNS_PATH}?{query}",
            rpc_method="/supergrid.Control/MemberRuns",
            request=ListRunsRequest(limit=limit, skip=skip),
            response_type=ListRunsResponse,
        )
    return sorted(response.run_dict.values(), key=lambda run: (run.pending_at, run.run_id), reverse=True)


def federation_status(user: User, handles: list[str], *, own_nodes: bool = False) -> dict[str, FederationProto]:
    """Nodes (with status) and runs of several of the user's federations, in one call, by handle;
    with ``own_nodes``, also the user's own registered nodes, under OWN_NODES."""
    params = [("federation", handle) for handle in handles[:STATUS_FEDERATIONS_LIMIT]]
    query = urlencode(params + ([("own_nodes", "true")] if own_nodes else []))
    with connect(user) as control:
        response = control._unary_unary(
            path=f"{FEDERATION_STATUS_PATH}?{query}",
            rpc_method="/supergrid.Control/FederationStatus",
            request=ListFederationsRequest(),
            response_type=ListFederationsResponse,
        )
    return {federation.name: federation for federation in response.federations}


def stop_run(user: User, run_id: int) -> None:
    with connect(user) as control:
        control.StopRun(StopRunRequest(run_id=run_id))


def get_run(user: User, handle: str, run_id: int) -> RunProto | None:
    """A run of the federation, for any of its members (ListRuns shows only one's own runs)."""
    return next((run for run in show_federation(user, handle).runs if run.run_id == run_id), None)


def run_logs(user: User, run_id: int, after: float = 0.0) -> tuple[str, float]:
    """Log lines written after ``after`` (a SuperLink timestamp) and the newest timestamp.

    The SuperLink streams logs for as long as the run lives; the first message carries everything
    so far, so we read one and hang up.
    """
    with connect(user) as control:
        stream = control.StreamLogs(StreamLogsRequest(run_id=run_id, after_timestamp=after))
        try:
            first = next(iter(stream), None)
        finally:
            stream.close()
    if first is None:
        return "", after
    return ANSI_ESCAPES.sub("", first.log_output), first.latest_timestamp or after
