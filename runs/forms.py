from django import forms

from .launch import LaunchError, check_fab, parse_overrides


class LaunchForm(forms.Form):
    fab = forms.FileField(label="Flower App bundle (.fab)", help_text="Made by `flwr build` in your app's folder.")
    overrides = forms.CharField(
        label="Run config overrides",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "placeholder": "num-server-rounds=5"}),
        help_text='Optional: one key=value per line; values are numbers, true/false or "quoted text".',
    )

    def clean(self):
        data = super().clean()
        if data.get("fab") is not None:
            try:
                data["fab_content"] = data["fab"].read()
                check_fab(data["fab_content"])
            except LaunchError as error:
                self.add_error("fab", str(error))
        try:
            data["override_config"] = parse_overrides(data.get("overrides", ""))
        except LaunchError as error:
            self.add_error("overrides", str(error))
        return data
