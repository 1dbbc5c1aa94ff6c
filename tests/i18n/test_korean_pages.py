"""Every page, rendered for a Korean reader, says nothing in English outside what stays in Latin letters:
Flower's own terms, names people chose (usernames, federations, apps), code, commands and ids."""

import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils.html import escape

from apps.models import App
from federations import services
from superlink.control_client import build_fab
from supernodes.models import FederationNode

from ..apps.test_hub_api import EXAMPLE
from ..factories import FederationFactory, UserFactory
from ..support import folder_storage

pytestmark = pytest.mark.django_db

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
    ]
)
# Elements whose text is code, a name or a value, never prose.
LITERAL = {"code", "pre", "kbd", "samp", "script", "style", "textarea", "var"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SPOKEN_ATTRIBUTES = ("title", "aria-label", "placeholder", "alt")
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
        # Names people chose, handles, emails, URLs and file names are not English.
        text = re.sub(
            r"@?[\w.+-]+@[\w.-]+|@[\w-]+/[\w.-]+(==[\w.]+)?|https?://\S+|\b[\w-]+\.(fab|pub|toml|py|json|npz|pem|yaml)(?![A-Za-z])",
            " ",
            text,
        )
        for word in WORD.findall(text):
            if word not in KEPT and word.lower() not in names:
                left.append(word)
    return left


@pytest.fixture
def grid(settings, tmp_path):
    folder_storage(settings, "hub", tmp_path)
    alice = UserFactory(username="alice", has_deployment_access=True, language="ko", is_staff=True, is_superuser=True)
    bob = UserFactory(username="bob", language="ko")
    UserFactory(username="carol", language="ko")
    federation = FederationFactory(owner=alice, name="hospitals", kind="deployment", members=[bob])
    FederationNode.objects.create(federation=federation, node_id="18446744073709551615", owner=bob)
    services.invite(federation=federation, inviter=alice, username="carol")
    FederationFactory(owner=alice, name="sims", kind="simulation", members=[bob])
    FederationFactory(owner=alice, name="old", members=[bob], archived=True)
    FederationFactory(owner=bob, name="bobs-lab")
    services.invite(federation=FederationFactory(owner=bob, name="study"), inviter=bob, username="alice")
    web = Client()
    web.force_login(alice)
    published = web.post("/apps/", {"fab": SimpleUploadedFile("app.fab", build_fab(EXAMPLE))})
    assert published.status_code == 302
    return alice


NAMES = {
    "alice",
    "bob",
    "carol",
    "hospitals",
    "sims",
    "old",
    "bobs",
    "lab",
    "study",
    "quickstart",
    "numpy",
    "supergrid",
}

SIGNED_IN = [
    "/federations/",
    "/federations/archived/",
    "/federations/new/",
    "/@alice/hospitals/",
    "/@alice/hospitals/members/",
    "/@alice/hospitals/members/invite/",
    "/@alice/hospitals/members/bob/remove/",
    "/@alice/hospitals/supernodes/",
    "/@alice/hospitals/runs/",
    "/@alice/hospitals/apps/",
    "/@alice/hospitals/activity/",
    "/@alice/hospitals/settings/",
    "/@alice/sims/",
    "/@alice/sims/settings/",
    "/@alice/old/",
    "/@alice/old/members/",
    "/profile/",
    "/profile/signing-keys/",
    "/supernodes/",
    "/runs/",
    "/apps/",
    "/apps/@alice/quickstart-numpy/",
    "/nowhere/",
    "/@bob/bobs-lab/",
]
ADMIN = [
    "/admin/",
    "/admin/accounts/user/",
    "/admin/accounts/deploymentaccessrequest/",
    "/admin/accounts/signingkey/",
    "/admin/federations/federation/",
    "/admin/federations/activity/",
    "/admin/federations/invitation/",
    "/admin/hub/app/",
    "/admin/hub/appversion/",
    "/admin/runs/runartifacts/",
    "/admin/webhooks/webhook/",
    "/admin/webhooks/delivery/",
]
SIGNED_OUT = ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]


# Django's admin writes these alt texts in English whatever the language (not marked for translation).
DJANGO_ALTS = {"Search", "True", "False"}


@pytest.mark.parametrize("path", SIGNED_IN + ADMIN)
def test_pages_of_a_korean_member_have_no_english_left(client, grid, path):
    client.force_login(grid)
    response = client.get(path)
    assert response.status_code in (200, 403, 404), (path, response.status_code)
    page = response.content.decode()
    assert '<html lang="ko"' in page
    # What people wrote stays as written: the app's description (the admin lists it unmarked).
    left = english_left(page.replace(escape(App.objects.get().description), ""), NAMES)
    assert [word for word in left if not (path in ADMIN and word in DJANGO_ALTS)] == [], path


@pytest.mark.parametrize("path", SIGNED_OUT)
def test_pages_for_a_korean_visitor_have_no_english_left(client, db, path):
    response = client.get(path, HTTP_ACCEPT_LANGUAGE="ko-KR,ko;q=0.9,en;q=0.5")
    assert response.status_code == 200
    assert english_left(response.content.decode(), NAMES) == [], path


def test_the_scan_finds_english():
    """The check itself: English prose is caught, code and names are not."""
    html = '<p>Invite someone <code>flwr run .</code> 초대 alice</p><button aria-label="Close">x</button>'
    assert english_left(html, {"alice"}) == ["Invite", "someone", "Close"]
