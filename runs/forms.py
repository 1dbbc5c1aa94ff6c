from django import forms
from django.utils.translation import gettext_lazy as _

from superlink.fab import InvalidFab, inspect_fab
from superlink.run_config import LaunchError, parse_overrides


class LaunchForm(forms.Form):
    fab = forms.FileField(
        label=_("Flower App bundle (.fab)"), help_text=_("Made by <code>flwr build</code> in your app's folder.")
    )
    overrides = forms.CharField(
        label=_("Run config overrides"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "placeholder": "num-server-rounds=5"}),
        help_text=_(
            "Optional: one <code>key=value</code> per line; values are numbers, "
            '<code>true</code>/<code>false</code> or "quoted text".'
        ),
    )

    def __init__(self, *args, upload_error: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.upload_error = upload_error
        if upload_error:
            self.fields["fab"].required = False  # the upload stopped; say why instead of "required"

    def clean(self):
        data = super().clean()
        known_keys = None
        if self.upload_error:
            self.add_error("fab", self.upload_error)
        elif data.get("fab") is not None:
            try:
                data["fab_content"] = data["fab"].read()
                known_keys = inspect_fab(data["fab_content"]).run_config.keys()
            except InvalidFab as error:
                self.add_error("fab", str(error))
        if "overrides" in data:
            try:
                data["override_config"] = parse_overrides(data["overrides"], known_keys)
            except LaunchError as error:
                self.add_error("overrides", str(error))
        return data
