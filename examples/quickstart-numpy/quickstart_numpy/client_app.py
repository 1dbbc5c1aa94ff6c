"""ClientApp: trains and evaluates on this SuperNode's synthetic partition."""

from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp

from quickstart_numpy.task import accuracy, load_partition, loss, train

app = ClientApp()


def partition(context: Context) -> int:
    # Simulated SuperNodes get a partition id; real ones may set one with --node-config.
    return int(context.node_config.get("partition-id", context.node_id % 1000))


@app.train()
def fit(msg: Message, context: Context) -> Message:
    weights, bias = msg.content["arrays"].to_numpy_ndarrays()
    features, targets = load_partition(partition(context))
    weights, bias = train(
        weights,
        bias,
        features,
        targets,
        steps=int(context.run_config["local-steps"]),
        learning_rate=float(context.run_config["learning-rate"]),
    )
    metrics = MetricRecord({"train_loss": loss(weights, bias, features, targets), "num-examples": len(targets)})
    return Message(RecordDict({"arrays": ArrayRecord([weights, bias]), "metrics": metrics}), reply_to=msg)


@app.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    weights, bias = msg.content["arrays"].to_numpy_ndarrays()
    features, targets = load_partition(partition(context) + 10_000)
    metrics = MetricRecord(
        {
            "eval_loss": loss(weights, bias, features, targets),
            "eval_accuracy": accuracy(weights, bias, features, targets),
            "num-examples": len(targets),
        }
    )
    return Message(RecordDict({"metrics": metrics}), reply_to=msg)
