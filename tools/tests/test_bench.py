"""A smoke of `make bench`'s runner at a tiny size: it seeds, measures pages and the control path, and
prints its table. The bench itself is not part of `make test` (it takes minutes and wants a quiet machine)."""

import pytest
from django.db import connection

from accounts.models import User
from tools.bench import control, pages, report, seed
from tools.bench.run import in_process_rows

pytestmark = pytest.mark.urls("tools.bench.urls")


@pytest.fixture
def seeded(transactional_db):  # committed: the control path is timed from a thread of its own
    if connection.vendor != "postgresql":
        pytest.skip("the bench seeds with PostgreSQL's generate_series: run with DATABASE_URL=postgres://…")
    return seed.seed(scale=0.002)


def test_the_seed_makes_the_named_users_and_federations_the_pages_measure(seeded):
    assert seeded.users >= 20 + len(seed.USER_SIZES)
    assert seeded.memberships > seeded.federations  # owners and members
    assert seeded.invitations
    assert seeded.activity
    assert seeded.nodes
    big = seed.federation_name(max(seed.FEDERATION_SIZES))
    from federations.models import Federation

    assert Federation.objects.get(owner__username=seed.BIG_OWNER, name=big).memberships.count() > 1
    from apps.models import App

    assert App.objects.count() == seed.HUB_APPS + 1
    assert App.objects.get(name=seed.HUB_APP).versions.count() == seed.HUB_APP_VERSIONS
    # Lists a user can grow, at their bounds: signing keys in use, webhooks of a federation.
    from accounts.services import MAX_SIGNING_KEYS
    from webhooks.services import MAX_WEBHOOKS

    busy = User.objects.get(username=seed.BUSY_USER)
    assert busy.signing_keys.filter(removed_at__isnull=True).count() == MAX_SIGNING_KEYS
    assert Federation.objects.get(owner__username=seed.BIG_OWNER, name=big).webhooks.count() == MAX_WEBHOOKS


def test_every_page_answers_and_the_table_compares_it_with_the_floor(seeded):
    listed = pages.pages()
    figures = pages.measure_in_process(listed, repeat=2, seconds=0.01)
    assert {figure.status for figure in figures.values()} == {200}, {
        label: figure.status for label, figure in figures.items() if figure.status != 200
    }
    floor = figures[pages.FLOOR]
    stock = {name: 1.0 for name in (pages.SHOW, pages.LIST_NODES, pages.LIST_RUNS)}
    table = report.render("Smoke", in_process_rows(listed, figures, stock), ["a note"])
    assert f"{pages.FLOOR} (3 q" in table
    assert "goals met" in table
    assert floor.queries <= 3


def test_the_control_path_is_timed_against_stock_flower_and_revocation_is_instant(seeded):
    calls, extra = control.measure(repeat=3)
    assert {call.label for call in calls} >= {"has_member", "exists"}
    assert all(call.ours_ms > 0 and call.stock_ms > 0 for call in calls)
    assert extra["revoked_refused"] is True


def test_packing_is_timed_against_zip_and_its_memory_measured(monkeypatch, tmp_path):
    from tools.bench import packing

    monkeypatch.setattr(packing, "MODEL_MIB", 2)
    monkeypatch.setattr(packing, "TEXT_FILES", 5)
    ours_seconds, zip_seconds, peak_mib, size = packing.measure()
    assert size == 2 * 1024 * 1024 + 5 * packing.TEXT_KIB * 1024
    assert ours_seconds > 0
    assert zip_seconds > 0
    assert 0 <= peak_mib < 64


@pytest.mark.django_db
def test_routing_is_timed_at_twenty_and_a_thousand_nodes_and_sends_no_sql():
    from tools.bench import scale
    from tools.bench.run import routing_rows

    figures = scale.routing_in_memory(repeat=50)
    assert [size for size, *_ in figures] == [scale.REAL, scale.SIMULATED]
    assert all(has_node > 0 and filter_nodes > 0 and sql == 0 for _, has_node, filter_nodes, sql in figures)
    table = report.render("Smoke", routing_rows(figures), [])
    assert "has_node: 1,000 nodes against 20 (0 SQL)" in table


def test_a_runs_counts_are_read_from_the_superlinks_metrics():
    from tools.bench import scale
    from tools.bench.run import scale_rows

    def sample(name, value, **labels):
        return (name, tuple(sorted(labels.items()))), value

    before = dict(
        [
            sample("supergrid_superlink_messages_total", 10, api="fleet", direction="pushed"),
            sample("supergrid_superlink_sql_statements_total", 5, api="other"),
        ]
    )
    after = dict(
        [
            sample("supergrid_superlink_messages_total", 50, api="fleet", direction="pushed"),
            sample("supergrid_superlink_messages_total", 40, api="fleet", direction="pulled"),
            sample("supergrid_superlink_messages_total", 20, api="serverappio", direction="pushed"),
            sample("supergrid_superlink_sql_statements_total", 9, api="other"),
            sample("supergrid_superlink_sql_statements_total", 2, api="fleet"),
            sample("supergrid_superlink_federation_manager_calls_total", 100, method="has_node", outcome="ok"),
            sample("supergrid_superlink_federation_manager_calls_total", 60, method="filter_nodes", outcome="ok"),
        ]
    )
    counted = scale.counted_between(before, after)
    assert counted.routed == 100  # 40 pushed and 40 pulled through the Fleet API, 20 from the ServerApp
    assert counted.routing_sql == 2  # "other" (the Control API) is not routing
    assert counted.routing_calls == 160
    ours = {"simulation": ([10.0], {"completed"}, scale.Counted()), "deployment": ([30.0], {"completed"}, counted)}
    table = report.render("Smoke", scale_rows(1, ours, [(10.0, "completed")], [(29.0, "completed")]), [])
    assert "SQL statements per message (100 routed)" in table
    assert "0.02" in table  # 2 statements in 100 messages: a miss
    assert "FAIL" in table
    assert "1.60" in table  # routing calls per message
