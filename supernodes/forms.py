from django import forms

from .keys import InvalidKey, parse_public_key


class RegisterNodeForm(forms.Form):
    public_key = forms.CharField(
        label="Public key",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
        help_text="The contents of the SuperNode's .pub file (ecdsa-sha2-nistp256, -384 or -521).",
    )
    name = forms.CharField(label="Name", required=False, max_length=64, help_text="Optional, e.g. hospital-a.")

    def clean_public_key(self):
        try:
            return parse_public_key(self.cleaned_data["public_key"])
        except InvalidKey as error:
            raise forms.ValidationError(str(error)) from None
