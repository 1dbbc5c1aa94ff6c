import os
import re
import shutil
from pathlib import Path

import pytest

from .factories import PASSWORD, FederationFactory, UserFactory

# Playwright's sync API runs an event loop in the test thread; the ORM calls the
# tests make around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def user(db):
    return UserFactory(username="alice")


@pytest.fixture
def owner(db):
    return UserFactory(username="olivia")


@pytest.fixture
def member(db):
    return UserFactory(username="max")


@pytest.fixture
def outsider(db):
    return UserFactory(username="oscar")


@pytest.fixture
def invitee(db):
    return UserFactory(username="ivy")


@pytest.fixture
def federation(owner, member):
    """A simulation federation owned by ``owner`` with ``member`` in it."""
    return FederationFactory(owner=owner, name="fedavg-lab", members=[member], description="Shared lab.")


@pytest.fixture
def archived_federation(owner, member):
    return FederationFactory(owner=owner, name="old-lab", members=[member], archived=True)


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        return configured if Path(configured).exists() else None
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        reason = "no Chromium found at /usr/bin/chromium or CHROMIUM_PATH; install Debian's chromium package"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []

    def on_console(msg):
        # 400, 403, 409 and 422 are the portal's answers to refused forms; anything else (CSP, 404, 500) is a bug.
        expected = re.search(r"status of (400|403|409|422) ", msg.text)
        if msg.type == "error" and not expected:
            errors.append(msg.text)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, f"the browser reported errors: {errors}"


@pytest.fixture
def sign_in(page):
    """Signs a user in through the real sign-in page."""

    def do_sign_in(user, login: str | None = None):
        page.goto("/accounts/login/")
        page.get_by_label("Username or email").fill(login or user.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url("**/federations/")
        # The dashboard loads each row's live counts after the page; let them finish first. (SQLite's
        # in-memory test database is one connection shared by the live server's threads.)
        page.wait_for_load_state("networkidle")
        return page

    return do_sign_in
