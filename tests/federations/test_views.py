import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from federations import services
from federations.models import Activity, Federation, Membership

from ..factories import FederationFactory, UserFactory
from ..support import load_deferred

pytestmark = pytest.mark.django_db

TABS = ["overview", "runs:runs", "supernodes:federation", "members", "activity"]


def url(federation, view):
    name = view if ":" in view else f"federations:{view}"
    return reverse(name, kwargs=federation.url_kwargs())


def snapshot(federation):
    federation.refresh_from_db()
    return (
        federation.num_supernodes,
        federation.description,
        federation.archived_at,
        Activity.objects.count(),
        Membership.objects.count(),
    )


@pytest.mark.parametrize("view", [*TABS, "settings"])
def test_anonymous_visitors_are_sent_to_sign_in(client, federation, view):
    target = url(federation, view)
    assertRedirects(client.get(target), f"{reverse('account_login')}?next={target}", fetch_redirect_response=False)


@pytest.mark.parametrize("view", [*TABS, "settings"])
def test_outsiders_get_404_for_every_federation_page(client, federation, outsider, view):
    client.force_login(outsider)
    assert client.get(url(federation, view)).status_code == 404


@pytest.mark.parametrize("view", ["settings", "archive"])
def test_outsiders_get_404_for_every_change(client, federation, outsider, view):
    client.force_login(outsider)
    before = snapshot(federation)
    response = client.post(url(federation, view), {"confirm": federation.handle, "num_supernodes": 3})
    assert response.status_code == 404
    assert snapshot(federation) == before


def test_post_only_urls_answer_405_to_get_whoever_asks(client, federation, outsider):
    client.force_login(outsider)
    assert client.get(url(federation, "archive")).status_code == 405
    assert client.get("/@nobody/nothing/archive/").status_code == 405


def test_unknown_federation_is_404_like_a_hidden_one(client, outsider):
    client.force_login(outsider)
    assert client.get("/@nobody/nothing/").status_code == 404


@pytest.mark.parametrize("view", TABS)
def test_members_see_every_tab(client, federation, member, view):
    client.force_login(member)
    response = client.get(url(federation, view))
    assert response.status_code == 200
    assertContains(response, "@olivia/fedavg-lab")
    assertNotContains(response, ">Settings</a>")


def test_members_get_403_for_settings_and_archive(client, federation, member):
    client.force_login(member)
    before = snapshot(federation)
    assertContains(client.get(url(federation, "settings")), "Only the owner", status_code=403)
    response = client.post(url(federation, "settings"), {"num_supernodes": 3, "description": "x"})
    assertContains(response, "Only the owner", status_code=403)
    response = client.post(url(federation, "archive"), {"confirm": federation.handle})
    assertContains(response, "Only the owner can archive", status_code=403)
    assert snapshot(federation) == before


@pytest.mark.parametrize("view", [*TABS, "settings"])
def test_owner_sees_every_tab_including_settings(client, federation, owner, view):
    client.force_login(owner)
    response = client.get(url(federation, view))
    assert response.status_code == 200
    assertContains(response, ">Settings</a>")


