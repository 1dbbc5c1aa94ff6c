"""Every account's workspace, @<username>/workspace: made with the account, personal, never archived."""

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from accounts.models import User
from federations import services
from federations.models import Federation, Membership
from federations.rules import NotAllowed

from ..factories import UserFactory

pytestmark = pytest.mark.django_db


def workspace_of(user) -> Federation:
    return Federation.objects.get(owner=user, name="workspace")


def test_a_new_account_starts_with_its_workspace(client):
    from tests.accounts.test_views import signup

    signup(client, username="Newcomer")
    user = User.objects.get(username="Newcomer")
    workspace = workspace_of(user)
    assert (workspace.handle, workspace.kind, workspace.num_supernodes) == ("@Newcomer/workspace", "simulation", 2)
    assert list(workspace.memberships.values_list("user__username", "role")) == [("Newcomer", "owner")]
    assert list(workspace.activities.values_list("verb", flat=True)) == ["created"]
    assertContains(client.get(reverse("federations:overview", kwargs=workspace.url_kwargs())), "Next steps")


def test_ensuring_it_again_changes_nothing(owner):
    assert services.ensure_workspace(owner) == workspace_of(owner)
    assert Federation.objects.filter(owner=owner).count() == 1


def test_the_name_is_reserved(owner):
    for name in ["workspace", "Workspace", "WORKSPACE"]:
        with pytest.raises(services.FederationError, match="personal workspace; choose another name") as excinfo:
            services.create_federation(owner=owner, name=name, kind="simulation")
        assert excinfo.value.field == "name"
    services.create_federation(owner=owner, name="workspaces", kind="simulation")  # only the name itself


def test_nobody_can_be_invited_to_a_workspace(owner, member):
    with pytest.raises(NotAllowed, match="Your workspace is personal: nobody can be invited to it"):
        services.invite(federation=workspace_of(owner), inviter=owner, username=member.username)
    assert not Membership.objects.filter(federation=workspace_of(owner), user=member).exists()


def test_a_workspace_cannot_be_archived(owner):
    with pytest.raises(NotAllowed, match="Your workspace cannot be archived"):
        services.archive_federation(federation=workspace_of(owner), actor=owner)
    assert not workspace_of(owner).is_archived


def test_the_database_keeps_a_workspace_an_active_simulation(owner):
    workspace = workspace_of(owner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Federation.objects.filter(pk=workspace.pk).update(archived_at="2026-01-01T00:00:00Z")
    with pytest.raises(IntegrityError), transaction.atomic():
        Federation.objects.filter(pk=workspace.pk).update(
            kind="deployment", num_supernodes=None, client_resources_num_cpus=None, client_resources_num_gpus=None
        )


def test_its_owner_changes_its_simulated_supernodes(owner):
    services.update_settings(federation=workspace_of(owner), actor=owner, num_supernodes=5)
    assert workspace_of(owner).num_supernodes == 5


def test_its_pages_say_it_is_personal(client, owner):
    workspace = workspace_of(owner)
    client.force_login(owner)
    members = client.get(reverse("federations:members", kwargs=workspace.url_kwargs()))
    assertContains(members, "Your workspace is personal: nobody can be invited to it.")
    assertNotContains(members, "Invite User")
    settings_page = client.get(reverse("federations:settings", kwargs=workspace.url_kwargs()))
    assertContains(settings_page, "Your workspace cannot be archived")
    assertNotContains(settings_page, "Archive federation")
    archive = client.post(reverse("federations:archive", kwargs=workspace.url_kwargs()), {"confirm": workspace.handle})
    assertContains(archive, "Your workspace cannot be archived", status_code=403)
    invite = client.post(reverse("federations:invite", kwargs=workspace.url_kwargs()), {"username": "max"})
    assertContains(invite, "nobody can be invited to it", status_code=403)
    dashboard = client.get(reverse("federations:dashboard"))
    assertContains(dashboard, "Your workspace</span>")
    assertNotContains(dashboard, 'aria-label="Archive @olivia/workspace"')


def test_an_account_made_before_workspaces_gets_one_when_the_superlink_asks():
    from superlink.federation_manager import PortalFederationManager

    (old,) = User.objects.bulk_create([User(username="old-timer", email="old@example.com")])  # no post_save
    assert not Federation.objects.filter(owner=old).exists()
    manager = PortalFederationManager()
    manager.ensure_default_federations_exist(old.flwr_aid)
    manager.ensure_default_federations_exist(old.flwr_aid)
    assert workspace_of(old).handle == "@old-timer/workspace"
    assert [f.id for f in manager.get_federations(old.flwr_aid)] == ["@old-timer/workspace"]


@pytest.mark.django_db(transaction=True)
def test_two_first_uses_at_once_make_one_workspace():
    if connection.vendor != "postgresql":
        pytest.skip("a unique-index race needs PostgreSQL; CI runs this file with DATABASE_URL set to PostgreSQL")
    users = User.objects.bulk_create([User(username=f"racer{i}", email=f"r{i}@example.com") for i in range(5)])
    for user in users:
        barrier, found, errors = threading.Barrier(2), [], []

        def first_use(user=user, barrier=barrier, found=found, errors=errors):
            try:
                barrier.wait()
                found.append(services.ensure_workspace(user).pk)
            except Exception as error:  # pragma: no cover - shows up in the assertion
                errors.append(repr(error))
            finally:
                connections.close_all()

        threads = [threading.Thread(target=first_use) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert errors == []
        assert len(found) == 2
        assert len(set(found)) == 1
        assert Federation.objects.filter(owner=user).count() == 1


def test_factories_make_accounts_with_workspaces_too():
    assert workspace_of(UserFactory()).is_workspace


@pytest.mark.django_db(transaction=True)
def test_accounts_made_before_workspaces_get_one_from_the_migration():
    from django.db.migrations.executor import MigrationExecutor

    def migrate(targets):
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    before = [("federations", "0003_move_nodes_and_outcomes"), ("accounts", "0002_notify_run_finished_moves_to_runs")]
    old = migrate(before)
    OldUser, OldFederation = old.get_model("accounts", "User"), old.get_model("federations", "Federation")
    veteran = OldUser.objects.create(username="veteran", email="v@example.org", flwr_aid="v" * 36)
    clash = OldFederation.objects.create(owner=veteran, name="workspace", kind="deployment")  # named so before
    try:
        migrate([("federations", "0005_workspace_constraint")])
    finally:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
    user = User.objects.get(username="veteran")
    assert workspace_of(user).kind == "simulation"
    assert workspace_of(user).num_supernodes == 2
    assert Federation.objects.get(pk=clash.pk).name == f"workspace-{clash.pk}"  # its runs keep a federation
