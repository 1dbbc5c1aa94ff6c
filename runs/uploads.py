"""Uploads stop at the SuperLink's FAB limit while they stream in, never after being read whole."""

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest
from django.utils.translation import gettext, gettext_noop

from superlink.fab import FAB_MAX_BYTES, megabytes

TOO_LARGE_WORDS = gettext_noop("This file is larger than %(size)s, the most a FAB may be.")
TOO_LARGE = TOO_LARGE_WORDS % {"size": megabytes(FAB_MAX_BYTES)}  # in English; ``too_large()`` for the reader


def too_large() -> str:
    """The refusal of a FAB over the limit, in the reader's language."""
    return gettext(TOO_LARGE_WORDS) % {"size": megabytes(FAB_MAX_BYTES)}


class FabSizeLimit(FileUploadHandler):
    """Counts each file's bytes as they arrive and stops the upload past the limit (the rest is discarded)."""

    def __init__(self, request=None, limit: int = FAB_MAX_BYTES):
        super().__init__(request)
        self.limit = limit
        self.too_large = False

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.too_large = True
            # Not connection_reset=False: Django then reads the rest of the body by lines (exhaust(request)),
            # and a "line" of a binary upload can be all of it, in memory at once (twice over, while joined).
            # supergrid.middleware.BodyLimitMiddleware discards the rest in pieces after the answer instead.
            raise StopUpload(connection_reset=True)
        return raw_data

    def file_complete(self, file_size):
        return None


def limit_uploads(request: HttpRequest) -> FabSizeLimit:
    """Put the limit in front of Django's handlers; call before anything reads request.POST or FILES."""
    limit = FabSizeLimit(request)
    request.upload_handlers = [limit, *request.upload_handlers]
    return limit
