"""ServerApp: FedAvg over every connected SuperNode for a few rounds."""

from flwr.app import ArrayRecord, Context
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

from quickstart_numpy.task import initial_parameters

app = ServerApp()


@app.main()
def main(grid: Grid, context: Context) -> None:
    num_rounds = int(context.run_config["num-server-rounds"])
    strategy = FedAvg(min_train_nodes=1, min_evaluate_nodes=1, min_available_nodes=1)
    result = strategy.start(
        grid=grid, initial_arrays=ArrayRecord(initial_parameters()), num_rounds=num_rounds, timeout=120
    )
    weights, bias = result.arrays.to_numpy_ndarrays()
    print(f"Final model: weights={weights.round(3).tolist()} bias={bias.round(3).tolist()}")
