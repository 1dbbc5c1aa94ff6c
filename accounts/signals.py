"""Tell people what a password change did to their CLI sessions (``User.set_password`` ended them); count
sign-ins and refused sign-ins for /metrics."""

from allauth.account.signals import password_changed, password_reset, password_set
from django.contrib import messages
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver
from django.utils.translation import ngettext

from supergrid.metrics import SIGN_INS


@receiver([password_changed, password_reset, password_set])
def cli_sessions_signed_out(sender, request, user, **kwargs):
    ended = getattr(user, "cli_sessions_ended", 0)
    if ended:
        signed_out = ngettext(
            "Your new password signed out %(count)d flwr CLI session. Run `flwr login` to sign in again.",
            "Your new password signed out %(count)d flwr CLI sessions. Run `flwr login` to sign in again.",
            ended,
        )
        messages.info(request, signed_out % {"count": ended})


@receiver(user_logged_in, dispatch_uid="metrics-sign-in")
def signed_in(sender, **kwargs):
    SIGN_INS.labels(result="ok").inc()


@receiver(user_login_failed, dispatch_uid="metrics-refused-sign-in")
def sign_in_refused(sender, **kwargs):
    SIGN_INS.labels(result="refused").inc()
