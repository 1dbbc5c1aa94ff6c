"""Which Hub app a launch is, as the SuperLink asks it (the FederationManager, in-process), and the
federation's apps through the stock list-apps / add-app / remove-app / list-app-associations answers.

The same answers reach `flwr` (tests/flower/test_hub_contract.py runs them through a real SuperLink)."""

import pytest
from django.urls import reverse
from flwr.supercore.error import FlowerError
from pytest_django.asserts import assertContains

from apps import services
from apps.models import App, AppRun, AppVersion
from federations import services as federation_services
from federations.models import Activity
from superlink.federation_manager import PortalFederationManager
from superlink.node_directory import NodeDirectory

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db

UPLOADED = "f" * 64  # the sha256 of a FAB that is no Hub version


@pytest.fixture
def manager():
    return PortalFederationManager(directory=NodeDirectory(interval=60))


@pytest.fixture
def app(owner):
    found = App.objects.create(owner=owner, name="fedavg", description="The consortium's training")
    AppVersion.objects.create(app=found, version="1.0.0", fab_file="x", sha256="0" * 64, size=1)
    AppVersion.objects.create(app=found, version="1.1.0", fab_file="y", sha256="1" * 64, size=1)
    return found


def test_an_app_without_a_version_is_pinned_to_its_latest(manager, federation, member, app):
    launch = manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "@OLIVIA/FedAvg", "")
    assert launch.app_spec == "@olivia/fedavg==1.1.0"  # as the FAB's publisher/name say it, so stock accepts it
    assert not launch.listed
    assert manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg==1.0.0", "").app_spec == (
        "@olivia/fedavg==1.0.0"
    )


def test_unknown_hidden_and_private_versions_are_refused_with_the_versions_there_are(manager, federation, member, app):
    with pytest.raises(FlowerError, match=r"@olivia/fedavg==9.9.9 is not published") as refused:
        manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg==9.9.9", "")
    assert refused.value.code == 34  # FAB_DOWNLOAD_LINK_FAILURE, as stock Flower says it
    AppVersion.objects.filter(version="1.1.0").update(hidden=True)
    assert manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg", "").app_spec.endswith("1.0.0")
    with pytest.raises(FlowerError, match="is not published"):
        manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg==1.1.0", "")
    App.objects.filter(pk=app.pk).update(private=True)
    with pytest.raises(FlowerError, match="No app @olivia/fedavg on this SuperGrid's Hub"):
        manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg", "")


def test_only_its_apps_refuses_other_code_with_words_and_lets_its_apps_run(manager, federation, owner, member, app):
    federation_services.update_settings(federation=federation, actor=owner, only_its_apps=True)
    assert Activity.objects.filter(federation=federation, verb="only_its_apps_on").exists()
    for spec, sha in [("", UPLOADED), ("@olivia/fedavg", ""), ("", "0" * 64)]:
        with pytest.raises(FlowerError, match="Only this federation's apps may run here"):
            manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", spec, sha)
    services.add_to_federation(federation=federation, actor=owner, app=app)
    assert manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg", "").listed
    assert manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "", "0" * 64).listed  # the version's own FAB
    with pytest.raises(FlowerError, match="Only this federation's apps"):  # the owner too
        manager.check_launch(owner.flwr_aid, "@olivia/fedavg-lab", "", UPLOADED)
    federation_services.update_settings(federation=federation, actor=owner, only_its_apps=False)
    assert not manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "", UPLOADED).listed


def test_a_launch_of_a_hub_version_counts_once(manager, federation, member, app):
    launch = manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "", "0" * 64)
    manager.launched(launch, member.flwr_aid, "@olivia/fedavg-lab", 123)
    manager.launched(launch, member.flwr_aid, "@olivia/fedavg-lab", 123)  # told twice
    other = manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "", UPLOADED)
    manager.launched(other, member.flwr_aid, "@olivia/fedavg-lab", 124)
    app.refresh_from_db()
    assert app.run_count == 1
    assert list(AppRun.objects.values_list("run_id", "version__version")) == [("123", "1.0.0")]


def test_the_stock_app_routes_answer_from_the_federations_apps(manager, federation, owner, member, outsider, app):
    assert manager.list_apps(member.flwr_aid, "@olivia/fedavg-lab") == []  # no Flower Agent, nothing launched
    with pytest.raises(FlowerError, match="Only the owner can add apps"):
        manager.add_app(member.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg")
    manager.add_app(owner.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg")
    listed = manager.list_apps(member.flwr_aid, "@olivia/fedavg-lab")
    assert [(app.app_id, app.fab_hash) for app in listed] == [("@olivia/fedavg", "1" * 64)]
    assert manager.app_associations(member.flwr_aid, "@olivia/fedavg") == ["@olivia/fedavg-lab"]
    assert manager.app_associations(outsider.flwr_aid, "@olivia/fedavg") == []
    with pytest.raises(FlowerError, match="does not exist or you are not a member"):
        manager.list_apps(outsider.flwr_aid, "@olivia/fedavg-lab")
    with pytest.raises(FlowerError, match="No app @olivia/nothing"):
        manager.add_app(owner.flwr_aid, "@olivia/fedavg-lab", "@olivia/nothing")
    with pytest.raises(FlowerError, match="not one of @olivia/fedavg-lab's apps"):
        manager.remove_app(owner.flwr_aid, "@olivia/fedavg-lab", "@olivia/other")
    manager.remove_app(owner.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg")
    assert manager.list_apps(member.flwr_aid, "@olivia/fedavg-lab") == []
    assert list(Activity.objects.filter(federation=federation).values_list("verb", flat=True))[:2] == [
        "app_removed",
        "app_added",
    ]


def test_a_new_version_is_announced_in_the_federations_that_use_the_app(owner, member, settings, tmp_path):
    from ..support import folder_storage
    from .test_hub_api import example_files

    folder_storage(settings, "hub", tmp_path)
    version = services.publish_files(account=owner, files=example_files("1.0.0"))
    federation = FederationFactory(owner=owner, name="lab", members=[member])
    FederationFactory(owner=owner, name="old", archived=True)
    services.add_to_federation(federation=federation, actor=owner, app=version.app)
    services.publish_files(account=owner, files=example_files("1.1.0"))
    published = Activity.objects.get(verb="app_published")
    assert (published.federation, published.describe()) == (federation, "published @olivia/quickstart-numpy==1.1.0")


def test_an_operator_hides_a_version_and_its_past_runs_stay(client, manager, federation, member, app):
    launch = manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg==1.1.0", "")
    manager.launched(launch, member.flwr_aid, "@olivia/fedavg-lab", 77)
    client.force_login(UserFactory(username="op", is_staff=True, is_superuser=True))
    changelist = reverse("admin:hub_appversion_changelist")
    newest = AppVersion.objects.get(version="1.1.0")
    response = client.post(changelist, {"action": "hide", "_selected_action": [newest.pk]}, follow=True)
    assertContains(response, "Hid 1 version: they can no longer be run.")
    with pytest.raises(FlowerError, match=r"is not published. *\Z"):
        manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg==1.1.0", "")
    assert manager.check_launch(member.flwr_aid, "@olivia/fedavg-lab", "@olivia/fedavg", "").app_spec.endswith("1.0.0")
    assert AppRun.objects.filter(run_id="77", version=newest).exists()
    assertContains(client.get(reverse("admin:hub_app_changelist")), "@olivia/fedavg")
