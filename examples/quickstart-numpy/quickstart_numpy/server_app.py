"""ServerApp: FedAvg over every connected SuperNode for a few rounds."""

import hashlib
import json
import os
from pathlib import Path

import numpy as np
from flwr.app import ArrayRecord, Context, MetricRecord
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

from quickstart_numpy.task import HELD_OUT_PARTITION, accuracy, initial_parameters, load_partition, loss

app = ServerApp()


def evaluate_on_server(server_round: int, arrays: ArrayRecord) -> MetricRecord:
    """Server-side evaluation of the global model on a held-out partition."""
    weights, bias = arrays.to_numpy_ndarrays()
    features, targets = load_partition(HELD_OUT_PARTITION)
    return MetricRecord(
        {"loss": loss(weights, bias, features, targets), "accuracy": accuracy(weights, bias, features, targets)}
    )


@app.main()
def main(grid: Grid, context: Context) -> None:
    num_rounds = int(context.run_config["num-server-rounds"])
    strategy = FedAvg(min_train_nodes=1, min_evaluate_nodes=1, min_available_nodes=1)
    result = strategy.start(
        grid=grid,
        initial_arrays=ArrayRecord(initial_parameters()),
        num_rounds=num_rounds,
        timeout=120,
        evaluate_fn=evaluate_on_server,
    )
    weights, bias = result.arrays.to_numpy_ndarrays()
    print(f"Final model: weights={weights.round(3).tolist()} bias={bias.round(3).tolist()}")
    # The strategy's own record of every round, exact, for SuperGrid's contract tests of its log parser.
    recorded = {
        "train": result.train_metrics_clientapp,
        "evaluate": result.evaluate_metrics_clientapp,
        "server": result.evaluate_metrics_serverapp,
    }
    print(
        "SuperGrid result: "
        + json.dumps({kind: {r: dict(m) for r, m in rounds.items()} for kind, rounds in recorded.items()})
    )
    # Artifacts: SuperGrid keeps what a run writes into its own folder, <SUPERGRID_ARTIFACTS_DIR>/<run id>,
    # and offers it on the run's page and to `flwr pull`. Elsewhere (no such variable) they go to ./outputs.
    outputs = Path(os.environ.get("SUPERGRID_ARTIFACTS_DIR", "outputs")) / str(context.run_id)
    outputs.mkdir(parents=True, exist_ok=True)
    np.savez(outputs / "final_model.npz", weights=weights, bias=bias)
    final = {kind: dict(rounds[max(rounds)]) for kind, rounds in recorded.items() if rounds}
    (outputs / "metrics.json").write_text(json.dumps({"rounds": num_rounds, "final": final}, indent=2))
    for saved in ("final_model.npz", "metrics.json"):
        print(f"Saved {saved} (sha256 {hashlib.sha256((outputs / saved).read_bytes()).hexdigest()})")
