from django import forms

from .models import Event


class WebhookForm(forms.Form):
    url = forms.CharField(
        label="Payload URL",
        max_length=500,
        help_text="Where each event is POSTed as JSON, signed with the webhook's secret. https only; "
        "public addresses only.",
        widget=forms.URLInput(attrs={"placeholder": "https://ci.example.org/hooks/supergrid", "autocomplete": "off"}),
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=Event.choices,
        initial=[Event.RUN_FINISHED, Event.RUN_FAILED, Event.RUN_STOPPED],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
