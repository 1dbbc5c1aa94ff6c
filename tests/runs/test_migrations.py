"""Moving the run-ended email's setting from accounts to runs keeps everyone's choice."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0001_initial"), ("runs", "0002_own_table")]
AFTER = [("accounts", "0002_notify_run_finished_moves_to_runs"), ("runs", "0003_run_email_setting")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_those_who_turned_run_emails_off_keep_them_off():
    old = migrate(BEFORE)
    User = old.get_model("accounts", "User")
    User.objects.create(username="quiet", email="quiet@example.org", flwr_aid="a" * 36, notify_run_finished=False)
    User.objects.create(username="keen", email="keen@example.org", flwr_aid="b" * 36, notify_run_finished=True)
    try:
        new = migrate(AFTER)
        setting = new.get_model("runs", "RunEmailSetting")
        assert list(setting.objects.values_list("user__username", "notify_run_finished")) == [("quiet", False)]
        migrate(BEFORE)  # and back
        assert dict(User.objects.values_list("username", "notify_run_finished")) == {"quiet": False, "keen": True}
    finally:
        executor = MigrationExecutor(connection)
        migrate(executor.loader.graph.leaf_nodes())  # every app's latest, for the tests that follow
    from accounts.models import User as CurrentUser
    from runs.services import wants_run_emails

    assert wants_run_emails(CurrentUser.objects.get(username="quiet").pk) is False
    assert wants_run_emails(CurrentUser.objects.get(username="keen").pk) is True
