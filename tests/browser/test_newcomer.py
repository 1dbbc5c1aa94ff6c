"""A newcomer's first hour, in Chromium: DEBUG on as `make run` has it, a phone, a keyboard."""

import re

import pytest
from django.utils import translation
from django.utils.translation import gettext
from playwright.sync_api import expect

from federations import services
from supernodes.models import FederationNode

from ..factories import FederationFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def lab(db):
    """alice owns a deployment federation with a long name, bob is a member with a SuperNode in it,
    carol is invited, and there is activity."""
    alice = UserFactory(username="alice", has_deployment_access=True)
    bob = UserFactory(username="bob")
    UserFactory(username="carol")
    federation = FederationFactory(
        owner=alice, name="hospital-network-europe-2026", kind="deployment", members=[bob], description="x " * 200
    )
    FederationNode.objects.create(federation=federation, node_id="18446744073709551615", owner=bob)
    services.invite(federation=federation, inviter=alice, username="carol")
    return federation


@pytest.mark.parametrize("username", ["nobody", "alice", "bob", ""])
def test_htmx_form_errors_keep_the_page_with_debug_on(page, sign_in, settings, lab, username):
    settings.DEBUG = True  # django-htmx's DEBUG helper replaces the document on htmx 400/403/404/500
    sign_in(lab.owner)
    page.goto("/@alice/hospital-network-europe-2026/members/")
    page.get_by_role("button", name="Invite User").click()
    page.get_by_label("Username").fill(username)
    page.get_by_role("button", name="Send Invitation").click()
    expect(page.locator("#id_username_error")).to_be_visible()
    expect(page.get_by_role("link", name="SuperGrid")).to_be_visible()  # the layout is still there
    expect(page.get_by_role("navigation", name="Federation")).to_be_visible()
    assert page.evaluate("getComputedStyle(document.body).fontFamily") != "Times New Roman"


def words(language: str, english: str, **values: str) -> str:
    """The page's words in that language (the catalogue's Korean, which must exist)."""
    with translation.override(language):
        said = gettext(english)
    assert language == "en" or said != english, f"no Korean for {english!r}"
    return said % values if values else said


@pytest.mark.parametrize("language", ["en", "ko"])
@pytest.mark.parametrize(
    ("who", "path", "opener", "values"),
    [
        ("bob", "/@alice/hospital-network-europe-2026/members/", "Leave federation", {}),
        ("alice", "/@alice/hospital-network-europe-2026/members/", "Remove %(username)s", {"username": "bob"}),
        ("alice", "/federations/", "Archive %(handle)s", {"handle": "@alice/hospital-network-europe-2026"}),
    ],
)
def test_dialogs_are_never_clipped_and_open_safely(page, sign_in, lab, who, path, opener, values, language):
    user = lab.owner if who == "alice" else lab.memberships.get(user__username=who).user
    user.language = language  # Korean labels are longer: the dialogs must hold them too
    user.save()
    sign_in(user)
    page.goto(path)
    opener = words(language, opener, **values)
    button = page.get_by_role("button", name=opener).first
    button.click()
    box = page.locator("#" + button.get_attribute("data-dialog"))
    expect(box).to_be_visible()
    for paragraph in box.locator("p").all():
        clipped = paragraph.evaluate(
            "p => p.scrollWidth > p.clientWidth + 1 || getComputedStyle(p).whiteSpace === 'nowrap'"
        )
        assert not clipped, paragraph.inner_text()
    focused = page.evaluate("document.activeElement.tagName + ' ' + (document.activeElement.textContent || '').trim()")
    cancel = words(language, "Cancel")
    assert focused in (f"A {cancel}", f"BUTTON {cancel}") or focused.startswith("INPUT"), focused  # never destructive
    page.keyboard.press("Escape")
    expect(box).not_to_be_visible()
    back = page.evaluate(
        "document.activeElement.getAttribute('aria-label') || document.activeElement.textContent.trim()"
    )
    assert back == opener  # focus returns to the button that opened the dialog


