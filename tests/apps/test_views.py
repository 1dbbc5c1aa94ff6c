"""The Hub's pages: the list (search, publish by upload) and an app's page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps.models import AppVersion
from superlink.control_client import build_fab

from ..factories import UserFactory
from ..support import folder_storage
from .test_hub_api import EXAMPLE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _hub_storage(settings, tmp_path):
    folder_storage(settings, "hub", tmp_path)


@pytest.fixture(scope="module")
def example_fab() -> bytes:
    return build_fab(EXAMPLE)  # its pyproject says publisher = "supergrid"


def test_an_empty_hub_says_how_to_publish(client, member):
    client.force_login(member)
    response = client.get(reverse("hub:list"))
    assertContains(response, "No apps yet")
    assertContains(response, "flwr app publish")


def test_publishing_a_fab_on_the_web_makes_it_yours_and_lists_it(client, member, example_fab):
    client.force_login(member)
    response = client.post(reverse("hub:list"), {"fab": SimpleUploadedFile("app.fab", example_fab)}, follow=True)
    assertContains(response, "Published @max/quickstart-numpy==1.0.0.")
    assert AppVersion.objects.get(app__owner=member).version == "1.0.0"
    listed = client.get(reverse("hub:list"), {"q": "linear regression"})
    assertContains(listed, "@max/quickstart-numpy")
    assertNotContains(client.get(reverse("hub:list"), {"q": "nothing-like-it"}), "@max/quickstart-numpy")
    again = client.post(reverse("hub:list"), {"fab": SimpleUploadedFile("app.fab", example_fab)})
    assert again.status_code == 400
    assertContains(again, "already published, and versions never change", status_code=400)


def test_a_file_that_is_no_fab_is_refused_next_to_the_field(client, member):
    client.force_login(member)
    response = client.post(reverse("hub:list"), {"fab": SimpleUploadedFile("app.fab", b"not a zip")})
    assertContains(response, "This is not a FAB", status_code=400)
    assertContains(response, 'id="id_fab_error"', status_code=400)


@pytest.mark.parametrize(
    ("method", "view", "kwargs"),
    [
        ("get", "hub:list", {}),
        ("post", "hub:list", {}),
        ("get", "hub:app", {"owner": "olivia", "name": "fedavg"}),
        ("post", "hub:run", {"owner": "olivia", "name": "fedavg"}),
        ("post", "hub:visibility", {"owner": "olivia", "name": "fedavg"}),
        ("get", "hub:federation_apps", {"owner": "olivia", "name": "fedavg-lab"}),
        ("post", "hub:add_app", {"owner": "olivia", "name": "fedavg-lab"}),
        ("post", "hub:remove_app", {"owner": "olivia", "name": "fedavg-lab"}),
    ],
)
def test_every_page_sends_anonymous_visitors_to_sign_in(client, federation, method, view, kwargs):
    target = reverse(view, kwargs=kwargs)
    response = getattr(client, method)(target)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('account_login')}?next=")


def test_seed_hub_publishes_the_example_as_alice_once(settings):
    settings.DEBUG = True
    UserFactory(username="alice")
    call_command("seed_hub")
    call_command("seed_hub")
    assert list(AppVersion.objects.values_list("app__owner__username", "app__name", "version")) == [
        ("alice", "quickstart-numpy", "1.0.0")
    ]
    from apps.models import FederationApp

    assert list(FederationApp.objects.values_list("federation__name", flat=True)) == ["workspace"]


def test_the_run_button_refuses_bad_overrides_and_federations_not_mine(client, member, owner, example_fab):
    from federations.models import Federation

    from ..factories import FederationFactory

    client.force_login(member)
    client.post(reverse("hub:list"), {"fab": SimpleUploadedFile("app.fab", example_fab)})
    page = client.get(reverse("hub:app", kwargs={"owner": "max", "name": "quickstart-numpy"}))
    assertContains(page, '<option value="@max/workspace"')
    run = reverse("hub:run", kwargs={"owner": "max", "name": "quickstart-numpy"})
    bad = client.post(run, {"federation": "@max/workspace", "version": "1.0.0", "overrides": "no-such-key=1"})
    assertContains(bad, "this app&#x27;s run config has no key", status_code=400)
    FederationFactory(owner=owner, name="theirs")  # max is not a member
    refused = client.post(run, {"federation": "@olivia/theirs", "version": "1.0.0"})
    assertContains(refused, "Select a valid choice", status_code=400)
    assert Federation.objects.filter(owner=owner, name="theirs").exists()
    # No SuperLink in these tests: the page says so and keeps the form.
    down = client.post(run, {"federation": "@max/workspace", "version": "1.0.0", "overrides": "num-server-rounds=1"})
    assertContains(down, "SuperLink", status_code=400)
    assert client.get(run).status_code == 302


def test_pages_of_a_search_keep_the_search(client, member):
    from apps.models import App

    for index in range(30):
        app = App.objects.create(owner=member, name=f"fedavg-{index:02}", description="a search word")
        AppVersion.objects.create(app=app, version="1.0.0", fab_file="x", sha256="0" * 64, size=1)
    client.force_login(member)
    first = client.get(reverse("hub:list"), {"q": "search word"})
    assertContains(first, 'href="?q=search+word&amp;page=2"')
    second = client.get(reverse("hub:list"), {"q": "search word", "page": "2"})
    assertContains(second, "@max/fedavg-")
    assertContains(second, 'href="?q=search+word&amp;page=1"')


def test_the_app_page_shows_the_readme_as_text(client, member, example_fab):
    client.force_login(member)
    client.post(reverse("hub:list"), {"fab": SimpleUploadedFile("app.fab", example_fab)})
    page = client.get(reverse("hub:app", kwargs={"owner": "max", "name": "quickstart-numpy"}))
    assertContains(page, "federated linear regression with NumPy")
    assertContains(page, "README")


def test_the_run_form_offers_my_active_federations_workspace_first_then_by_handle(client, member, example_fab):
    from federations import services as federation_services

    from ..factories import FederationFactory

    zed = UserFactory(username="zed")
    FederationFactory(owner=zed, name="b-lab", members=[member])
    FederationFactory(owner=zed, name="a-lab", members=[member])
    gone = FederationFactory(owner=zed, name="gone", members=[member])
    federation_services.archive_federation(federation=gone, actor=zed)
    FederationFactory(owner=zed, name="not-mine")
    client.force_login(member)
    client.post(reverse("hub:list"), {"fab": SimpleUploadedFile("app.fab", example_fab)})
    page = client.get(reverse("hub:app", kwargs={"owner": "max", "name": "quickstart-numpy"})).content.decode()
    select = page.split('name="federation"')[1].split("</select>")[0]
    offered = [part.split('"')[0] for part in select.split('<option value="')[1:]]
    assert offered == ["@max/workspace", "@zed/a-lab", "@zed/b-lab"]
