"""The request a signed-in view receives, for type checking: ``request.user`` is a portal ``User``."""

from supergrid.web import HtmxHttpRequest

from .models import User


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """What ``@login_required`` views get: a signed-in ``User`` and django-htmx's ``request.htmx``.

    Only an annotation: Django passes its own request object, so nothing here exists at run time.
    """

    user: User
