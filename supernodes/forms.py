from django import forms
from django.utils.translation import gettext_lazy as _

from .keys import InvalidKey, parse_public_key


class RegisterNodeForm(forms.Form):
    public_key = forms.CharField(
        label=_("Public key"),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
        help_text=_(
            "The contents of the SuperNode's <code>.pub</code> file "
            "(<code>ecdsa-sha2-nistp256</code>, <code>-384</code> or <code>-521</code>)."
        ),
    )
    name = forms.CharField(
        label=_("Name"), required=False, max_length=64, help_text=_("Optional, e.g. <code>hospital-a</code>.")
    )

    def clean_public_key(self):
        try:
            return parse_public_key(self.cleaned_data["public_key"])
        except InvalidKey as error:
            raise forms.ValidationError(str(error), code=error.code) from None
