"""What the apps above the adapter lend it, registered from their AppConfig.ready().

The SuperLink asks the adapter about things the adapter does not own: which SuperNodes are in which
federation (the supernodes app), what to do when runs end (the runs app), and which Hub app a launch
is and which apps a federation uses (the apps app). Imports flow one way
(runs, supernodes → superlink), so those apps hand their answers in here instead of being imported.
With nothing registered, federations have no nodes and ended runs are not recorded.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.utils.translation import gettext as _

from accounts.models import User
from federations.models import Federation
from federations.rules import Code, FederationError

if TYPE_CHECKING:
    from flwr.supercore.run import Run

type FinishedRun = Run  # a run as the SuperLink lists it (``RunInfo``); only a name for annotations


class NodeLinks(Protocol):
    """Which SuperNodes are in which federation, and changes to that from the CLI."""

    def signature(self) -> object:
        """Changes whenever any link is added or removed, compared with ``==`` (cheap: asked every few seconds)."""

    def all_links(self) -> Iterable[tuple[str, int]]:
        """Every ``(federation handle, node id)``, archived federations included."""

    def node_ids(self, federation: Federation) -> list[int]:
        """The nodes of one federation, in the order they were added."""

    def account_federation_nodes(self, flwr_aid: str, federation_ids: Sequence[str]) -> dict[str, list[int]]:
        """Node ids of each of these federations the account belongs to, by handle; others are left out."""

    def add(self, *, federation: Federation, actor: User, node_id: int, owner_aid: str) -> None:
        """Add the node; ``owner_aid`` is its owner as the SuperLink reports it (the rules want the actor's)."""

    def remove(self, *, federation: Federation, actor: User, node_id: int) -> None: ...


class NoNodeLinks:
    """No app keeps node links: every federation is empty, and nodes cannot be added."""

    def signature(self) -> object:
        return None

    def all_links(self) -> Iterable[tuple[str, int]]:
        return ()

    def node_ids(self, federation: Federation) -> list[int]:
        return []

    def account_federation_nodes(self, flwr_aid: str, federation_ids: Sequence[str]) -> dict[str, list[int]]:
        return {}

    def add(self, *, federation: Federation, actor: User, node_id: int, owner_aid: str) -> None:
        raise NotImplementedError("no app keeps SuperNode links")

    def remove(self, *, federation: Federation, actor: User, node_id: int) -> None:
        raise NotImplementedError("no app keeps SuperNode links")


@dataclass(frozen=True)
class HubLaunch:
    """What a launch is, as the Hub sees it."""

    app_spec: str = ""  # `@owner/app==version` for the SuperLink to fetch, always with a version; "" if a FAB came
    listed: bool = False  # one of the federation's apps (where only its apps may run, nothing else does)
    version_id: int | None = None  # the Hub version that runs (its FAB sent, or fetched), for its run count
    reviewed_by: frozenset[str] = frozenset()  # usernames (lower case) whose reviews of that version count
    what: str = ""  # the launch in words, for refusals: "@alice/app==1.0.0", or "this FAB"


@dataclass(frozen=True)
class ListedApp:
    app_id: str  # @owner/name
    description: str
    fab_hash: str  # the latest version's


class HubApps(Protocol):
    """The private Hub: which app a launch is, and a federation's apps (the stock list/add/remove-app routes)."""

    def launch(self, *, federation: Federation, account: User, app_spec: str, fab_sha256: str) -> HubLaunch:
        """The launch's app, or a Refusal (an unknown or hidden version, a private app the account cannot see)."""

    def launched(self, launch: HubLaunch, *, federation: Federation, account: User, run_id: int) -> None: ...

    def federation_apps(self, federation: Federation) -> list[ListedApp]: ...

    def add(self, *, federation: Federation, actor: User, app_id: str) -> None: ...

    def remove(self, *, federation: Federation, actor: User, app_id: str) -> None: ...

    def associations(self, account: User, app_id: str) -> list[str]:
        """Handles of the account's active federations that use the app."""


class NoHub:
    """No Hub in the portal: app specs go to whatever Hub the SuperLink knows; federations list no apps."""

    def launch(self, *, federation: Federation, account: User, app_spec: str, fab_sha256: str) -> HubLaunch:
        return HubLaunch(app_spec=app_spec)

    def launched(self, launch: HubLaunch, *, federation: Federation, account: User, run_id: int) -> None:
        return None

    def federation_apps(self, federation: Federation) -> list[ListedApp]:
        return []

    def add(self, *, federation: Federation, actor: User, app_id: str) -> None:
        raise FederationError(_("This SuperGrid has no Hub, so federations have no apps to add."))

    def remove(self, *, federation: Federation, actor: User, app_id: str) -> None:
        raise FederationError(_("This SuperGrid has no Hub, so federations have no apps to remove."))

    def associations(self, account: User, app_id: str) -> list[str]:
        return []


def no_artifacts(run: "FinishedRun", account: User) -> str:
    raise FederationError(
        _("This SuperGrid keeps no artifacts of runs (run %(run_id)s).") % {"run_id": run.run_id}, code=Code.NOT_READY
    )


@dataclass
class Hooks:
    nodes: NodeLinks
    runs_ended: Callable[[Sequence[FinishedRun]], None]  # the SuperLink's most recent finished runs
    # `flwr pull`: the URL that downloads a finished run's artifacts for this member, or a Refusal saying why not
    artifacts_url: Callable[["FinishedRun", User], str]
    hub: HubApps


hooks = Hooks(nodes=NoNodeLinks(), runs_ended=lambda runs: None, artifacts_url=no_artifacts, hub=NoHub())


def provide_node_links(links: NodeLinks) -> None:
    hooks.nodes = links


def on_runs_ended(callback: Callable[[Sequence[FinishedRun]], None]) -> None:
    hooks.runs_ended = callback


def provide_artifacts_url(callback: Callable[["FinishedRun", User], str]) -> None:
    hooks.artifacts_url = callback


def provide_hub(hub: HubApps) -> None:
    hooks.hub = hub
