"""Request ids on every log line, request bodies never held whole in memory, and error pages in the product's
design for answers views leave empty."""

import contextlib
import contextvars
import logging
import re
import uuid

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string

from . import sources

logger = logging.getLogger(__name__)

request_id = contextvars.ContextVar("request_id", default="-")
INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Take the proxy's X-Request-ID (when it looks like one) or make one; echo it in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if INCOMING_ID.match(incoming) else uuid.uuid4().hex
        token = request_id.set(request.id)
        try:
            response = self.get_response(request)
        finally:
            request_id.reset(token)
        response["X-Request-ID"] = request.id
        return response


class SourceMiddleware:
    """Every change a request makes is recorded as from the web, the admin, or the flwr CLI (the Hub API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        source = (
            sources.ADMIN if path.startswith("/admin/") else sources.CLI if path.startswith("/api/") else sources.WEB
        )
        with sources.acting_from(source):
            return self.get_response(request)


def limits_own_body(view):
    """Let a view take bodies past REQUEST_BODY_MAX_BYTES: it stops reading them itself (an upload handler's limit)."""
    view.limits_own_body = True
    return view


class BodyLimitMiddleware:
    """No request body is held whole: refuse large ones before anything reads them, discard what is left unread.

    Bodies over REQUEST_BODY_MAX_BYTES get a 413 page that says so, except on views marked
    ``limits_own_body``. Goes before CsrfViewMiddleware, whose process_view reads the form.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            return self.get_response(request)
        finally:
            # runserver reads what the portal left of a body in one read() after answering (ServerHandler.close):
            # for a refused 300 MB upload, 300 MB of memory. Read it here in pieces instead.
            discard_body(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.REQUEST_BODY_MAX_BYTES and not getattr(view_func, "limits_own_body", False):
            logger.warning("Refused a request body of %s bytes (REQUEST_BODY_MAX_BYTES)", length)
            limit = f"{settings.REQUEST_BODY_MAX_BYTES / 1_000_000:.1f} MB"
            return HttpResponse(render_to_string("413.html", {"limit": limit}, request), status=413)
        return None


def discard_body(request, chunk_size: int = 64 * 1024) -> None:
    # OSError: the client went away; ValueError: the body was read whole and closed. Nothing to discard either way.
    with contextlib.suppress(OSError, ValueError):
        while request.read(chunk_size):
            pass


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class ErrorPageMiddleware:
    """A 405 (a GET to a POST-only URL) comes back from Django empty; give it a page that says what to do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.content:
            response.content = render_to_string("405.html", {"allowed": response.get("Allow", "")}, request)
            response["Content-Type"] = "text/html; charset=utf-8"
        return response
