from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Event


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("Payload URL"),
        max_length=500,
        help_text=_(
            "Where each event is POSTed as JSON, signed with the webhook's secret. https only; public addresses only."
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://ci.example.org/hooks/supergrid", "autocomplete": "off"}),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"),
        choices=Event.choices,
        initial=[Event.RUN_FINISHED, Event.RUN_FAILED, Event.RUN_STOPPED],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )
