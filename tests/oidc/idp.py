"""A real OpenID Connect provider for the tests (django-oauth-toolkit in a one-file Django project), run
as a subprocess: python idp.py <folder> <port> <redirect uri> <client id> <client secret>.

It has one person, ada (password "ada-password", ada@uni.example, email verified), and one confidential
client whose redirect URI is the portal's callback. It prints "ready" once it serves."""

import sys
from pathlib import Path

import django
from django.conf import settings

FOLDER, PORT, REDIRECT, CLIENT_ID, CLIENT_SECRET = Path(sys.argv[1]), int(sys.argv[2]), *sys.argv[3:6]
LOGIN_PAGE = """<!doctype html><title>University sign-in</title><h1>University sign-in</h1>
<form method="post">{% csrf_token %}<label>Username <input name="username"></label>
<label>Password <input name="password" type="password"></label><button type="submit">Sign in</button></form>"""


def private_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


settings.configure(
    DEBUG=False,
    SECRET_KEY="test-idp-" + "x" * 50,
    ALLOWED_HOSTS=["127.0.0.1", "localhost"],
    ROOT_URLCONF=__name__,
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
        "oauth2_provider",
    ],
    MIDDLEWARE=[
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(FOLDER / "idp.sqlite3")}},
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "APP_DIRS": False,
            "OPTIONS": {
                "loaders": [
                    ("django.template.loaders.locmem.Loader", {"registration/login.html": LOGIN_PAGE}),
                    "django.template.loaders.app_directories.Loader",
                ],
                "context_processors": ["django.template.context_processors.request"],
            },
        }
    ],
    LOGIN_URL="/accounts/login/",
    USE_TZ=True,
    OAUTH2_PROVIDER={
        "OIDC_ENABLED": True,
        "OIDC_RSA_PRIVATE_KEY": private_key(),
        "OAUTH2_VALIDATOR_CLASS": f"{__name__}.Validator",
        "SCOPES": {"openid": "OpenID Connect", "profile": "Profile", "email": "Email"},
        "PKCE_REQUIRED": False,
    },
)
django.setup()

from django.contrib.auth.views import LoginView  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.urls import include, path  # noqa: E402
from oauth2_provider.oauth2_validators import OAuth2Validator  # noqa: E402


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # every claim, whatever the scopes

    def get_additional_claims(self, request):
        user = request.user
        return {"email": user.email, "email_verified": True, "preferred_username": user.username, "name": "Ada L."}


urlpatterns = [
    path("o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("accounts/login/", LoginView.as_view()),
    path("favicon.ico", lambda request: HttpResponse(status=204)),  # a browser asks; a 404 would fail the test
]


def main() -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oauth2_provider.models import Application

    call_command("migrate", verbosity=0)
    if not User.objects.filter(username="ada").exists():
        User.objects.create_user("ada", "ada@uni.example", "ada-password")
    Application.objects.update_or_create(
        client_id=CLIENT_ID,
        defaults={
            "name": "SuperGrid",
            "client_secret": CLIENT_SECRET,
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "redirect_uris": REDIRECT,
            "skip_authorization": True,
            "algorithm": Application.RS256_ALGORITHM,
        },
    )
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = make_server("127.0.0.1", PORT, get_wsgi_application(), handler_class=Quiet)
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
