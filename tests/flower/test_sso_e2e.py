"""Single sign-on end to end, in a real browser, with a real OpenID provider and a real SuperLink: sign in
through the institution, choose a username, create a federation; then `flwr login` (signed out: its
approval page is the portal's sign-in, through the same provider) and `flwr federation list`."""

import re
import subprocess

import pytest
from playwright.sync_api import expect

from ..oidc.provider import Idp, use_providers
from .conftest import BIN, FlwrCli, stop

pytestmark = [pytest.mark.browser, pytest.mark.flower, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sso(settings, live_server, tmp_path):
    provider = Idp(tmp_path / "idp", [f"{live_server.url}/accounts/oidc/uni/login/callback/"])
    use_providers(settings, provider.provider())
    yield provider
    provider.stop()


def sign_in_at_the_provider(page) -> None:
    expect(page.get_by_role("heading", name="University sign-in")).to_be_visible()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("ada-password")
    page.get_by_role("button", name="Sign in").click()


def test_sign_in_through_the_institution_then_flwr_login_through_it_too(page, portal, sso, tmp_path, browser):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Sign in with University A").click()
    page.get_by_role("button", name="Continue").click()  # allauth's confirmation: a POST, then the provider
    sign_in_at_the_provider(page)
    page.get_by_label("Username").fill("ada-lovelace")
    page.get_by_role("button", name=re.compile("Sign Up", re.I)).click()
    expect(page).to_have_url(re.compile(r"/federations/$"))
    page.get_by_role("link", name="New Federation").first.click()
    page.get_by_label("Federation name").fill("engines")
    page.get_by_role("button", name="Create", exact=True).click()
    expect(page).to_have_url(re.compile(r"/@ada-lovelace/engines/$"))

    # `flwr login` from a terminal; its link opens in a browser that is not signed in.
    cli = FlwrCli(portal, tmp_path / "flwr", client=None)
    process = subprocess.Popen(
        [str(BIN / "flwr"), "login", "grid"], env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        code = None
        for line in process.stdout:
            if match := re.search(r"/cli/login/([A-Z0-9-]+)/", line):
                code = match.group(1)
                break
        assert code, "flwr login printed no link"
        fresh = browser.new_context(base_url=page.url.split("/@")[0]).new_page()
        fresh.goto(f"/cli/login/{code}/")
        fresh.get_by_role("link", name="Sign in with University A").click()
        fresh.get_by_role("button", name="Continue").click()
        sign_in_at_the_provider(fresh)
        fresh.get_by_role("button", name="Authorize").click()
        expect(fresh.get_by_text(re.compile("signed in|approved", re.I)).first).to_be_visible()
        process.wait(timeout=30)
        assert process.returncode == 0
    finally:
        stop(process)
    listed = cli.json("federation", "list", "grid")
    assert [federation["id"] for federation in listed["federations"]] == [
        "@ada-lovelace/workspace",
        "@ada-lovelace/engines",
    ]
