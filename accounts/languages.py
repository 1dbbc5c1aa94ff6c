"""Which language a person reads: their profile's choice, else their browser's, else English.

``LocaleMiddleware`` picks the browser's (``Accept-Language``, or the footer switcher's cookie); the
middleware here lets a saved preference win. What is sent while the person is not there (emails, the
SuperLink's refusals to their ``flwr``) uses ``override_for(user)``: their preference, else English.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

SUPPORTED = {code for code, _ in settings.LANGUAGES}


def offered_or_default(code: str | None) -> str:
    """A saved choice if it is one of ``LANGUAGES``, else the default (English)."""
    return code if code in SUPPORTED else settings.LANGUAGE_CODE


def language_of(user: object) -> str:
    """The language to write to this person in when they are not looking at a page."""
    return offered_or_default(getattr(user, "language", None))


def override_for(user: object) -> AbstractContextManager:
    """``with override_for(invitee): send(...)``: the recipient's language, not the sender's."""
    return translation.override(language_of(user))


class PreferredLanguageMiddleware:
    """After authentication: a signed-in person's saved language replaces the browser's choice."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        chosen = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
        if chosen in SUPPORTED and chosen != request.LANGUAGE_CODE:
            translation.activate(chosen)
            request.LANGUAGE_CODE = chosen
        return self.get_response(request)
