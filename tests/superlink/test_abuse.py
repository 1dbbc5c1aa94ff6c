"""Abuse and careless input through the SuperLink: capped `flwr login`s, and the web's text limits on what
the CLI sends."""

import pytest
from flwr.supercore.error import FlowerError

from federations import services
from superlink.federation_manager import PortalFederationManager
from superlink.node_directory import NodeDirectory

from ..factories import FederationFactory

pytestmark = pytest.mark.django_db


def test_the_superlink_tells_the_cli_when_logins_are_capped(settings):
    from superlink.auth_plugin import PortalAuthnPlugin

    settings.CLI_LOGIN_PENDING_LIMIT = 0
    with pytest.raises(FlowerError, match="Too many"):
        PortalAuthnPlugin().get_login_details()


@pytest.fixture
def manager():
    return PortalFederationManager(directory=NodeDirectory(interval=60))


@pytest.mark.parametrize(
    ("description", "message"),
    [
        ("x" * 5000, "Keep it under 1000 characters"),
        ("\x1b[31mred\x1b[0m", "control characters"),
        ("nul\x00byte", "control characters"),
    ],
)
def test_descriptions_from_the_cli_get_the_webs_limits(manager, owner, description, message):
    with pytest.raises(FlowerError, match=message):
        manager.create_federation(owner.flwr_aid, "@olivia/lab", description, simulation=True)
    federation = FederationFactory(owner=owner, name="ok")
    with pytest.raises(services.FederationError, match=message):
        services.update_settings(federation=federation, actor=owner, description=description)
