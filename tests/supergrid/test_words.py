"""Sentences translated once per page and filled per row (supergrid/templatetags/words.py)."""

from django.template import Context, Template
from django.utils import translation


def render(source: str, **values) -> str:
    return Template("{% load i18n words %}" + source).render(Context(values))


def test_a_row_gets_the_sentence_blocktranslate_would_have_made():
    source = '{% blocktranslate asvar words with username="{0}" %}Remove {{ username }}{% endblocktranslate %}'
    for language in ("en", "ko"):
        with translation.override(language):
            once = render(source + "{% for name in names %}[{{ words|fill:name }}]{% endfor %}", names=["bob", "ivy"])
            each = render(
                "{% for name in names %}[{% blocktranslate with username=name %}Remove {{ username }}"
                "{% endblocktranslate %}]{% endfor %}",
                names=["bob", "ivy"],
            )
        assert once == each
    with translation.override("ko"):
        assert "bob 님 내보내기" in once


def test_the_value_is_escaped_and_the_sentence_is_kept():
    source = '{% blocktranslate asvar words with handle="{0}" %}Archive {{ handle }}{% endblocktranslate %}'
    assert render(source + "{{ words|fill:value }}", value='<b>"x"</b>') == "Archive &lt;b&gt;&quot;x&quot;&lt;/b&gt;"
    assert render("{{ words|fill:value }}", words="a <i> {0}", value="&") == "a &lt;i&gt; &amp;"  # not from the tag
