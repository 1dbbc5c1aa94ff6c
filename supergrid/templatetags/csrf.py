"""``{% csrf_token %}`` once for a list whose every row is a form (Accept, Decline, Revoke).

The tag looks the token up and writes its hidden field again at each use: on the profile, whose two
lists of ten rows have thirty such forms, that was a quarter of a millisecond. Write the field once
before the loop and the same field in each row's form:

    {% csrf_input as csrf %}
    {% for session in sessions %}<form method="post" …>{{ csrf }}…</form>{% endfor %}
"""

from django import template
from django.template.defaulttags import CsrfTokenNode

register = template.Library()


@register.simple_tag(takes_context=True)
def csrf_input(context) -> str:
    """What ``{% csrf_token %}`` writes here (one masked token a request, so every form's is the same)."""
    return CsrfTokenNode().render(context)
