"""The test OpenID provider (idp.py) as a subprocess, and the portal configured to use it."""

import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from supergrid import oidc
from tools.processes import free_port

IDP = Path(__file__).with_name("idp.py")
CLIENT_ID, CLIENT_SECRET = "supergrid-test-client", "supergrid-test-secret-0123456789"


class Idp:
    def __init__(self, folder: Path, redirect_uris: list[str]):
        folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}/o"
        self.process = subprocess.Popen(
            [sys.executable, str(IDP), str(folder), str(self.port), " ".join(redirect_uris), CLIENT_ID, CLIENT_SECRET],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        line = self.process.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"the test OpenID provider did not start: {line}{self.process.stdout.read()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=10)

    def provider(self, **changes: str) -> dict[str, str]:
        return {
            "id": "uni",
            "name": "University A",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            **changes,
        }

    def sign_in(self, authorize_url: str, username: str = "ada", password: str = "ada-password") -> str:
        """What a browser does at the provider: sign in, then follow it back; returns the callback URL."""
        with httpx.Client(follow_redirects=False, timeout=10) as browser:
            response = browser.get(authorize_url)
            assert response.status_code == 302, response.text[-1000:]
            login = str(httpx.URL(authorize_url).join(response.headers["location"]))
            page = browser.get(login)
            token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
            response = browser.post(
                login,
                data={"csrfmiddlewaretoken": token, "username": username, "password": password},
                headers={"Referer": login},
            )
            assert response.status_code == 302, response.text[-1000:]
            response = browser.get(str(httpx.URL(login).join(response.headers["location"])))
            assert response.status_code == 302, response.text[-1000:]
            return response.headers["location"]


def use_providers(settings, *providers: dict[str, str]) -> None:
    """The portal's settings as OIDC_PROVIDERS would make them."""
    settings.OIDC_PROVIDERS = list(providers)
    settings.SOCIALACCOUNT_PROVIDERS = oidc.socialaccount_providers(list(providers))
    settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": ["'self'", *oidc.origins(list(providers))]}


@pytest.fixture(scope="module")
def idp(tmp_path_factory):
    redirects = [
        "http://testserver/accounts/oidc/uni/login/callback/",
        "http://localhost/accounts/oidc/uni/login/callback/",
    ]
    provider = Idp(tmp_path_factory.mktemp("idp"), redirects)
    yield provider
    provider.stop()
