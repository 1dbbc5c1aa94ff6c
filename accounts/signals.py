"""Tell people what a password change did to their CLI sessions (``User.set_password`` ended them)."""

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib import messages
from django.dispatch import receiver


@receiver([password_changed, password_reset, password_set])
def cli_sessions_signed_out(sender, request, user, **kwargs):
    ended = getattr(user, "cli_sessions_ended", 0)
    if ended:
        messages.info(
            request,
            f"Your new password signed out {ended} flwr CLI session{'s' if ended != 1 else ''}. "
            "Run `flwr login` to sign in again.",
        )
