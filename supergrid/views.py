from django.http import HttpRequest, HttpResponsePermanentRedirect
from django.templatetags.static import static


def favicon(request: HttpRequest) -> HttpResponsePermanentRedirect:
    """Browsers (and the admin's pages) ask for /favicon.ico; ours is an SVG in static/."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
