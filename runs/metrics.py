"""Metrics of a run, read from its log: the one parser of flwr 1.42's strategy log lines.

Flower's standard strategies (FedAvg and friends, `flwr.serverapp.strategy.Strategy.start`) log per round:

    [ROUND 2/3]
    configure_train: Sampled 2 nodes (out of 2)
    aggregate_train: Received 2 results and 0 failures
        └──> Aggregated MetricRecord: {'train_loss': 0.41, 'num-examples': 128}
    configure_evaluate: … / aggregate_evaluate: …
        └──> Aggregated MetricRecord: {'eval_loss': 0.52, …}
    Global evaluation
        └──> MetricRecord: {'loss': 0.49}
    …
    Final results:

and, before round 1, `Initial global evaluation results: {…}` (server-side, round 0). The contract
tests run the example app and compare what this module reads with what the strategy returned, so a
Flower upgrade that changes these lines fails loudly.
"""

import ast
import csv
import io
import json
import math
import re
from dataclasses import dataclass, field
from typing import TypeGuard

from django.utils.translation import gettext_lazy

ROUND = re.compile(r"\[ROUND (\d+)/(\d+)\]")
PHASE = re.compile(r"\b(?:configure|aggregate)_(train|evaluate)\b")
AGGREGATED = re.compile(r"Aggregated MetricRecord: (\{.*\})\s*$")
SERVER = re.compile(r"└──> MetricRecord: (\{.*\})\s*$")
INITIAL = re.compile(r"Initial global evaluation results: (\{.*\})\s*$")
FINAL = "Final results:"
NON_FINITE = re.compile(r"(?<![\w'\"])(-?inf|nan)(?![\w'\"])")
MAX_LINE = 100_000

KINDS = {  # the keys are the kinds; the words, in the reader's language, go after a metric's name
    "train": gettext_lazy("training, aggregated from the SuperNodes"),
    "evaluate": gettext_lazy("evaluation, aggregated from the SuperNodes"),
    "server": gettext_lazy("evaluation on the server"),
}


@dataclass(frozen=True)
class Series:
    kind: str
    name: str
    points: tuple[tuple[int, float], ...]

    @property
    def key(self) -> str:
        return f"{self.kind}.{self.name}"

    @property
    def label(self) -> str:
        return f"{self.name} ({KINDS[self.kind]})"

    @property
    def last(self) -> float:
        return self.points[-1][1]


@dataclass
class RunMetrics:
    total_rounds: int | None = None
    current_round: int = 0
    finished: bool = False
    rounds: dict[str, dict[int, dict[str, object]]] = field(default_factory=lambda: {kind: {} for kind in KINDS})

    @property
    def reported(self) -> bool:
        return any(self.rounds.values())

    @property
    def progress_percent(self) -> int:
        if not self.total_rounds:
            return 0
        return round(100 * min(self.current_round, self.total_rounds) / self.total_rounds)

    def series(self) -> list[Series]:
        """One series per numeric metric, in log order, kinds in the order train, evaluate, server."""
        found: list[Series] = []
        for kind, by_round in self.rounds.items():
            names: dict[str, None] = {}
            for values in by_round.values():
                names |= dict.fromkeys(name for name, value in values.items() if is_number(value))
            for name in names:
                points = tuple(
                    (number, float(value))
                    for number, values in sorted(by_round.items())
                    if is_number(value := values.get(name))
                )
                found.append(Series(kind, name, points))
        return found

    def as_dict(self) -> dict:
        return {
            "total_rounds": self.total_rounds,
            "current_round": self.current_round,
            "finished": self.finished,
            **{kind: {str(n): values for n, values in sorted(rounds.items())} for kind, rounds in self.rounds.items()},
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), indent=2, default=str)

    def as_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["round", "kind", "metric", "value"])
        for kind, rounds in self.rounds.items():
            for number, values in sorted(rounds.items()):
                for name, value in values.items():
                    writer.writerow([number, kind, name, value])
        return out.getvalue()


def is_number(value: object) -> TypeGuard[float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def record(text: str) -> dict | None:
    """A MetricRecord as Flower prints it (a Python dict literal), or None when it is not one."""
    if len(text) > MAX_LINE:
        return None
    sentinels = {"nan": "'__nan__'", "inf": "'__inf__'", "-inf": "'__-inf__'"}
    try:
        value = ast.literal_eval(NON_FINITE.sub(lambda m: sentinels[m.group(1)], text))
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    return {str(key): float(v.strip("_")) if v in ("__nan__", "__inf__", "__-inf__") else v for key, v in value.items()}


def parse(log: str) -> RunMetrics:
    metrics = RunMetrics()
    phase = None
    seen_in_round = 0
    for line in log.splitlines():
        if match := ROUND.search(line):
            metrics.current_round, metrics.total_rounds = int(match.group(1)), int(match.group(2))
            phase, seen_in_round = None, 0
        elif match := PHASE.search(line):
            phase = match.group(1)
        elif "Global evaluation" in line:
            phase = "server"
        elif match := AGGREGATED.search(line):
            values = record(match.group(1))
            # FedAvg-style strategies say which phase they aggregate; others go train first, then evaluate.
            kind = phase if phase in ("train", "evaluate") else ("train" if seen_in_round == 0 else "evaluate")
            seen_in_round += 1
            if values is not None:
                metrics.rounds[kind][metrics.current_round] = values
        elif match := SERVER.search(line):
            values = record(match.group(1))
            if values is not None:
                metrics.rounds["server"][metrics.current_round] = values
        elif match := INITIAL.search(line):
            values = record(match.group(1))
            if values is not None:
                metrics.rounds["server"][0] = values
        elif FINAL in line:
            metrics.finished = True
    return metrics
