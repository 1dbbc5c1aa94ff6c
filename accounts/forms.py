from allauth.account.forms import LoginForm, SignupForm
from django.utils.translation import gettext as _


class SuperGridLoginForm(LoginForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["login"].label = _("Username or email")
        self.fields["login"].widget.attrs["autocomplete"] = "username"


class SuperGridSignupForm(SignupForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = _(
            "Your Flower account name: 1–39 letters, digits, - or _, starting with a letter or digit."
        )
