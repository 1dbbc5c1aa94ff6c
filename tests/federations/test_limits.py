"""Fair-share limits on the web path (the CLI's are in tests/flower): federations owned, simulated
SuperNodes per federation; the admin's per-user override; the profile shows limits and use."""

import re

import pytest
from django.urls import reverse

from accounts.models import User
from federations import services
from federations.limits import LimitReached

from ..factories import FederationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_federations_owned_are_limited_and_the_workspace_does_not_count(client, settings, owner):
    settings.LIMIT_FEDERATIONS = 2
    services.ensure_workspace(owner)
    FederationFactory(owner=owner, name="one")
    FederationFactory(owner=owner, name="two")
    client.force_login(owner)
    response = client.post(reverse("federations:create"), {"name": "three", "kind": "simulation", "num_supernodes": 2})
    assert response.status_code in (200, 400, 422)
    assert "You own 2 active federations, the most you may" in response.text
    services.archive_federation(federation=owner.owned_federations.get(name="one"), actor=owner)
    assert services.create_federation(owner=owner, name="three", kind="simulation").name == "three"


def test_an_operator_override_wins_over_the_default(settings, owner):
    settings.LIMIT_FEDERATIONS = 1
    User.objects.filter(pk=owner.pk).update(limit_federations=3)
    for name in ("a", "b", "c"):
        services.create_federation(owner=owner, name=name, kind="simulation")
    with pytest.raises(LimitReached, match="You own 3 active federations"):
        services.create_federation(owner=owner, name="d", kind="simulation")
    User.objects.filter(pk=owner.pk).update(limit_federations=0)  # 0: no limit for this user
    services.create_federation(owner=owner, name="d", kind="simulation")


def test_simulated_supernodes_are_limited_per_federation(client, settings, owner, member):
    settings.LIMIT_SIMULATED_SUPERNODES = 5
    with pytest.raises(LimitReached, match="at most 5 simulated SuperNodes"):
        services.create_federation(owner=owner, name="big", kind="simulation", num_supernodes=6)
    federation = services.create_federation(owner=owner, name="small", kind="simulation", num_supernodes=5)
    client.force_login(owner)
    url = reverse("federations:settings", kwargs=federation.url_kwargs())
    response = client.post(url, {"num_supernodes": 6, "description": ""})
    assert "A federation of yours may have at most 5 simulated SuperNodes" in response.text
    federation.refresh_from_db()
    assert federation.num_supernodes == 5


def test_the_profile_shows_limits_and_use(client, settings, owner):
    settings.LIMIT_FEDERATIONS, settings.LIMIT_RUNS = 4, 0
    FederationFactory(owner=owner, name="one")
    client.force_login(owner)
    page = client.get(reverse("profile")).text
    assert "Active federations you own" in page
    assert "1 of 4" in page
    assert "Your runs pending or running at once" in page
    assert "no limit" in page
    User.objects.filter(pk=owner.pk).update(
        limit_runs=3, limit_federations=None
    )  # an override; empty keeps the default
    page = client.get(reverse("profile")).text
    assert re.search(r"Your runs pending or running at once</dt>\s*<dd>3</dd>", page)  # use unknown: no SuperLink
    assert re.search(r"Active federations you own</dt>\s*<dd>1 of 4</dd>", page)


def test_the_admin_sets_a_users_limits(client, owner):
    operator = UserFactory(username="op", is_staff=True, is_superuser=True)
    client.force_login(operator)
    url = reverse("admin:accounts_user_change", args=[owner.pk])
    page = client.get(url)
    assert "id_limit_runs" in page.text  # the Limits fieldset
