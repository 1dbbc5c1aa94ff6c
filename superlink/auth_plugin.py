"""The portal's Control API login plugin: `flwr login` through the browser, tokens from the portal."""

from collections.abc import Sequence

from django.conf import settings
from django.utils.translation import gettext_lazy
from flwr.common.constant import ACCESS_TOKEN_KEY, REFRESH_TOKEN_KEY
from flwr.supercore.auth.typing import AccountAuthCredentials, AccountAuthLoginDetails, AccountInfo
from flwr.supercore.error import ApiErrorCode, FlowerError
from flwr.superlink.auth_plugin import ControlAuthnPlugin

from accounts import cli_login as logins
from accounts.models import User
from supergrid.links import absolute_url

from .db import release_connections

OIDC = "oidc"
POLL_INTERVAL_SECONDS = 2
SESSION_ENDED = gettext_lazy("This CLI session was revoked or has expired. Run `flwr login` to sign in again.")


def metadata_value(metadata: Sequence[tuple[str, str | bytes]], key: str) -> str:
    for name, value in metadata:
        if name == key:
            return value.decode() if isinstance(value, bytes) else value
    return ""


def account_info(user: User) -> AccountInfo:
    return AccountInfo(flwr_aid=user.flwr_aid, account_name=user.username)


class PortalAuthnPlugin(ControlAuthnPlugin):
    """Device login approved on the portal's /cli/login/<code>/ page; sessions revocable on the profile."""

    def __init__(self) -> None:
        pass

    def get_login_details(self) -> AccountAuthLoginDetails:
        release_connections()
        try:
            authorization, device_code = logins.start_device_authorization()
        except logins.LoginError as error:
            message = str(error.message)
            raise FlowerError(ApiErrorCode.ACCOUNT_AUTHENTICATION_FAILED, message, public_details=message) from None
        finally:
            release_connections()
        return AccountAuthLoginDetails(
            authn_type=OIDC,
            device_code=device_code,
            verification_uri_complete=absolute_url("cli_login", code=authorization.user_code),
            expires_in=settings.CLI_LOGIN_LIFETIME_SECONDS,
            interval=POLL_INTERVAL_SECONDS,
        )

    def get_auth_tokens(self, device_code: str) -> AccountAuthCredentials | None:
        release_connections()
        try:
            issued = logins.exchange_device_code(device_code)
        except logins.LoginError as error:
            message = str(error.message)
            raise FlowerError(ApiErrorCode.ACCOUNT_AUTHENTICATION_FAILED, message, public_details=message) from None
        finally:
            release_connections()
        if issued is None:
            return None
        return AccountAuthCredentials(access_token=issued.access_token, refresh_token=issued.refresh_token)

    def validate_tokens_in_metadata(
        self, metadata: Sequence[tuple[str, str | bytes]]
    ) -> tuple[bool, AccountInfo | None]:
        release_connections()
        found = logins.account_for_access_token(metadata_value(metadata, ACCESS_TOKEN_KEY))
        if found is None:
            return False, None
        flwr_aid, username = found
        return True, AccountInfo(flwr_aid=flwr_aid, account_name=username)

    def refresh_tokens(
        self, metadata: Sequence[tuple[str, str | bytes]]
    ) -> tuple[Sequence[tuple[str, str | bytes]] | None, AccountInfo | None]:
        release_connections()
        try:
            issued = logins.refresh_session(metadata_value(metadata, REFRESH_TOKEN_KEY))
        finally:
            release_connections()
        if issued is None:
            message = str(SESSION_ENDED)
            raise FlowerError(ApiErrorCode.ACCOUNT_AUTHENTICATION_FAILED, message, public_details=message)
        tokens = [(ACCESS_TOKEN_KEY, issued.access_token), (REFRESH_TOKEN_KEY, issued.refresh_token)]
        return tokens, account_info(issued.session.user)