@pytest.mark.parametrize("locale", ["en-US", "ko-KR"])
def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, lab, locale):
    """In English and in Korean (the browser's Accept-Language), whose labels run longer."""
    from django.test import Client

    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale=locale)
    session = Client()
    session.force_login(lab.owner)
    context.add_cookies([{"name": "sessionid", "value": session.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    handle = "/@alice/hospital-network-europe-2026"
    pages = [
        "/federations/",
        "/federations/archived/",
        "/federations/new/",
        f"{handle}/",
        f"{handle}/runs/",
        f"{handle}/supernodes/",
        f"{handle}/members/",
        f"{handle}/members/invite/",
        f"{handle}/activity/",
        f"{handle}/settings/",
        f"{handle}/members/bob/remove/",
        "/profile/",
        "/supernodes/",
        "/runs/",
        "/apps/",
        f"{handle}/apps/",
    ]
    try:
        for path in pages:
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == locale[:2]
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} is {width} px wide"
        page.goto("/")
        page.context.clear_cookies()
        for path in ("/", "/accounts/login/", "/accounts/signup/"):
            page.goto(path)
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
    finally:
        context.close()


def test_keyboard_focus_and_titles(page, sign_in, lab):
    sign_in(lab.owner)
    page.goto("/@alice/hospital-network-europe-2026/members/")
    expect(page).to_have_title("Members · @alice/hospital-network-europe-2026 · SuperGrid")
    page.get_by_role("button", name="Invite User").click()
    expect(page.get_by_label("Username")).to_be_focused()
    # Tabs swap in place and still say where you are.
    page.get_by_role("navigation", name="Federation").get_by_role("link", name="Activity").click()
    expect(page).to_have_title("Activity · @alice/hospital-network-europe-2026 · SuperGrid")
    # The focus ring stands out: the portal's blue on white (AA for non-text contrast).
    page.get_by_role("navigation", name="Federation").get_by_role("link", name="Members").focus()
    page.keyboard.press("Tab")
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineColor")
    assert ring in ("rgb(31, 79, 209)", "rgb(255, 255, 255)"), ring


def test_an_invitee_is_told_on_the_dashboard_and_lands_on_the_federation(page, sign_in, lab):
    carol = lab.invitations.get().invitee
    sign_in(carol)
    expect(page.get_by_role("heading", name="You are invited")).to_be_visible()
    expect(page.get_by_text("@alice/hospital-network-europe-2026")).to_be_visible()
    page.get_by_role("button", name="Accept invitation to @alice/hospital-network-europe-2026").click()
    expect(page).to_have_url(re.compile(r"/@alice/hospital-network-europe-2026/$"))
    expect(page.get_by_text("You joined @alice/hospital-network-europe-2026.")).to_be_visible()


def test_a_new_federation_says_what_to_do_next(page, sign_in, lab):
    sign_in(lab.owner)
    page.goto("/federations/new/")
    page.get_by_label("Deployment").check()
    expect(page.get_by_label("Number of simulated SuperNodes")).to_be_hidden()
    page.get_by_label("Simulation").check()
    expect(page.get_by_label("Number of simulated SuperNodes")).to_be_visible()
    page.get_by_label("Federation name").fill("first-steps")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
    expect(page.get_by_role("link", name="Invite collaborators")).to_be_visible()
    expect(page.get_by_role("link", name="download the example app")).to_be_visible()


def test_a_refused_launch_says_to_choose_the_file_again(page, sign_in, lab, tmp_path):
    sign_in(lab.owner)
    page.goto("/@alice/hospital-network-europe-2026/runs/")
    fab = tmp_path / "app.fab"
    fab.write_bytes(b"not a zip")
    page.get_by_label("Flower App bundle (.fab)").set_input_files(fab)
    page.get_by_role("button", name="Launch run").click()
    expect(page.get_by_text("This is not a FAB.")).to_be_visible()
    expect(page.get_by_text("Choose the FAB file again before launching")).to_be_visible()
    expect(page.get_by_text("Made by flwr build in your app's folder.")).to_be_visible()  # no backticks


def test_recent_things_happened_just_now(page, sign_in, lab):
    sign_in(lab.owner)
    page.goto("/@alice/hospital-network-europe-2026/members/")
    expect(page.locator("#invitation-list")).to_contain_text("just now")
    expect(page.locator("#invitation-list")).not_to_contain_text("0 minutes")
