from django.core.mail.backends.base import BaseEmailBackend
from django.tasks.backends.base import BaseTaskBackend


class BrokenMailBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("mail server unreachable")


class BrokenTaskBackend(BaseTaskBackend):
    """A task queue that is down (its database, say)."""

    def enqueue(self, task, args, kwargs):
        raise ConnectionRefusedError("task queue unreachable")


def load_deferred(client, path: str, section: str, **params):
    """A page whose SuperLink data loads after it: the placeholder, then what htmx fetches for it.

    Returns the section as htmx receives it; asserts the page points at it and works without JavaScript.
    """
    page = client.get(path, params).content.decode()
    assert f'<div id="{section}" hx-get="' in page
    assert 'hx-trigger="load"' in page
    assert "show=all" in page  # the link without JavaScript
    assert client.get(path, {**params, "show": "all"}).status_code == 200
    return client.get(path, params, headers={"HX-Request": "true", "HX-Target": section})


def folder_storage(settings, name: str, location) -> None:
    """Point one of Django's STORAGES ("hub", "artifacts") at a folder for this test; Django's storages
    handler forgets the backend it had when STORAGES changes."""
    backend = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(location)}}
    settings.STORAGES = {**settings.STORAGES, name: backend}
