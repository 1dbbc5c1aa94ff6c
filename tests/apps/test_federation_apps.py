"""A federation's apps: the owner adds and removes Hub apps; members see them with a Run each."""

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from apps import services
from apps.models import App, AppVersion, FederationApp
from federations.models import Activity
from federations.rules import NotAllowed

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(owner):
    found = App.objects.create(owner=owner, name="fedavg", description="The consortium's training")
    AppVersion.objects.create(app=found, version="1.0.0", fab_file="x", sha256="0" * 64, size=1)
    return found


def tab(federation):
    return reverse("hub:federation_apps", kwargs=federation.url_kwargs())


def test_the_owner_adds_an_app_and_members_run_it_from_the_tab(client, federation, owner, member, app):
    client.force_login(owner)
    assertContains(client.get(tab(federation)), "No apps yet.")
    response = client.post(reverse("hub:add_app", kwargs=federation.url_kwargs()), {"app": app.pk}, follow=True)
    assertContains(response, "@olivia/fedavg is one of @olivia/fedavg-lab&#x27;s apps now")
    assert Activity.objects.filter(federation=federation, verb="app_added", target="@olivia/fedavg").exists()
    client.force_login(member)
    page = client.get(tab(federation))
    assertContains(page, 'aria-label="Run @olivia/fedavg"')
    assertContains(page, "?federation=%40olivia/fedavg-lab#run")
    assertNotContains(page, "Remove @olivia/fedavg")
    assert client.post(reverse("hub:remove_app", kwargs=federation.url_kwargs()), {"app": app.pk}).status_code == 403
    run_page = client.get(
        reverse("hub:app", kwargs={"owner": "olivia", "name": "fedavg"}), {"federation": "@olivia/fedavg-lab"}
    )
    assertContains(run_page, '<option value="@olivia/fedavg-lab" selected>')


def test_only_the_owner_manages_and_never_once_archived(federation, owner, member, app):
    with pytest.raises(NotAllowed, match="Only the owner can add apps"):
        services.add_to_federation(federation=federation, actor=member, app=app)
    services.add_to_federation(federation=federation, actor=owner, app=app)
    services.add_to_federation(federation=federation, actor=owner, app=app)  # again: nothing changes
    assert FederationApp.objects.filter(federation=federation).count() == 1
    from federations import services as federation_services

    federation_services.archive_federation(federation=federation, actor=owner)
    with pytest.raises(NotAllowed, match="archived"):
        services.remove_from_federation(federation=federation, actor=owner, app=app)


def test_outsiders_see_no_tab(client, federation, outsider):
    client.force_login(outsider)
    assert client.get(tab(federation)).status_code == 404
    assert client.post(reverse("hub:add_app", kwargs=federation.url_kwargs()), {"app": "1"}).status_code == 404


def test_the_owner_lets_only_the_federations_apps_run_and_members_are_told_where(client, federation, owner, member):
    client.force_login(owner)
    settings_url = reverse("federations:settings", kwargs=federation.url_kwargs())
    assertContains(client.get(settings_url), "Only the federation&#x27;s apps may run")
    saved = client.post(settings_url, {"num_supernodes": 2, "description": "x", "only_its_apps": "on"}, follow=True)
    assertContains(saved, "Settings saved.")
    federation.refresh_from_db()
    assert federation.only_its_apps
    activity = client.get(reverse("federations:activity", kwargs=federation.url_kwargs()))
    assertContains(activity, "let only the federation&#x27;s apps run")

    client.force_login(member)
    runs = client.get(reverse("runs:runs", kwargs=federation.url_kwargs()))
    assertContains(runs, "Only this federation's apps may run here")
    assertContains(runs, "The owner chose this on the Settings tab.")
    assertNotContains(runs, 'type="file"')  # no upload form: it would be refused
    assertContains(client.get(tab(federation)), "Only these apps may run in this federation")

    client.force_login(owner)
    client.post(settings_url, {"num_supernodes": 2, "description": "x"})
    federation.refresh_from_db()
    assert not federation.only_its_apps
    client.force_login(member)
    assertContains(client.get(reverse("runs:runs", kwargs=federation.url_kwargs())), 'type="file"')
