import threading
import time

from django.db import close_old_connections, connection

# A connection this thread used less than this long ago, without errors, is reused as it is; older ones
# are checked (CONN_HEALTH_CHECKS) or replaced (CONN_MAX_AGE) the way Django's request cycle does.
# The SuperLink calls the manager several times per CLI command, so checking each time would double
# the cost of its constant-time answers.
RECENT_SECONDS = 1.0
last_used = threading.local()


def release_connections() -> None:
    """Do what Django's request cycle does around each SuperLink call: drop stale connections.

    Inside an open transaction (a test, or a caller that already holds one) there is nothing to drop.
    """
    if connection.in_atomic_block:
        return
    now = time.monotonic()
    if connection.errors_occurred or now - getattr(last_used, "at", 0.0) > RECENT_SECONDS:
        close_old_connections()
    last_used.at = now
