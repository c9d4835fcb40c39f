"""Model builders shared by chapters and exercises, so every page trains the same network."""

from __future__ import annotations

import keras

from .data import IMAGE_SHAPE


def dense_network(hidden_units=(128,), activation: str = "relu", name: str | None = None):
    """Flatten -> Dense(h, activation) for each h -> Dense(10, softmax).

    ``dense_network()`` is the 101,770-parameter baseline; ``dense_network((30, 20), "tanh")``
    is the small tanh network.
    """
    if not hidden_units or any(int(h) <= 0 for h in hidden_units):
        raise ValueError(f"hidden_units must be positive layer sizes, got {hidden_units!r}")
    layers = [keras.Input(shape=IMAGE_SHAPE), keras.layers.Flatten()]
    layers += [keras.layers.Dense(int(h), activation=activation) for h in hidden_units]
    layers.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(layers, name=name)


def dense_param_count(layer_sizes) -> int:
    """Weights plus biases of a chain of dense layers, e.g. [784, 128, 10] -> 101,770."""
    sizes = [int(n) for n in layer_sizes]
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes, sizes[1:]))
