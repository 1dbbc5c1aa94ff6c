"""What a page says in prose, and the English words left in it once it is rendered for a Korean reader.

Text inside code (``code``, ``pre``, ``kbd``…), names (``.mono``), other languages (``lang``), what people
wrote (``.user-content``) and markup marked ``translate="no"`` is not prose; spoken attributes (``title``,
``aria-label``, ``placeholder``, ``alt``, a button's value) are.
"""

import re
from html.parser import HTMLParser

# Words that stay in Latin letters in Korean (docs/i18n.md): Flower's terms, standards, products.
KEPT = set(
    [
        "SuperGrid",
        "SuperNode",
        "SuperNodes",
        "SuperLink",
        "Flower",
        "flwr",
        "FAB",
        "fab",
        "CLI",
        "ID",
        "id",
        "run_id",
        "Hub",
        "README",
        "URL",
        "HTTP",
        "HTTPS",
        "POST",
        "TLS",
        "CA",
        "JSON",
        "Lines",
        "CSV",
        "UTC",
        "SHA",
        "HMAC",
        "Ed25519",
        "OpenID",
        "Connect",
        "pip",
        "Docker",
        "Python",
        "NumPy",
        "PyTorch",
        "GitHub",
        "CI",
        "KB",
        "MB",
        "GB",
        "bytes",
        "English",
        "ServerApp",
        "ClientApp",
        "FedAvg",
        "zip",
        "UTF",
    ]
)
# Elements whose text is code, a name or a value, never prose.
LITERAL = {"code", "pre", "kbd", "samp", "script", "style", "textarea", "var"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SPOKEN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
# Commands, emails, handles, URLs, and dotted names (files, metrics such as server.loss) are not English.
NOT_PROSE = re.compile(
    r"\bflwr( [a-z][\w-]*)+|@?[\w.+-]+@[\w.-]+|@[\w-]+/[\w.-]+(==[\w.]+)?|https?://\S+|[\w-]+(\.[\w-]+)+"
)
WORD = re.compile(r"\b[A-Za-z][A-Za-z'’]+\b")


class Prose(HTMLParser):
    """The text a reader sees or hears: text outside code, plus the spoken attributes."""

    def __init__(self):
        super().__init__()
        self.stack: list[bool] = []  # per open element: is it literal (or inside one)?
        self.found: list[str] = []

    def literal(self) -> bool:
        return bool(self.stack) and self.stack[-1]

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        literal = (
            self.literal()
            or tag in LITERAL
            or "mono" in classes
            or "user-content" in classes  # what people wrote: an app's description and README
            or values.get("translate") == "no"
            or (values.get("lang") not in (None, "ko"))
        )
        if not literal:
            self.found += [values[name] or "" for name in SPOKEN_ATTRIBUTES if name in values]
            if tag == "input" and values.get("type") in ("submit", "button"):
                self.found.append(values.get("value") or "")
        if tag not in VOID:
            self.stack.append(literal)

    def handle_endtag(self, tag):
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self.literal():
            self.found.append(data)


def english_left(html: str, names: set[str]) -> list[str]:
    parser = Prose()
    parser.feed(html)
    left = []
    for text in parser.found:
        text = NOT_PROSE.sub(" ", text)
        for word in WORD.findall(text):
            if word not in KEPT and word.lower() not in names:
                left.append(word)
    return left
