from django.forms.renderers import TemplatesSetting


class SuperGridFormRenderer(TemplatesSetting):
    """Renders every form (ours and allauth's) with the portal's field markup."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