def test_tabs_render_only_the_body_for_htmx(client, federation, owner):
    client.force_login(owner)
    response = client.get(url(federation, "members"), headers={"HX-Request": "true", "HX-Target": "federation-body"})
    body = response.content.decode()
    assert body.lstrip().startswith("<title>Members · @olivia/fedavg-lab · SuperGrid</title>")  # htmx sets it
    assert '<div id="federation-body">' in body
    assert "<html" not in body
    assert "olivia" in body
    assert "HX-Request" in response.headers["Vary"]
    assert "HX-Target" in response.headers["Vary"]
    restore = client.get(
        url(federation, "members"), headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<html" in restore.content.decode()


def test_get_never_changes_anything(client, federation, owner):
    client.force_login(owner)
    before = snapshot(federation)
    for view in [*TABS, "settings"]:
        client.get(url(federation, view), {"num_supernodes": 3, "confirm": federation.handle})
    assert client.get(url(federation, "archive")).status_code == 405
    assert snapshot(federation) == before


def test_owner_changes_count_and_description(client, federation, owner):
    client.force_login(owner)
    response = client.post(url(federation, "settings"), {"num_supernodes": "42", "description": "Now bigger"})
    assertRedirects(response, url(federation, "settings"))
    federation.refresh_from_db()
    assert (federation.num_supernodes, federation.description) == (42, "Now bigger")
    assertContains(client.get(url(federation, "activity")), "set the number of simulated SuperNodes to 42")


def test_a_settings_save_is_one_activity_row_and_an_unchanged_one_none(client, federation, owner):
    client.force_login(owner)
    before = Activity.objects.count()
    client.post(url(federation, "settings"), {"num_supernodes": "42", "description": "Now bigger"})
    assert Activity.objects.count() == before + 1
    response = client.post(url(federation, "settings"), {"num_supernodes": "42", "description": "Now bigger"})
    assertRedirects(response, url(federation, "settings"))
    assert Activity.objects.count() == before + 1


def test_deployment_settings_change_the_description(client, owner):
    federation = FederationFactory(owner=owner, kind="deployment", description="Old.")
    client.force_login(owner)
    response = client.post(url(federation, "settings"), {"description": "New."})
    assertRedirects(response, url(federation, "settings"))
    federation.refresh_from_db()
    assert federation.description == "New."
    assert federation.activities.first().describe() == "changed the description"


@pytest.mark.parametrize("count", ["0", "-1", "1001", "abc", ""])
def test_settings_refuse_bad_counts_with_a_field_error(client, federation, owner, count):
    client.force_login(owner)
    before = snapshot(federation)
    response = client.post(url(federation, "settings"), {"num_supernodes": count, "description": "x"})
    assert response.status_code == 200
    assert response.context["settings_form"].errors["num_supernodes"]
    assert snapshot(federation) == before


def test_archive_with_the_wrong_name_does_nothing(client, federation, owner):
    client.force_login(owner)
    before = snapshot(federation)
    response = client.post(url(federation, "archive"), {"confirm": "fedavg-lab"})
    assertContains(response, "Type @olivia/fedavg-lab exactly", status_code=400)
    assert snapshot(federation) == before


def test_archive_moves_the_federation_to_archived(client, federation, owner, member):
    client.force_login(owner)
    response = client.post(url(federation, "archive"), {"confirm": " @olivia/fedavg-lab "})
    assertRedirects(response, reverse("federations:archived"))
    federation.refresh_from_db()
    assert federation.is_archived
    assertNotContains(client.get(reverse("federations:dashboard")), "@olivia/fedavg-lab")
    assertContains(client.get(reverse("federations:archived")), "@olivia/fedavg-lab")
    client.force_login(member)
    assertContains(client.get(url(federation, "overview")), "It is read-only")


def test_archived_federation_refuses_changes_with_403(client, archived_federation, owner):
    client.force_login(owner)
    before = snapshot(archived_federation)
    response = client.post(url(archived_federation, "settings"), {"num_supernodes": 3, "description": "x"})
    assertContains(response, "archived and read-only", status_code=403)
    response = client.get(url(archived_federation, "settings"))
    assertContains(response, "can no longer change")
    assertNotContains(response, "Save changes")
    again = client.post(url(archived_federation, "archive"), {"confirm": archived_federation.handle}, follow=True)
    assertContains(again, "already archived")
    assert snapshot(archived_federation) == before


def test_dashboard_lists_active_federations_with_label_role_and_counts(client, federation, member):
    client.force_login(member)
    response = client.get(reverse("federations:dashboard"))
    assertContains(response, "@olivia/fedavg-lab")
    assertContains(response, "Simulation")
    assertContains(response, "<td>Member</td>", html=True)
    assertContains(response, "10 simulated")
    assertNotContains(response, "Archive @olivia/fedavg-lab")


def test_owner_gets_the_archive_button_on_the_dashboard(client, federation, owner):
    client.force_login(owner)
    assertContains(client.get(reverse("federations:dashboard")), 'aria-label="Archive @olivia/fedavg-lab"')


def test_a_newcomer_finds_their_workspace_ready_and_is_offered_a_new_federation(client, outsider):
    client.force_login(outsider)
    response = client.get(reverse("federations:dashboard"))
    assertContains(response, "Your workspace is ready")
    assertContains(response, '<a href="/@oscar/workspace/" class="mono">@oscar/workspace</a>', html=False)
    assertContains(response, "New Federation")


def test_the_workspace_is_listed_first(client, outsider):
    FederationFactory(owner=UserFactory(username="aaron"), name="alpha", members=[outsider])
    client.force_login(outsider)
    page = client.get(reverse("federations:dashboard")).content.decode()
    assert page.index("@oscar/workspace") < page.index("@aaron/alpha")
    assert "Your workspace is ready" not in page


def test_a_members_federations_are_listed_by_owner_then_name_a_page_at_a_time(client, outsider):
    """However the memberships were made (created, invited and accepted, added), each keeps its place:
    the member's own workspace, then by owner and name (``ann`` before ``anna``), 25 to a page."""
    import re

    from federations.views.dashboard import DASHBOARD_PAGE_SIZE

    ann, anna, zed = (UserFactory(username=name) for name in ("ann", "anna", "zed"))
    services.create_federation(owner=outsider, name="mine", kind=Federation.Kind.SIMULATION)
    FederationFactory(owner=anna, name="alpha", members=[outsider])
    for number in range(DASHBOARD_PAGE_SIZE):
        FederationFactory(owner=zed, name=f"z{number:02}", members=[outsider])
    invited = FederationFactory(owner=ann, name="zeta")
    invitation = services.invite(federation=invited, inviter=ann, username=outsider.username)
    services.accept_invitation(user=outsider, invitation_id=invitation.pk)
    archived = FederationFactory(owner=ann, name="gone", members=[outsider])
    services.archive_federation(federation=archived, actor=ann)
    for membership in Membership.objects.select_related("federation__owner"):
        assert (membership.sort_owner, membership.sort_name) == (
            membership.federation.owner.username,
            membership.federation.name,
        )
    expected = ["@oscar/workspace", "@ann/zeta", "@anna/alpha", "@oscar/mine"]
    expected += [f"@zed/z{number:02}" for number in range(DASHBOARD_PAGE_SIZE)]
    client.force_login(outsider)

    def listed(path: str, page: int) -> list[str]:
        html = client.get(path, {"page": page}).content.decode()
        return re.findall(r'<a href="/@[^"]+/" class="mono">(@[^<]+)</a>', html)

    dashboard = reverse("federations:dashboard")
    assert listed(dashboard, 1) + listed(dashboard, 2) == expected
    assert listed(dashboard, 2) == expected[DASHBOARD_PAGE_SIZE:]
    assert listed(reverse("federations:archived"), 1) == ["@ann/gone"]


def count_queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_dashboard_query_count_is_fixed(client, owner):
    others = UserFactory.create_batch(3)
    client.force_login(owner)
    for _ in range(3):
        FederationFactory(owner=owner, members=others)
    small = count_queries(client, reverse("federations:dashboard"))
    for _ in range(57):
        FederationFactory(owner=owner, members=others)
    several_pages = count_queries(client, reverse("federations:dashboard"))
    for _ in range(60):
        FederationFactory(owner=owner, members=others)
    # Pages are read one row past their end to know whether another follows: no COUNT at any size.
    assert small == several_pages == count_queries(client, reverse("federations:dashboard")) <= 4


@pytest.mark.parametrize("view", ["overview", "members", "activity", "settings"])
def test_federation_page_query_count_is_fixed(client, owner, view):
    federation = FederationFactory(owner=owner, members=UserFactory.create_batch(3))
    client.force_login(owner)
    small = count_queries(client, url(federation, view))
    for user in UserFactory.create_batch(57):
        Membership.objects.create(federation=federation, user=user)
    for user in UserFactory.create_batch(20):
        services.invite(federation=federation, inviter=owner, username=user.username)
    larger = count_queries(client, url(federation, view))
    for user in UserFactory.create_batch(60):
        Membership.objects.create(federation=federation, user=user)
    assert small == larger == count_queries(client, url(federation, view)) <= 9


def test_create_simulation_federation_goes_to_its_page(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("federations:create"),
        {"kind": "simulation", "name": "first", "num_supernodes": "5", "description": ""},
    )
    federation = Federation.objects.get(owner=owner, name="first")
    assertRedirects(response, url(federation, "overview"))
    assert federation.num_supernodes == 5


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "with space"}, "name"),
        ({"name": "a/b"}, "name"),
        ({"name": "1abc"}, "name"),
        ({"name": "x" * 33}, "name"),
        ({"name": "ſtuff"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "TAKEN"}, "name"),
        ({"num_supernodes": "0"}, "num_supernodes"),
        ({"num_supernodes": "-1"}, "num_supernodes"),
        ({"num_supernodes": "1001"}, "num_supernodes"),
        ({"num_supernodes": "abc"}, "num_supernodes"),
        ({"kind": "deployment"}, "kind"),
        ({"kind": "hybrid"}, "kind"),
    ],
)
def test_create_refuses_bad_input_next_to_the_field(client, owner, data, field):
    FederationFactory(owner=owner, name="taken")
    client.force_login(owner)
    count = Federation.objects.count()
    response = client.post(
        reverse("federations:create"), {"kind": "simulation", "name": "fine", "num_supernodes": "3", **data}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assertContains(response, f'id="id_{field}_error"')
    assert Federation.objects.count() == count


def test_runs_tab_says_the_superlink_is_unreachable_and_the_rest_works(client, federation, member):
    client.force_login(member)
    assertContains(load_deferred(client, url(federation, "runs:runs"), "run-list"), "SuperLink unreachable")
    assertContains(client.get(url(federation, "runs:runs"), {"show": "all"}), "SuperLink unreachable")
    assertContains(client.get(url(federation, "members")), "olivia")


def test_the_dashboard_fetches_its_live_column_in_one_request(client, federation, member, outsider):
    other = FederationFactory(owner=outsider, name="elsewhere")
    client.force_login(member)
    dashboard = client.get(reverse("federations:dashboard")).content.decode()
    workspace = Federation.objects.get(owner=member, name="workspace")
    live_url = f"{reverse('runs:dashboard_live')}?f={workspace.pk}&f={federation.pk}"
    assert f'hx-get="{live_url.replace("&", "&amp;")}" hx-trigger="load" hx-swap="none"' in dashboard
    assert f'<span id="live-{federation.pk}" class="muted small">…</span>' in dashboard

    # One cell per row, swapped out of band; another federation's id is ignored.
    cells = client.get(f"{live_url}&f={other.pk}", headers={"HX-Request": "true"}).content.decode()
    assert f'id="live-{federation.pk}" hx-swap-oob="true"' in cells
    assert "unavailable" in cells  # no SuperLink in these tests
    assert f"live-{other.pk}" not in cells


def test_the_overview_loads_its_live_lines_after_the_page(client, federation, member, outsider):
    client.force_login(member)
    live_url = reverse("runs:live", kwargs=federation.url_kwargs())
    overview = client.get(reverse("federations:overview", kwargs=federation.url_kwargs())).content.decode()
    assert f'hx-get="{live_url}" hx-trigger="load"' in overview
    assert "See the Runs tab" in overview  # what shows without JavaScript
    assertContains(client.get(live_url), "SuperLink unreachable")
    client.force_login(outsider)
    assert client.get(live_url).status_code == 404
