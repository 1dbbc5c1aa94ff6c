"""Translated sentences in long lists, translated once per page rather than once per row.

``{% blocktranslate %}`` inside a loop looks up, trims and fills its sentence for every row: on a page of
a thousand members that was a fifth of the page. Translate it once before the loop with the slot ``{0}``
as the value, and fill each row's value in:

    {% blocktranslate asvar remove_words with username="{0}" %}Remove {{ username }}{% endblocktranslate %}
    {% for member in members %}… {{ remove_words|fill:member.username }} …{% endfor %}

The message is the same one, so the catalogue does not change.
"""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

SLOT = "{0}"


@register.filter
def fill(words: SafeString, value: object) -> SafeString:
    """The translated sentence (already HTML, from ``blocktranslate``) with the row's value, escaped."""
    if not isinstance(words, SafeString):  # only blocktranslate's own output, whose values it escaped
        words = conditional_escape(words)
    return mark_safe(words.replace(SLOT, conditional_escape(str(value))))  # noqa: S308 (both parts escaped)
