"""The stock `flwr` CLI against the portal's SuperLink, as several users logged in through the browser."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from accounts.models import CliSession
from federations.models import Activity, Federation, Invitation, Membership

from ..factories import FederationFactory, UserFactory

pytestmark = [pytest.mark.flower, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", has_deployment_access=True)


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


@pytest.fixture
def carol(db):
    return UserFactory(username="carol")


def refused(result, message):
    assert result.returncode != 0, result.text
    assert message in result.text
    assert "Internal server error" not in result.text


def test_create_list_and_configure_federations(cli_for, alice, bob):
    as_alice, as_bob = cli_for(alice), cli_for(bob)

    assert as_alice("federation", "create", "lab", "grid", "--simulation", "--description", "Shared").returncode == 0
    assert as_alice("federation", "create", "hospitals", "grid").returncode == 0
    lab = Federation.objects.get(owner=alice, name="lab")
    assert (lab.kind, lab.description, lab.num_supernodes) == ("simulation", "Shared", 10)
    assert Federation.objects.get(owner=alice, name="hospitals").kind == "deployment"

    refused(as_bob("federation", "create", "mine", "grid"), "Deployment federations need deployment access")
    refused(as_alice("federation", "create", "LAB", "grid", "--simulation"), "You already have a federation named")
    refused(as_alice("federation", "create", "1bad", "grid", "--simulation"), "Invalid federation name")
    assert Federation.objects.exclude(name="workspace").count() == 2

    listed = as_alice.json("federation", "list", "grid")
    assert [f["id"] for f in listed["federations"]] == ["@alice/workspace", "@alice/hospitals", "@alice/lab"]
    assert {f["id"]: f["simulation"] for f in listed["federations"]} == {
        "@alice/workspace": True,
        "@alice/hospitals": False,
        "@alice/lab": True,
    }

    assert as_alice("federation", "simulation-config", "@alice/lab", "grid", "--num-supernodes", "25").returncode == 0
    lab.refresh_from_db()
    assert lab.num_supernodes == 25
    refused(
        as_alice("federation", "simulation-config", "@alice/lab", "grid", "--num-supernodes", "1001"),
        "Choose between 1 and 1000 simulated SuperNodes.",
    )
    details = as_alice.json("federation", "list", "grid", "--federation", "@alice/lab")["federation"]
    assert details["simulation-config"]["num_supernodes"] == 25
    assert details["members"] == [{"member_id": "alice", "role": "owner"}]
    assert Activity.objects.filter(federation=lab, verb="simulation_config_changed").count() == 1


def test_the_workspace_is_where_the_cli_goes_without_a_federation(cli_for, alice, bob):
    as_alice = cli_for(alice)
    workspace = Federation.objects.get(owner=alice, name="workspace")
    configured = as_alice.json("federation", "simulation-config", "", "grid", "--num-supernodes", "3")
    assert configured["federation-id"] == "@alice/workspace"
    workspace.refresh_from_db()
    assert workspace.num_supernodes == 3
    refused(
        as_alice("federation", "invite", "create", "bob", "@alice/workspace", "grid"),
        "Your workspace is personal: nobody can be invited to it.",
    )
    refused(as_alice("federation", "archive", "@alice/workspace", "grid"), "Your workspace cannot be archived")
    refused(as_alice("federation", "create", "Workspace", "grid", "--simulation"), "is the name of everyone's personal")
    assert not Membership.objects.filter(federation=workspace, user=bob).exists()


def test_invitations_accept_reject_revoke_and_refusals(cli_for, alice, bob, carol):
    dave = UserFactory(username="dave")
    FederationFactory(owner=alice, name="lab")
    as_alice, as_bob, as_carol, _as_dave = cli_for(alice), cli_for(bob), cli_for(carol), cli_for(dave)

    assert as_alice("federation", "invite", "create", "bob", "@alice/lab", "grid").returncode == 0
    refused(
        as_alice("federation", "invite", "create", "BOB", "@alice/lab", "grid"), "bob already has a pending invitation."
    )
    refused(
        as_alice("federation", "invite", "create", "nobody", "@alice/lab", "grid"),
        "There is no account with the username “nobody”.",
    )
    refused(as_alice("federation", "invite", "create", "alice", "@alice/lab", "grid"), "You cannot invite yourself.")

    received = as_bob.json("federation", "invite", "list", "grid")["received-invitations"]
    assert [(i["federation-id"], i["invited-by"], i["status"]) for i in received] == [
        ("@alice/lab", "alice", "pending")
    ]
    assert as_bob("federation", "invite", "accept", "@alice/lab", "grid").returncode == 0
    assert Membership.objects.filter(federation__name="lab", user=bob, role="member").exists()

    refused(as_bob("federation", "invite", "create", "carol", "@alice/lab", "grid"), "Only the owner can invite users")

    as_alice("federation", "invite", "create", "carol", "@alice/lab", "grid")
    assert as_carol("federation", "invite", "reject", "@alice/lab", "grid").returncode == 0
    assert Invitation.objects.get(invitee=carol).status == "declined"
    refused(
        as_carol("federation", "invite", "accept", "@alice/lab", "grid"),
        "You have no pending invitation to @alice/lab.",
    )

    as_alice("federation", "invite", "create", "dave", "@alice/lab", "grid")
    assert as_alice("federation", "invite", "revoke", "dave", "@alice/lab", "grid").returncode == 0
    assert Invitation.objects.get(invitee=dave).status == "revoked"
    created = as_alice.json("federation", "invite", "list", "grid", "--verbose")["created-invitations"]
    assert {(i["invited"], i["status"]) for i in created} == {
        ("bob", "accepted"),
        ("carol", "rejected"),
        ("dave", "revoked"),
    }
    assert not Membership.objects.filter(user__in=[carol, dave]).exclude(federation__name="workspace").exists()
    assert [v for v in Activity.objects.filter(federation__name="lab").values_list("verb", flat=True)][:2] == [
        "invitation_revoked",
        "invited",
    ]


def test_remove_account_leave_remove_and_archive(cli_for, alice, bob, carol):
    FederationFactory(owner=alice, name="lab", members=[bob, carol])
    as_alice, as_bob, as_carol = cli_for(alice), cli_for(bob), cli_for(carol)

    refused(as_bob("federation", "remove-account", "@alice/lab", "carol", "grid"), "Only the owner can remove members.")
    # Without an account name the caller leaves (the connection is the default one from config.toml).
    refused(as_alice("federation", "remove-account", "@alice/lab"), "The owner cannot leave the federation")
    refused(as_alice("federation", "remove-account", "@alice/lab", "alice", "grid"), "The owner cannot leave")

    assert as_bob("federation", "remove-account", "@alice/lab").returncode == 0
    assert as_alice("federation", "remove-account", "@alice/lab", "carol", "grid").returncode == 0
    assert list(Membership.objects.filter(federation__name="lab").values_list("user__username", flat=True)) == ["alice"]
    refused(as_bob("federation", "list", "grid", "--federation", "@alice/lab"), "not a member")
    assert [f["id"] for f in as_carol.json("federation", "list", "grid")["federations"]] == ["@carol/workspace"]

    refused(as_bob("federation", "archive", "@alice/lab", "grid"), "not a member")
    assert as_alice("federation", "archive", "@alice/lab", "grid").returncode == 0
    assert Federation.objects.get(name="lab").is_archived
    assert as_alice("federation", "archive", "@alice/lab", "grid").returncode == 0
    assert Activity.objects.filter(federation__name="lab", verb="archived").count() == 1

    refused(as_alice("federation", "invite", "create", "bob", "@alice/lab", "grid"), "archived and read-only")
    refused(as_alice("federation", "simulation-config", "@alice/lab", "grid", "--num-supernodes", "3"), "archived")
    # Archived federations are listed, marked archived; the default table hides them (--verbose shows them).
    listed = {f["id"]: f["archived"] for f in as_alice.json("federation", "list", "grid")["federations"]}
    assert listed == {"@alice/workspace": False, "@alice/lab": True}
    assert "@alice/lab" not in as_alice("federation", "list", "grid").text
    assert as_alice.json("federation", "list", "grid", "--federation", "@alice/lab")["federation"]["archived"] is True


def test_outsiders_learn_nothing(cli_for, alice, bob):
    FederationFactory(owner=alice, name="lab")
    as_bob = cli_for(bob)
    refused(as_bob("federation", "list", "grid", "--federation", "@alice/lab"), "not a member")
    refused(as_bob("federation", "invite", "create", "bob", "@alice/lab", "grid"), "not a member")
    refused(as_bob("federation", "archive", "@alice/lab", "grid"), "not a member")
    assert not Federation.objects.get(name="lab").is_archived


def test_same_rule_refuses_on_the_web_and_in_the_cli(cli_for, client, alice, bob, carol):
    federation = FederationFactory(owner=alice, name="lab", members=[bob])
    client.force_login(bob)
    web = client.post(reverse("federations:invite", kwargs=federation.url_kwargs()), {"username": "carol"})
    assert web.status_code == 403
    rule = "Only the owner can invite users or revoke invitations."
    assert rule in web.content.decode()
    refused(cli_for(bob)("federation", "invite", "create", "carol", "@alice/lab", "grid"), rule)
    assert not Invitation.objects.exists()


def test_revoked_cli_session_must_log_in_again(cli_for, client, alice):
    as_alice = cli_for(alice)
    assert as_alice("federation", "list", "grid").returncode == 0
    session = CliSession.objects.get(user=alice)
    assert session.access_token_hash
    assert session.refresh_token_hash
    assert session.last_used_at is not None

    client.force_login(alice)
    assert "CLI sessions" in client.get(reverse("profile")).content.decode()
    client.post(reverse("revoke_cli_session", args=[session.pk]))
    refused(as_alice("federation", "list", "grid"), "flwr login")

    assert as_alice.login(alice).returncode == 0
    assert as_alice("federation", "list", "grid").returncode == 0


def test_expired_access_token_is_refreshed_by_the_cli(cli_for, alice):
    as_alice = cli_for(alice)
    session = CliSession.objects.get(user=alice)
    old_hashes = (session.access_token_hash, session.refresh_token_hash)
    CliSession.objects.filter(pk=session.pk).update(access_expires_at=session.created_at)
    assert as_alice("federation", "list", "grid").returncode == 0
    session.refresh_from_db()
    assert session.access_token_hash != old_hashes[0]
    assert session.refresh_token_hash != old_hashes[1]


def test_pages_read_the_superlink_as_the_signed_in_user_and_write_nothing(client, superlink, settings, alice):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SUPERLINK_ADDRESS = superlink.address
    settings.SUPERLINK_TLS_DIR = superlink.ca_certfile.parent
    federation = FederationFactory(owner=alice, name="lab")
    client.force_login(alice)
    with CaptureQueriesContext(connection) as queries:
        runs = client.get(reverse("runs:runs", kwargs=federation.url_kwargs()), {"show": "all"}).content.decode()
        overview = client.get(reverse("runs:live", kwargs=federation.url_kwargs())).content.decode()  # its lines
    assert "SuperLink unreachable" not in runs + overview
    assert "No runs yet" in runs
    assert "0 active, 0 in all" in overview
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert not CliSession.objects.exists()


def test_the_stock_cli_shows_a_korean_readers_refusals_in_korean(cli_for, alice, bob):
    """A refusal's words come from the services in the asking account's language (its profile's choice)."""
    bob.language = "ko"
    bob.save()
    as_alice, as_bob = cli_for(alice), cli_for(bob)
    assert as_bob("federation", "create", "study", "grid", "--simulation").returncode == 0
    english = "You cannot invite yourself."
    with translation.override("ko"):
        korean = gettext(english)
    assert korean != english
    refused(as_bob("federation", "invite", "create", "bob", "@bob/study", "grid"), korean)
    assert as_alice("federation", "create", "lab", "grid", "--simulation").returncode == 0
    refused(as_alice("federation", "invite", "create", "alice", "@alice/lab", "grid"), english)  # hers: English
