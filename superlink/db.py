from django.db import close_old_connections, connection


def release_connections() -> None:
    """Do what Django's request cycle does around each SuperLink call: drop stale connections.

    Inside an open transaction (a test, or a caller that already holds one) there is nothing to drop.
    """
    if not connection.in_atomic_block:
        close_old_connections()
