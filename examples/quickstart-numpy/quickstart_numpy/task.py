"""The model and the synthetic data, shared by the ServerApp and the ClientApp."""

import numpy as np

TRUE_WEIGHTS = np.array([2.0, -3.0, 0.5])
TRUE_BIAS = 1.0
SAMPLES_PER_NODE = 64
HELD_OUT_PARTITION = 999_999  # the server's own evaluation data
TOLERANCE = 0.15  # a prediction within this of the target counts as accurate


def initial_parameters() -> list[np.ndarray]:
    return [np.zeros_like(TRUE_WEIGHTS), np.zeros(1)]


def load_partition(partition_id: int) -> tuple[np.ndarray, np.ndarray]:
    """Deterministic synthetic data for one SuperNode: y = x·w + b + noise."""
    rng = np.random.default_rng(seed=partition_id)
    features = rng.normal(size=(SAMPLES_PER_NODE, TRUE_WEIGHTS.size))
    targets = features @ TRUE_WEIGHTS + TRUE_BIAS + rng.normal(scale=0.1, size=SAMPLES_PER_NODE)
    return features, targets


def loss(weights: np.ndarray, bias: np.ndarray, features: np.ndarray, targets: np.ndarray) -> float:
    return float(np.mean((features @ weights + bias - targets) ** 2))


def accuracy(weights: np.ndarray, bias: np.ndarray, features: np.ndarray, targets: np.ndarray) -> float:
    """Share of predictions within TOLERANCE of the target."""
    return float(np.mean(np.abs(features @ weights + bias - targets) < TOLERANCE))


def train(weights, bias, features, targets, steps: int, learning_rate: float):
    """Plain gradient descent on the mean squared error."""
    weights, bias = weights.copy(), bias.copy()
    for _ in range(steps):
        error = features @ weights + bias - targets
        weights -= learning_rate * 2 * features.T @ error / len(targets)
        bias -= learning_rate * 2 * np.mean(error, keepdims=True)
    return weights, bias
