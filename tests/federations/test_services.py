import pytest
from django.db import IntegrityError, transaction

from federations import services
from federations.models import Activity, Federation, Membership

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_create_simulation_federation_with_defaults(owner):
    federation = services.create_federation(owner=owner, name="My-Fed1", kind="simulation", description=" hi ")
    assert federation.handle == "@olivia/My-Fed1"
    assert federation.num_supernodes == 10
    assert federation.simulation_settings.backend == "ray"
    assert federation.description == "hi"
    membership = Membership.objects.get(federation=federation)
    assert (membership.user, membership.role) == (owner, "owner")
    assert list(federation.activities.values_list("verb", flat=True)) == ["created"]


def test_deployment_federation_needs_deployment_access(owner):
    with pytest.raises(services.FederationError, match="need deployment access") as excinfo:
        services.create_federation(owner=owner, name="real", kind="deployment")
    assert excinfo.value.field == "kind"
    assert not Federation.objects.exclude(name="workspace").exists()
    owner.has_deployment_access = True
    owner.save()
    federation = services.create_federation(owner=owner, name="real", kind="deployment", num_supernodes=5)
    assert federation.simulation_settings is None
    assert federation.num_supernodes is None


@pytest.mark.parametrize(
    "name", ["", "has space", "a/b", "1leading", "-dash", "x" * 33, "ünïcode", "fеd", "dot.ted", "under_score"]
)
def test_bad_names_are_refused(owner, name):
    with pytest.raises(services.FederationError) as excinfo:
        services.create_federation(owner=owner, name=name, kind="simulation")
    assert excinfo.value.field == "name"
    assert not Federation.objects.exclude(name="workspace").exists()


def test_name_is_unique_per_owner_ignoring_case(owner, member):
    services.create_federation(owner=owner, name="Lab", kind="simulation")
    with pytest.raises(services.FederationError, match="already have a federation"):
        services.create_federation(owner=owner, name="lAB", kind="simulation")
    services.create_federation(owner=member, name="lab", kind="simulation")
    assert Federation.objects.exclude(name="workspace").count() == 2


@pytest.mark.parametrize("count", [0, -1, 1001, "abc"])
def test_simulated_supernode_count_out_of_range(owner, count):
    with pytest.raises(services.FederationError) as excinfo:
        services.create_federation(owner=owner, name="lab", kind="simulation", num_supernodes=count)
    assert excinfo.value.field == "num_supernodes"
    assert not Federation.objects.exclude(name="workspace").exists()


def test_database_enforces_the_name_rule_and_case_insensitive_uniqueness(owner):
    FederationFactory(owner=owner, name="lab")
    base = {
        "owner": owner,
        "kind": "simulation",
        "num_supernodes": 2,
        "client_resources_num_cpus": 1,
        "client_resources_num_gpus": 0,
        "simulation_backend": "ray",
        "simulation_verbose": False,
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Federation.objects.create(name="LAB", **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        Federation.objects.create(name="bad name", **base)
    with pytest.raises(IntegrityError), transaction.atomic():
        Federation.objects.create(name="too-many", **{**base, "num_supernodes": 1001})


def test_database_keeps_simulation_config_off_deployment_federations(owner):
    with pytest.raises(IntegrityError), transaction.atomic():
        Federation.objects.create(owner=owner, name="dep", kind="deployment", num_supernodes=3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Federation.objects.create(owner=owner, name="sim", kind="simulation")


def test_database_allows_one_owner_and_one_membership_per_user(federation, member, outsider):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(federation=federation, user=outsider, role="owner")
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(federation=federation, user=member)


def test_owner_changes_the_simulated_supernode_count(federation, owner):
    services.update_settings(federation=federation, actor=owner, num_supernodes=25)
    federation.refresh_from_db()
    assert federation.num_supernodes == 25
    latest = federation.activities.first()
    assert (latest.verb, latest.actor, latest.describe()) == (
        "simulation_config_changed",
        owner,
        "set the number of simulated SuperNodes to 25",
    )
    services.update_settings(federation=federation, actor=owner, num_supernodes=25)
    assert federation.activities.filter(verb="simulation_config_changed").count() == 1


def test_a_save_changing_both_settings_writes_one_activity_row(federation, owner):
    services.update_settings(federation=federation, actor=owner, num_supernodes=25, description="Bigger lab.")
    federation.refresh_from_db()
    assert (federation.num_supernodes, federation.description) == (25, "Bigger lab.")
    assert [row.describe() for row in federation.activities.all()] == [
        "set the number of simulated SuperNodes to 25",
        "created the federation",
    ]


def test_a_save_changing_only_the_description_says_so(federation, owner):
    services.update_settings(federation=federation, actor=owner, num_supernodes=10, description="Renamed lab.")
    assert federation.activities.first().describe() == "changed the description"


def test_an_unchanged_save_writes_no_activity(federation, owner):
    before = federation.activities.count()
    services.update_settings(federation=federation, actor=owner, num_supernodes="10", description=" Shared lab. ")
    services.update_settings(federation=federation, actor=owner)
    assert federation.activities.count() == before


def test_a_refused_setting_changes_neither(federation, owner):
    with pytest.raises(services.FederationError, match="control characters"):
        services.update_settings(federation=federation, actor=owner, num_supernodes=25, description="\x1b[31m")
    federation.refresh_from_db()
    assert (federation.num_supernodes, federation.description) == (10, "Shared lab.")


def test_members_cannot_change_settings(federation, member):
    with pytest.raises(services.NotAllowed, match="Only the owner"):
        services.update_settings(federation=federation, actor=member, num_supernodes=3)
    with pytest.raises(services.NotAllowed):
        services.update_settings(federation=federation, actor=member, description="mine")
    federation.refresh_from_db()
    assert (federation.num_supernodes, federation.description) == (10, "Shared lab.")


def test_deployment_federations_have_no_simulated_supernodes(owner):
    federation = FederationFactory(owner=owner, kind="deployment")
    with pytest.raises(services.FederationError, match="Only simulation federations"):
        services.update_settings(federation=federation, actor=owner, num_supernodes=3)


def test_archive_is_owner_only_idempotent_and_recorded(federation, owner, member):
    with pytest.raises(services.NotAllowed):
        services.archive_federation(federation=federation, actor=member)
    services.archive_federation(federation=federation, actor=owner)
    first = Federation.objects.get(pk=federation.pk).archived_at
    services.archive_federation(federation=federation, actor=owner)
    assert Federation.objects.get(pk=federation.pk).archived_at == first
    assert federation.activities.filter(verb="archived").count() == 1


def test_archived_federation_refuses_setting_changes(archived_federation, owner):
    with pytest.raises(services.NotAllowed, match="archived"):
        services.update_settings(federation=archived_federation, actor=owner, num_supernodes=3)
    with pytest.raises(services.NotAllowed, match="archived"):
        services.update_settings(federation=archived_federation, actor=owner, description="new")


def test_only_operators_unarchive(archived_federation, owner):
    with pytest.raises(services.NotAllowed):
        services.unarchive_federation(federation=archived_federation, operator=owner)
    operator = UserFactory(is_staff=True)
    services.unarchive_federation(federation=archived_federation, operator=operator)
    archived_federation.refresh_from_db()
    assert not archived_federation.is_archived
    assert archived_federation.activities.first().verb == "unarchived"


def test_activity_rows_are_immutable(federation):
    event = federation.activities.get()
    event.target = "tampered"
    with pytest.raises(Exception, match="immutable"):
        event.save()
    with pytest.raises(Exception, match="immutable"):
        event.delete()
    assert Activity.objects.get(pk=event.pk).target == federation.handle
