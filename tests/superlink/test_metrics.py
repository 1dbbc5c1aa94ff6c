"""The SuperLink's own /metrics: Control calls timed by method, the FederationManager's calls counted,
runs and SuperNodes counted from its state at most once per 15 s."""

import types

import pytest
from flwr.supercore.error import ApiErrorCode, FlowerError

from superlink import metrics


def sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def test_every_control_handler_is_timed_by_method_and_outcome():
    def list_runs(request, account, state):
        return "runs"

    def stop_run(request, account, state):
        raise FlowerError(ApiErrorCode.RUN_ID_NOT_FOUND, "No such run.")

    def helper(value):  # not a handler: left alone
        return value

    handlers = types.SimpleNamespace(list_runs=list_runs, stop_run=stop_run, helper=helper)
    module = types.ModuleType("handlers")
    vars(module).update(vars(handlers))
    metrics.time_control_handlers(module)
    metrics.time_control_handlers(module)  # twice: still timed once
    before_ok = sample("supergrid_superlink_control_duration_seconds_count", method="list_runs", outcome="ok")
    before_refused = sample("supergrid_superlink_control_duration_seconds_count", method="stop_run", outcome="refused")
    assert module.list_runs(None, None, None) == "runs"
    with pytest.raises(FlowerError):
        module.stop_run(None, None, None)
    assert module.helper is helper
    assert (
        sample("supergrid_superlink_control_duration_seconds_count", method="list_runs", outcome="ok") == before_ok + 1
    )
    refused = sample("supergrid_superlink_control_duration_seconds_count", method="stop_run", outcome="refused")
    assert refused == before_refused + 1


def test_the_federation_managers_calls_are_counted():
    class Manager:
        def has_node(self, node_id, federation):
            return node_id == 1

        def can_execute(self, flwr_aid, action, context):
            raise FlowerError(ApiErrorCode.NO_PERMISSIONS, "no")

    manager = Manager()
    metrics.count_manager_calls(manager, ["has_node", "can_execute"])
    before = sample("supergrid_superlink_federation_manager_calls_total", method="has_node", outcome="ok")
    assert manager.has_node(1, "@a/b")
    assert not manager.has_node(2, "@a/b")
    with pytest.raises(FlowerError):
        manager.can_execute("aid", "START_RUN", None)
    assert sample("supergrid_superlink_federation_manager_calls_total", method="has_node", outcome="ok") == before + 2
    assert sample("supergrid_superlink_federation_manager_calls_total", method="can_execute", outcome="refused") >= 1


def test_runs_and_supernodes_are_counted_at_most_every_15_seconds(monkeypatch):
    calls = []
    now = [1000.0]
    monkeypatch.setattr(metrics.time, "monotonic", lambda: now[0])

    def count():
        calls.append(now[0])
        return metrics.Counts(runs={("completed", "simulation"): 3, ("running", "deployment"): 1}, nodes={"online": 2})

    collector = metrics.StateCounts(count)
    families = {family.name: family for family in collector.collect()}
    assert {(s.labels["status"], s.labels["kind"]): s.value for s in families["supergrid_runs"].samples} == {
        ("completed", "simulation"): 3,
        ("running", "deployment"): 1,
    }
    assert [(s.labels["status"], s.value) for s in families["supergrid_supernodes"].samples] == [("online", 2)]
    now[0] += 14
    list(collector.collect())
    assert len(calls) == 1
    now[0] += 1
    list(collector.collect())
    assert len(calls) == 2


@pytest.mark.django_db
def test_message_handlers_count_their_messages_and_the_sql_they_cause():
    from django.db import connection

    from accounts.models import User
    from supergrid import db

    class Carrying:
        def __init__(self, count):
            self.messages_list = [object()] * count

    def push_messages(request, state):
        User.objects.filter(username="nobody").exists()  # through the ORM
        db.fetch_one("SELECT 1 AS one", {})  # and through our prepared statements
        return "stored"

    def pull_messages(request, state, store):
        return Carrying(3)

    def helper():
        return "not a handler"

    module = types.ModuleType("fleet_handlers")
    for function in (push_messages, pull_messages, helper):
        function.__module__ = module.__name__
        setattr(module, function.__name__, function)
    module.imported = pytest.approx  # someone else's function: left alone
    metrics.count_messages(module, "fleet")
    metrics.count_messages(module, "fleet")  # twice: still counted once
    wrappers = list(connection.execute_wrappers)
    metrics.count_sql(connection)
    metrics.count_sql(connection)  # once per connection
    try:
        before = {
            "pushed": sample("supergrid_superlink_messages_total", api="fleet", direction="pushed"),
            "pulled": sample("supergrid_superlink_messages_total", api="fleet", direction="pulled"),
            "fleet sql": sample("supergrid_superlink_sql_statements_total", api="fleet"),
            "other sql": sample("supergrid_superlink_sql_statements_total", api="other"),
        }
        assert module.push_messages(request=Carrying(2), state=None) == "stored"
        assert module.pull_messages(None, None, None).messages_list
        User.objects.count()  # outside any handler
        assert module.helper() == "not a handler"
        assert module.imported is pytest.approx
        assert sample("supergrid_superlink_messages_total", api="fleet", direction="pushed") == before["pushed"] + 2
        assert sample("supergrid_superlink_messages_total", api="fleet", direction="pulled") == before["pulled"] + 3
        assert sample("supergrid_superlink_sql_statements_total", api="fleet") == before["fleet sql"] + 2
        assert sample("supergrid_superlink_sql_statements_total", api="other") == before["other sql"] + 1
    finally:
        connection.execute_wrappers[:] = wrappers
