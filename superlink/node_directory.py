"""Which SuperNodes are in which federation, kept in memory for the SuperLink's message routing.

``has_node``/``filter_nodes`` run for every message, so they never query: they read this directory. The
links themselves come from the app that keeps them (``hooks.nodes``, the supernodes app).
"""

import logging
import threading

from django.conf import settings

from .db import release_connections
from .hooks import NodeLinks, hooks

logger = logging.getLogger(__name__)


class NodeDirectory:
    """Which nodes are in which federation, kept in memory for message routing.

    A background thread checks every SUPERLINK_NODE_CACHE_SECONDS whether the links changed (in the web
    process) and only then reads them again; changes committed inside this process reload it at once.
    Readers never query.
    """

    def __init__(self, interval: float, links: NodeLinks | None = None):
        self.interval = interval
        self.links = links  # where the links are kept (hooks.nodes, the supernodes app's, unless given)
        self._nodes: dict[str, frozenset[int]] = {}
        self._signature: object = None
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.reload()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="supergrid-node-directory", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.reload(force=False)
            except Exception:  # keep the last good answer; the next round tries again
                logger.exception("Could not reload the federation node directory")
            finally:
                release_connections()

    def reload(self, *, force: bool = True) -> None:
        """Read every link again; with ``force=False`` only when their signature changed since the last read."""
        links = self.links or hooks.nodes
        signature = links.signature()
        if not force and signature == self._signature:
            return
        nodes: dict[str, set[int]] = {}
        # Archived federations keep their nodes: runs in flight finish (new runs are refused).
        for handle, node_id in links.all_links():
            nodes.setdefault(handle.lower(), set()).add(int(node_id))
        with self._lock:
            self._nodes = {key: frozenset(value) for key, value in nodes.items()}
            self._signature = signature

    def invalidate(self) -> None:
        self._wake.set()

    def nodes(self, federation_id: str) -> frozenset[int]:
        return self._nodes.get((federation_id or "").lower(), frozenset())


node_directory = NodeDirectory(settings.SUPERLINK_NODE_CACHE_SECONDS)
