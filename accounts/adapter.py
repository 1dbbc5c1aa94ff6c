from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse


class AccountAdapter(DefaultAccountAdapter):
    """Field errors that say what to change, in the portal's words."""

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": "That username is taken (usernames ignore upper and lower case).",
    }

    def clean_username(self, username: str, shallow: bool = False) -> str:
        return super().clean_username(username.strip(), shallow=shallow)

    def get_signup_redirect_url(self, request) -> str:
        return reverse("federations:dashboard")
