"""The bridge's pieces in-process: CLI login pages and tokens, and the FederationManager's answers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from flwr.common.constant import ACCESS_TOKEN_KEY, REFRESH_TOKEN_KEY, SUPERLINK_NODE_ID
from flwr.proto.federation_config_pb2 import SimulationConfig
from flwr.supercore.error import FlowerError
from pytest_django.asserts import assertContains

from accounts import cli_login as services
from accounts.models import CliSession, DeviceAuthorization, token_hash
from federations import services as federation_services
from superlink.auth_plugin import PortalAuthnPlugin
from superlink.federation_manager import PortalFederationManager
from superlink.node_directory import NodeDirectory
from supernodes.models import FederationNode

from .factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending():
    authorization, device_code = services.start_device_authorization()
    return authorization, device_code


def login_url(authorization):
    return reverse("cli_login", args=[authorization.user_code])


def test_login_page_needs_sign_in(client, pending):
    response = client.get(login_url(pending[0]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_login_page_shows_what_is_asking_and_authorizes(client, user, pending):
    authorization, device_code = pending
    client.force_login(user)
    page = client.get(login_url(authorization))
    assertContains(page, "Authorize")
    assertContains(page, authorization.user_code)
    assert services.exchange_device_code(device_code) is None  # still waiting
    assertContains(client.post(login_url(authorization)), "Return to your terminal")
    issued = services.exchange_device_code(device_code)
    assert issued.session.user == user
    session = CliSession.objects.get()
    assert session.access_token_hash == token_hash(issued.access_token) != issued.access_token
    assert issued.access_token not in str(CliSession.objects.values_list())
    with pytest.raises(services.LoginError, match="already used"):
        services.exchange_device_code(device_code)


@pytest.mark.parametrize("state", ["unknown", "expired", "used"])
def test_bad_login_links_get_a_clear_page(client, user, pending, state):
    authorization, _ = pending
    code = authorization.user_code
    if state == "unknown":
        code = "NOPE-NOPE"
    elif state == "expired":
        DeviceAuthorization.objects.filter(pk=authorization.pk).update(expires_at=timezone.now())
    else:
        services.approve_device_authorization(user_code=code, user=user)
    client.force_login(user)
    response = client.get(reverse("cli_login", args=[code]))
    assert response.status_code == 410
    assertContains(response, "cannot be used", status_code=410)
    assert client.post(reverse("cli_login", args=[code])).status_code == 410


def test_unapproved_login_expires_for_the_cli(pending):
    authorization, device_code = pending
    DeviceAuthorization.objects.filter(pk=authorization.pk).update(expires_at=timezone.now())
    with pytest.raises(services.LoginError, match="not authorized in time"):
        services.exchange_device_code(device_code)


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


def test_expired_access_tokens_are_refused(user):
    issued = services.issue_session(user)
    CliSession.objects.update(access_expires_at=timezone.now() - timedelta(seconds=1))
    assert services.account_for_access_token(issued.access_token) is None


def test_portal_tokens_are_signed_short_lived_and_never_stored(user, settings):
    plugin = PortalAuthnPlugin()
    token = services.portal_token(user)
    assert not CliSession.objects.exists()
    valid, account = plugin.validate_tokens_in_metadata([(ACCESS_TOKEN_KEY, token)])
    assert (valid, account.account_name) == (True, user.username)
    assert plugin.validate_tokens_in_metadata([(ACCESS_TOKEN_KEY, token[:-2] + "xx")]) == (False, None)
    settings.PORTAL_TOKEN_LIFETIME_SECONDS = -1
    assert plugin.validate_tokens_in_metadata([(ACCESS_TOKEN_KEY, token)]) == (False, None)


def test_only_the_owner_revokes_a_cli_session(client, user, outsider):
    session = services.issue_session(user).session
    client.force_login(outsider)
    assert client.post(reverse("revoke_cli_session", args=[session.pk])).status_code == 404
    assert client.get(reverse("revoke_cli_session", args=[session.pk])).status_code == 405
    client.force_login(user)
    client.post(reverse("revoke_cli_session", args=[session.pk]))
    session.refresh_from_db()
    assert session.revoked_at is not None
    assertContains(client.get(reverse("profile")), "No CLI sessions")


# The FederationManager ------------------------------------------------------------------------------------------


@pytest.fixture
def manager():
    return PortalFederationManager(directory=NodeDirectory(interval=60))


def test_routing_answers_from_memory_without_queries(manager, owner, django_assert_num_queries):
    federation = FederationFactory(owner=owner, name="real", kind="deployment")
    FederationNode.objects.create(federation=federation, node_id="18446744073709551615", owner=owner)
    manager.directory.reload()
    with django_assert_num_queries(0):
        assert manager.has_node(18446744073709551615, "@olivia/real")
        assert manager.has_node(SUPERLINK_NODE_ID, "@olivia/real")
        assert not manager.has_node(7, "@olivia/real")
        assert manager.filter_nodes({7, 18446744073709551615, SUPERLINK_NODE_ID}, "@OLIVIA/real") == {
            18446744073709551615,
            SUPERLINK_NODE_ID,
        }


def test_departing_member_takes_their_nodes_out(manager, owner, member):
    federation = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    FederationNode.objects.create(federation=federation, node_id="42", owner=member)
    FederationNode.objects.create(federation=federation, node_id="43", owner=owner)
    federation_services.remove_member(federation=federation, actor=owner, username="max")
    manager.directory.reload()
    assert manager.filter_nodes({42, 43}, "@olivia/real") == {43}


def test_manager_reads_match_the_web(manager, owner, member, outsider):
    federation = FederationFactory(owner=owner, name="lab", members=[member])
    FederationFactory(owner=owner, name="gone", archived=True)
    assert manager.exists("@olivia/lab")
    assert manager.exists("@olivia/gone")  # archived: its runs stay readable and stoppable
    assert not manager.exists("@olivia/missing")
    assert not manager.exists("not-a-handle")
    assert manager.has_member(member.flwr_aid, "@olivia/lab")
    assert not manager.has_member(outsider.flwr_aid, "@olivia/lab")
    (listed,) = manager.get_federations(member.flwr_aid)
    assert (listed.id, listed.member_count, listed.can_invite_members) == ("@olivia/lab", 2, False)
    assert {(f.id, f.archived) for f in manager.get_federations(owner.flwr_aid)} == {
        ("@olivia/lab", False),
        ("@olivia/gone", True),
    }
    assert manager.get_simulation_config("@olivia/lab").num_supernodes == federation.num_supernodes
    with pytest.raises(FlowerError):
        manager.get_simulation_config("@olivia/missing")


def test_manager_refusals_carry_the_web_wording(manager, owner, member):
    FederationFactory(owner=owner, name="lab", members=[member])
    UserFactory(username="ivy")
    with pytest.raises(FlowerError) as excinfo:
        manager.create_invitation(member.flwr_aid, "@olivia/lab", "ivy")
    assert excinfo.value.public_details == "Only the owner can invite users or revoke invitations."
    with pytest.raises(FlowerError) as excinfo:
        manager.set_simulation_config(owner.flwr_aid, "@olivia/lab", SimulationConfig(num_supernodes=5000))
    assert "Choose between 1 and 1000" in excinfo.value.public_details


def test_stop_is_refused_to_members_who_did_not_launch_the_run(manager, owner, member):
    FederationFactory(owner=owner, name="lab", members=[member])
    with pytest.raises(FlowerError) as excinfo:
        manager.check_stop_run(member.flwr_aid, "@olivia/lab", owner.flwr_aid)
    assert excinfo.value.public_details == "Only whoever launched this run, or the federation's owner, can stop it."
    manager.check_stop_run(member.flwr_aid, "@olivia/lab", member.flwr_aid)
    manager.check_stop_run(owner.flwr_aid, "@olivia/lab", member.flwr_aid)


def test_stop_still_works_on_archived_federations(manager, owner, member):
    FederationFactory(owner=owner, name="old", members=[member], archived=True)
    manager.check_stop_run(member.flwr_aid, "@olivia/old", member.flwr_aid)
    manager.check_stop_run(owner.flwr_aid, "@olivia/old", member.flwr_aid)


def test_per_run_federation_config_must_match_the_federations_settings(manager, owner, member):
    FederationFactory(owner=owner, name="lab", members=[member], num_supernodes=10)
    manager.check_run_settings(member.flwr_aid, "@olivia/lab", SimulationConfig())
    manager.check_run_settings(member.flwr_aid, "@olivia/lab", SimulationConfig(num_supernodes=10))
    for override in (
        SimulationConfig(num_supernodes=1001),
        SimulationConfig(num_supernodes=3),
        SimulationConfig(client_resources_num_cpus=8),
        SimulationConfig(backend="other"),
    ):
        with pytest.raises(FlowerError) as excinfo:
            manager.check_run_settings(member.flwr_aid, "@olivia/lab", override)
        assert "use the federation's own settings (10 simulated SuperNodes)" in excinfo.value.public_details
        assert "Only the owner can change the settings" in excinfo.value.public_details


def test_runs_are_stored_under_the_canonical_federation_id(manager, owner):
    FederationFactory(owner=owner, name="Hospital-Network")
    assert manager.canonical_id("@OLIVIA/hospital-network") == "@olivia/Hospital-Network"
    assert manager.canonical_id("@olivia/missing") == "@olivia/missing"


def test_the_federation_owner_removes_a_members_node_through_the_cli_path(manager, owner, member):
    federation = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    FederationNode.objects.create(federation=federation, node_id="77", owner=member)
    manager.remove_supernode(owner.flwr_aid, "@olivia/real", 77)
    assert not federation.nodes.exists()


def test_archived_federations_keep_routing_their_nodes(owner, member):
    federation = FederationFactory(owner=owner, name="real", kind="deployment", members=[member])
    FederationNode.objects.create(federation=federation, node_id="77", owner=member)
    federation_services.archive_federation(federation=federation, actor=owner)
    directory = NodeDirectory(interval=60)
    directory.reload()
    assert directory.nodes("@olivia/real") == frozenset({77})


def test_new_runs_on_archived_federations_are_refused(manager, owner):
    from flwr.supercore.constant import ActionType, RunTime
    from flwr.supercore.typing import StartRunContext

    FederationFactory(owner=owner, name="old", archived=True)
    with pytest.raises(FlowerError) as excinfo:
        manager.can_execute(owner.flwr_aid, ActionType.START_RUN, StartRunContext("@olivia/old", RunTime.SIMULATION))
    assert excinfo.value.public_details == "This federation is archived and read-only."
