"""Limit overrides set in the first release's table move onto the user's row when migrating."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from ..runs.test_migrations import migrate


@pytest.mark.django_db(transaction=True)
def test_overrides_are_kept():
    old = migrate([("accounts", "0004_limits")])
    user_model, limits = old.get_model("accounts", "User"), old.get_model("accounts", "Limits")
    busy = user_model.objects.create(username="busy", email="busy@example.org", flwr_aid="c" * 36)
    user_model.objects.create(username="plain", email="plain@example.org", flwr_aid="d" * 36)
    limits.objects.create(user=busy, runs=2, supernodes=0)
    try:
        new = migrate([("accounts", "0005_limits_on_the_user")])
        rows = new.get_model("accounts", "User").objects.order_by("username")
        values = list(rows.values_list("username", "limit_runs", "limit_supernodes", "limit_federations"))
        assert values == [("busy", 2, 0, None), ("plain", None, None, None)]
    finally:
        executor = MigrationExecutor(connection)
        migrate(executor.loader.graph.leaf_nodes())  # every app's latest, for the tests that follow
