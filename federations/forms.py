from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

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
        label=_("Type"),
        choices=Federation.Kind.choices,
        initial=Federation.Kind.SIMULATION,
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label=_("Federation name"),
        max_length=64,  # its help text names the user: set in __init__
        widget=forms.TextInput(attrs={"autocomplete": "off", "maxlength": FEDERATION_NAME_MAX_LENGTH}),
    )
    num_supernodes = forms.IntegerField(
        label=_("Number of simulated SuperNodes"),
        required=False,
        initial=DEFAULT_SIMULATED_SUPERNODES,
        widget=forms.NumberInput(attrs=NUM_SUPERNODES_ATTRS),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Optional: what this federation is for."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].help_text = gettext(
            "1–32 letters, digits or hyphens, starting with a letter. Its id will be @%(username)s/name."
        ) % {"username": user.username}
        self.fields["num_supernodes"].help_text = gettext("Simulation only: %(min)d to %(max)d.") % {
            "min": MIN_SIMULATED_SUPERNODES,
            "max": MAX_SIMULATED_SUPERNODES,
        }
        if not user.has_deployment_access:
            self.fields["kind"].widget = KindSelect(
                choices=self.fields["kind"].choices, disabled_values={Federation.Kind.DEPLOYMENT}
            )


class FederationSettingsForm(forms.Form):
    num_supernodes = forms.IntegerField(
        label=_("Number of simulated SuperNodes"),
        widget=forms.NumberInput(attrs=NUM_SUPERNODES_ATTRS),  # help text in __init__
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    only_its_apps = forms.BooleanField(
        label=_("Only the federation's apps may run"),
        required=False,
        help_text=_(
            "Runs must be of an app on the Apps tab (its Run button, or <code>flwr run @owner/app</code>); "
            "uploaded FABs and <code>flwr run .</code> of other code are refused, for everyone."
        ),
    )

    reviewers_required = forms.CharField(
        label=_("Runs must be reviewed by"),
        required=False,
        max_length=400,
        help_text=_(
            "Usernames, separated by spaces: a run needs a review by one of them "
            "(<code>flwr app review</code>) or it is refused before any SuperNode sees it. Empty: no review needed."
        ),
    )

    def __init__(self, *args, federation: Federation, **kwargs):
        super().__init__(*args, **kwargs)
        if not federation.is_simulation:
            del self.fields["num_supernodes"]
        else:
            self.fields["num_supernodes"].help_text = gettext("%(min)d to %(max)d; used by the next runs.") % {
                "min": MIN_SIMULATED_SUPERNODES,
                "max": MAX_SIMULATED_SUPERNODES,
            }


class ArchiveForm(forms.Form):
    confirm = forms.CharField(label=_("Federation name"), widget=forms.TextInput(attrs={"autocomplete": "off"}))

    def __init__(self, *args, federation: Federation, **kwargs):
        super().__init__(*args, **kwargs)
        self.federation = federation
        self.fields["confirm"].help_text = gettext("Type %(federation)s to confirm.") % {
            "federation": federation.handle
        }

    def clean_confirm(self):
        typed = self.cleaned_data["confirm"].strip()
        if typed != self.federation.handle:
            raise forms.ValidationError(
                gettext("Type %(federation)s exactly to archive this federation.")
                % {"federation": self.federation.handle}
            )
        return typed


class InviteForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false", "autofocus": True}
        ),
        help_text=_("The person's SuperGrid username (their Flower account name)."),
    )
