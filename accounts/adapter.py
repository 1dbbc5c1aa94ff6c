import contextlib
import logging

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.shortcuts import resolve_url
from django.utils.translation import gettext_lazy

from .languages import SUPPORTED, override_for
from .notifications import queue_email

logger = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    """Field errors that say what to change, in the portal's words."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": gettext_lazy("That username is taken (usernames ignore upper and lower case)."),
    }

    def clean_username(self, username: str, shallow: bool = False) -> str:
        return super().clean_username(username.strip(), shallow=shallow)

    def get_signup_redirect_url(self, request) -> str:
        return resolve_url(settings.LOGIN_REDIRECT_URL)  # where a sign-in lands (the dashboard, in settings)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Rendered here, with the request's links; sent by the task worker (allauth would send it inline).

        In the recipient's saved language when they have one; otherwise in the request's, which is theirs
        too (they are signing up, resetting their password or adding an address)."""
        request = allauth_context.request
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        recipient = context.get("user")
        chosen = getattr(recipient, "language", "") in SUPPORTED
        with override_for(recipient) if chosen else contextlib.nullcontext():
            queue_email(self.render_mail(template_prefix, email, context))

    def is_open_for_signup(self, request) -> bool:
        """Sign-up with a password, unless the operator turned it off (PASSWORD_SIGNUP=0): then only single
        sign-on creates accounts (SocialAccountAdapter)."""
        return settings.PASSWORD_SIGNUP


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Sign-in through an institution (OpenID Connect): the first time asks for a username."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        return True

    def populate_user(self, request, sociallogin, data):
        """Name and email from the provider; never a username: it is the Flower account name in every
        @owner/name, so its owner chooses it on the sign-up form (look-alike checks and all)."""
        user = super().populate_user(request, sociallogin, data)
        user.username = ""
        return user

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None) -> None:
        """For the operator: which provider failed and why (the page tells the person, without details)."""
        logger.warning("Sign-in through %s failed: %s %r", getattr(provider, "id", provider), error, exception)
        super().on_authentication_error(request, provider, error, exception, extra_context)
