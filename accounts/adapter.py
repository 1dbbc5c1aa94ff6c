from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.shortcuts import resolve_url

from .notifications import queue_email


class AccountAdapter(DefaultAccountAdapter):
    """Field errors that say what to change, in the portal's words."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": "That username is taken (usernames ignore upper and lower case).",
    }

    def clean_username(self, username: str, shallow: bool = False) -> str:
        return super().clean_username(username.strip(), shallow=shallow)

    def get_signup_redirect_url(self, request) -> str:
        return resolve_url(settings.LOGIN_REDIRECT_URL)  # where a sign-in lands (the dashboard, in settings)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Rendered here, with the request's links; sent by the task worker (allauth would send it inline)."""
        request = allauth_context.request
        context = {"request": request, "email": email, "current_site": get_current_site(request), **context}
        queue_email(self.render_mail(template_prefix, email, context))
