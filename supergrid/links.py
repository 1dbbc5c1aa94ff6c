"""Links read outside the portal's pages (emails, the CLI's messages), which need its public address."""

from django.conf import settings
from django.urls import reverse


def absolute_url(path_or_viewname: str, **kwargs) -> str:
    """``PORTAL_URL`` joined with a path (``/…``) or with the URL of a view name and its URL arguments."""
    path = path_or_viewname if path_or_viewname.startswith("/") else reverse(path_or_viewname, kwargs=kwargs)
    return f"{settings.PORTAL_URL}{path}"
