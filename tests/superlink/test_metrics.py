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
