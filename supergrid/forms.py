"""How the portal's forms are written: its renderer, and widgets written in Python."""

from collections.abc import Callable
from html import escape
from typing import Any

from django.forms import Select
from django.forms.renderers import TemplatesSetting
from django.forms.utils import flatatt
from django.http import HttpRequest
from django.template import Context
from django.template.base import render_value_in_context
from django.utils.functional import Promise
from django.utils.safestring import SafeData, SafeString, mark_safe


class SuperGridFormRenderer(TemplatesSetting):
    """Renders every form (ours and allauth's) with the portal's field markup.

    The markup nearly every form needs is written here in Python: forms/form.html, forms/field.html and
    Django's templates for inputs, textareas, checkboxes and lists of radio buttons or checkboxes (``WRITERS``).
    Through the template engine each field cost 0.5–1 ms: 3.6 ms of a 36 ms Settings page with two small forms,
    4.5 ms for the webhook form's event checkboxes. The templates stay the reference, byte for byte (the
    tests render every form both ways and compare), and render everything else: other widgets, a field's or
    a form's own template.
    """

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"

    def render(self, template_name: str, context: dict[str, Any], request: HttpRequest | None = None) -> str:
        write = WRITERS.get(template_name)
        html = write(context) if write else None
        if html is None:
            return super().render(template_name, context, request)
        return html.strip()  # as the templates' output is (BaseRenderer.render)


# What the templates' tags and filters do to a value. Django's own escape() is the standard library's,
# marked safe and slower; the renderer's callers mark its result safe.
AUTOESCAPE = Context(autoescape=True)


def text(value: Any) -> str:
    """``{{ value }}``: localized, then escaped unless safe."""
    if type(value) is str:
        return escape(value)
    if type(value) is SafeString:  # a widget or a field group, written already
        return value
    return render_value_in_context(value, AUTOESCAPE)


def as_string(value: Any) -> str:
    """``{{ value|stringformat:'s' }}``: str(), not localized, escaped unless safe."""
    return str(value) if isinstance(value, SafeData) else escape(str(value))


def form_html(context: dict[str, Any]) -> str:
    """forms/form.html."""
    errors = context["errors"]
    top = f'<div class="errorlist nonfield" role="alert">{"".join(f"<p>{text(e)}</p>" for e in errors)}</div>'
    fields = "".join(f'<div class="form-field">{text(bf.as_field_group())}</div>\n' for bf, _ in context["fields"])
    hidden = "".join(text(field) for field in context["hidden_fields"])
    return f"{top if errors else ''}\n{fields}{hidden}\n"


def field_html(context: dict[str, Any]) -> str:
    """forms/field.html."""
    field = context["field"]
    # A lazy translation is looked up each time it is tested or written: once here, as str() would.
    label, help_text = (str(value) if isinstance(value, Promise) else value for value in (field.label, field.help_text))
    auto_id = field.auto_id
    if field.use_fieldset:
        described = f' aria-describedby="{text(auto_id)}_helptext"' if help_text and auto_id else ""
        legend = f"<legend>{text(label)}</legend>" if label else ""
        html = f"<fieldset{described}>{legend}\n{field_errors(field)}\n{text(field)}\n</fieldset>"
    elif field.widget_type == "checkbox":
        html = f'<label for="{text(field.id_for_label)}" class="checkbox-label">{text(field)} {text(label)}</label>\n'
    else:
        html = f'<label for="{text(field.id_for_label)}">{text(label)}</label>' if label else ""
        html += f"\n{field_errors(field)}\n{text(field)}\n"
    if help_text:
        helptext_id = f' id="{text(auto_id)}_helptext"' if auto_id else ""
        html += f'<div class="helptext"{helptext_id}>{help_text}</div>'  # |safe
    return html + "\n"


def field_errors(field: Any) -> str:
    errors = field.errors
    if not errors:
        return ""
    items = "".join(f"<li>{text(error)}</li>" for error in errors)
    return f'<ul class="errorlist" id="{text(field.auto_id)}_error">{items}</ul>'


def attributes(attrs: dict[str, Any]) -> str:
    """django/forms/widgets/attrs.html: ``True`` a bare name, ``False`` left out."""
    return "".join(
        f" {text(name)}" if value is True else f' {text(name)}="{as_string(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


def input_html(widget: dict[str, Any]) -> str:
    """django/forms/widgets/input.html."""
    value = widget["value"]
    value = f' value="{as_string(value)}"' if value != None else ""  # noqa: E711  # the template's test
    return f'<input type="{text(widget["type"])}" name="{text(widget["name"])}"{value}{attributes(widget["attrs"])}>\n'


def textarea_html(context: dict[str, Any]) -> str:
    """django/forms/widgets/textarea.html."""
    widget = context["widget"]
    value = text(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{text(widget["name"])}"{attributes(widget["attrs"])}>\n{value}</textarea>\n'


def choices_html(context: dict[str, Any]) -> str | None:
    """django/forms/widgets/multiple_input.html (radio.html, checkbox_select.html) with its options;
    None (the templates) when an option has a template of its own."""
    widget = context["widget"]
    groups = widget["optgroups"]
    if any(option["template_name"] not in OPTIONS for _, options, _ in groups for option in options):
        return None
    id_, css = widget["attrs"].get("id"), widget["attrs"].get("class")
    html = ["<div", f' id="{text(id_)}"' if id_ else "", f' class="{text(css)}"' if css else "", ">"]
    for group, options, _ in groups:
        html.append(f"\n  <div><label>{text(group)}</label>" if group else "")
        html.extend(f"<div>\n    {option_html(option)}</div>" for option in options)
        html.append("\n  </div>" if group else "")
    return "".join(html) + "\n</div>\n"


def option_html(option: dict[str, Any]) -> str:
    """django/forms/widgets/input_option.html, included by radio_option.html and checkbox_option.html."""
    html = input_html(option)
    if option["wrap_label"]:
        id_ = option["attrs"].get("id")
        label_for = f' for="{text(id_)}"' if id_ else ""
        html = f"<label{label_for}>{html} {text(option['label'])}</label>"
    return html + "\n\n"  # input_option.html's last newline, then radio_option.html's


def input_template_html(context: dict[str, Any]) -> str:
    return input_html(context["widget"])


WIDGETS = "django/forms/widgets/"
# input.html, and the widget templates that are ``{% include "django/forms/widgets/input.html" %}`` only.
INPUTS = ["input", "text", "email", "url", "number", "password", "hidden", "search", "tel", "checkbox"]
INPUTS += ["date", "datetime", "time", "color", "file"]
OPTIONS = {f"{WIDGETS}radio_option.html", f"{WIDGETS}checkbox_option.html"}

# Template -> its markup written in Python, from the same context (None: render the template after all).
WRITERS: dict[str, Callable[[dict[str, Any]], str | None]] = {
    "forms/form.html": form_html,
    "forms/field.html": field_html,
    **{f"{WIDGETS}{name}.html": input_template_html for name in INPUTS},
    f"{WIDGETS}textarea.html": textarea_html,
    **{f"{WIDGETS}{name}.html": choices_html for name in ("multiple_input", "radio", "checkbox_select")},
}


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
