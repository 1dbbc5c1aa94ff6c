from django import forms

from .models import (
    DEFAULT_SIMULATED_SUPERNODES,
    FEDERATION_NAME_MAX_LENGTH,
    MAX_SIMULATED_SUPERNODES,
    MIN_SIMULATED_SUPERNODES,
    Federation,
)

NUM_SUPERNODES_ATTRS = {"min": MIN_SIMULATED_SUPERNODES, "max": MAX_SIMULATED_SUPERNODES, "inputmode": "numeric"}


class KindSelect(forms.RadioSelect):
    """Radio buttons where choices the user cannot pick are shown, but disabled."""

    def __init__(self, *args, disabled_values=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.disabled_values = set(disabled_values)

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        if value in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


class FederationCreateForm(forms.Form):
    kind = forms.ChoiceField(
        label="Type",
        choices=Federation.Kind.choices,
        initial=Federation.Kind.SIMULATION,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label="Federation name",
        max_length=64,
        help_text="1–32 letters, digits or hyphens, starting with a letter. Its id will be @you/name.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": FEDERATION_NAME_MAX_LENGTH}),
    )
    num_supernodes = forms.IntegerField(
        label="Number of simulated SuperNodes",
        required=False,
        initial=DEFAULT_SIMULATED_SUPERNODES,
        help_text=f"Simulation only: {MIN_SIMULATED_SUPERNODES} to {MAX_SIMULATED_SUPERNODES}.",
        widget=forms.NumberInput(attrs=NUM_SUPERNODES_ATTRS),
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Optional: what this federation is for.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "name"
        ].help_text = f"1–32 letters, digits or hyphens, starting with a letter. Its id will be @{user.username}/name."
        if not user.has_deployment_access:
            self.fields["kind"].widget = KindSelect(
                choices=self.fields["kind"].choices, disabled_values={Federation.Kind.DEPLOYMENT}
            )


class FederationSettingsForm(forms.Form):
    num_supernodes = forms.IntegerField(
        label="Number of simulated SuperNodes",
        help_text=f"{MIN_SIMULATED_SUPERNODES} to {MAX_SIMULATED_SUPERNODES}; used by the next runs.",
        widget=forms.NumberInput(attrs=NUM_SUPERNODES_ATTRS),
    )
    description = forms.CharField(
        label="Description", required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    only_its_apps = forms.BooleanField(
        label="Only the federation's apps may run",
        required=False,
        help_text="Runs must be of an app on the Apps tab (its Run button, or <code>flwr run @owner/app</code>); "
        "uploaded FABs and <code>flwr run .</code> of other code are refused, for everyone.",
    )

    reviewers_required = forms.CharField(
        label="Runs must be reviewed by",
        required=False,
        max_length=400,
        help_text="Usernames, separated by spaces: a run needs a review by one of them "
        "(<code>flwr app review</code>) or it is refused before any SuperNode sees it. Empty: no review needed.",
    )

    def __init__(self, *args, federation: Federation, **kwargs):
        super().__init__(*args, **kwargs)
        if not federation.is_simulation:
            del self.fields["num_supernodes"]


class ArchiveForm(forms.Form):
    confirm = forms.CharField(label="Federation name", widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, federation: Federation, **kwargs):
        super().__init__(*args, **kwargs)
        self.federation = federation
        self.fields["confirm"].help_text = f"Type {federation.handle} to confirm."

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip()
        if typed != self.federation.handle:
            raise forms.ValidationError(f"Type {self.federation.handle} exactly to archive this federation.")
        return typed


class InviteForm(forms.Form):
    username = forms.CharField(
        label="Username",
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
        help_text="The person's SuperGrid username (their Flower account name).",
    )
