"""Where a change came from, for the activity log's source column: the web pages, the stock flwr CLI
(through the SuperLink or the Hub API), the Django admin, or the system (the worker, commands)."""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager

WEB, CLI, ADMIN, SYSTEM = "web", "cli", "admin", "system"

current: contextvars.ContextVar[str] = contextvars.ContextVar("source", default=SYSTEM)


@contextmanager
def acting_from(source: str) -> Iterator[None]:
    token = current.set(source)
    try:
        yield
    finally:
        current.reset(token)
