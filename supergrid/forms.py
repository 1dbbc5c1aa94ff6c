from html import escape

from django.forms import Select
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe


class SuperGridFormRenderer(TemplatesSetting):
    """Renders every form (ours and allauth's) with the portal's field markup."""

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


class QuickSelect(Select):
    """A ``<select>`` whose options are written in Python: Django renders each option through a template,
    which for a hundred options (a member's federations, an app's versions) costs more than the page.
    Same markup as Django's (attributes, ``selected``), flat choices only."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        chosen = {str(item) for item in (value if isinstance(value, list | tuple) else [value]) if item is not None}
        # The standard library's escape, which Django's wraps (for lazy strings; these are plain text).
        options = "".join(
            f'<option value="{escape(str(option))}"{" selected" if str(option) in chosen else ""}>'
            f"{escape(str(label))}</option>"
            for option, label in self.choices
        )
        final = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        return mark_safe(f"<select{flatatt(final)}>{options}</select>")  # noqa: S308  # every value escaped above
