"""helpers.models and helpers.training: the architectures and counts the chapters state."""

import keras
import numpy as np
import pytest

from helpers.models import dense_network, dense_param_count
from helpers.training import set_seed, train


def test_dense_baseline_layers_and_parameters():
    model = dense_network()
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [layer.units for layer in dense] == [128, 10]
    assert [layer.activation.__name__ for layer in dense] == ["relu", "softmax"]
    assert model.count_params() == 101_770
    assert model.output_shape == (None, 10)


def test_tanh_network_parameters():
    model = dense_network((30, 20), activation="tanh")
    assert model.count_params() == 24_380 == dense_param_count([784, 30, 20, 10])


@pytest.mark.parametrize("hidden", [(1,), (7, 3), (64, 64, 32)])
def test_param_count_formula_matches_keras(hidden):
    assert dense_param_count([784, *hidden, 10]) == dense_network(hidden).count_params()


@pytest.mark.parametrize("hidden", [(), (0,), (16, -1)])
def test_dense_network_rejects_bad_sizes(hidden):
    with pytest.raises(ValueError, match="hidden_units"):
        dense_network(hidden)


def test_train_reports_history_and_epoch_times():
    set_seed(0)
    x = np.random.default_rng(0).random((64, 28, 28), dtype=np.float32)
    y = np.arange(64) % 10
    model = dense_network((8,))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = train(model, x, y, epochs=3, batch_size=16, validation_data=(x, y), verbose=0)
    assert len(history["loss"]) == len(history["val_accuracy"]) == 3
    assert len(history["epoch_seconds"]) == 3 and all(s > 0 for s in history["epoch_seconds"])
    assert history["loss"][-1] < history["loss"][0]  # it really trained
