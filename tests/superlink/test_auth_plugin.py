"""The SuperLink's auth plugin in-process: it validates, refreshes and refuses the portal's CLI tokens."""

import pytest
from flwr.common.constant import ACCESS_TOKEN_KEY, REFRESH_TOKEN_KEY
from flwr.supercore.error import FlowerError

from accounts import cli_login as services
from accounts.models import CliSession
from superlink.auth_plugin import PortalAuthnPlugin

pytestmark = pytest.mark.django_db


def test_plugin_validates_refreshes_and_refuses_revoked_sessions(user):
    plugin = PortalAuthnPlugin()
    details = plugin.get_login_details()
    assert details.authn_type == "oidc"
    assert "/cli/login/" in details.verification_uri_complete
    assert plugin.get_auth_tokens(details.device_code) is None
    code = details.verification_uri_complete.rstrip("/").rsplit("/", 1)[1]
    services.approve_device_authorization(user_code=code, user=user)
    tokens = plugin.get_auth_tokens(details.device_code)

    ok, account = plugin.validate_tokens_in_metadata([(ACCESS_TOKEN_KEY, tokens.access_token)])
    assert ok
    assert (account.flwr_aid, account.account_name) == (user.flwr_aid, "alice")
    assert plugin.validate_tokens_in_metadata([(ACCESS_TOKEN_KEY, "forged")]) == (False, None)

    new_metadata, account = plugin.refresh_tokens([(REFRESH_TOKEN_KEY, tokens.refresh_token)])
    new_access = dict(new_metadata)[ACCESS_TOKEN_KEY]
    assert plugin.validate_tokens_in_metadata([(ACCESS_TOKEN_KEY, tokens.access_token)]) == (False, None)
    assert plugin.validate_tokens_in_metadata([(ACCESS_TOKEN_KEY, new_access)])[0]
    with pytest.raises(FlowerError, match="revoked or has expired"):
        plugin.refresh_tokens([(REFRESH_TOKEN_KEY, tokens.refresh_token)])

    services.revoke_session(user=user, session_id=CliSession.objects.get().pk)
    assert plugin.validate_tokens_in_metadata([(ACCESS_TOKEN_KEY, new_access)]) == (False, None)


def test_portal_tokens_are_signed_short_lived_and_never_stored(user, settings):
    plugin = PortalAuthnPlugin()
    token = services.portal_token(user)
    assert not CliSession.objects.exists()
    valid, account = plugin.validate_tokens_in_metadata([(ACCESS_TOKEN_KEY, token)])
    assert (valid, account.account_name) == (True, user.username)
    assert plugin.validate_tokens_in_metadata([(ACCESS_TOKEN_KEY, token[:-2] + "xx")]) == (False, None)
    settings.PORTAL_TOKEN_LIFETIME_SECONDS = -1
    assert plugin.validate_tokens_in_metadata([(ACCESS_TOKEN_KEY, token)]) == (False, None)
