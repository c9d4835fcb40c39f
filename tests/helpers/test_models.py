"""helpers.models and helpers.training: the architectures and counts the chapters state."""

import keras
import numpy as np
import pytest

from helpers.models import (
    batchnorm_network,
    conv_network,
    deep_network,
    dense_network,
    lenet_network,
    tanh_conv_network,
    two_conv_network,
)
from helpers.schedules import warmup_cosine
from helpers.shapes import (
    conv_output_size,
    conv_param_count,
    dense_param_count,
    layer_costs,
    pool_output_size,
)
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
    # 784·30 + 30, 30·20 + 20, 20·10 + 10, worked out by hand
    assert model.count_params() == 23_550 + 620 + 210 == 24_380


# Layer sizes and their parameters, worked out by hand: inputs·outputs + outputs per layer.
BY_HAND = [([784, 1, 10], 785 + 20), ([784, 7, 3, 10], 5_495 + 24 + 40),
           ([784, 64, 64, 32, 10], 50_240 + 4_160 + 2_080 + 330), ([5, 3], 18),
           ([2, 1, 2], 3 + 4)]


@pytest.mark.parametrize("sizes, parameters", BY_HAND)
def test_param_count_formula_gives_the_hand_counts(sizes, parameters):
    assert dense_param_count(sizes) == parameters, f"{sizes}: expected {parameters}"


@pytest.mark.parametrize("sizes, parameters", [c for c in BY_HAND if c[0][0] == 784])
def test_the_dense_builder_has_the_hand_counts(sizes, parameters):
    model = dense_network(tuple(sizes[1:-1]))
    assert model.count_params() == parameters, f"{sizes}: {model.count_params()} parameters"


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


def _shapes_and_params(model):
    return [(layer.__class__.__name__, layer.output.shape[1:], layer.count_params())
            for layer in model.layers]


def test_two_conv_network_shapes_and_parameters():
    model = two_conv_network()
    assert _shapes_and_params(model) == [
        ("Conv2D", (26, 26, 64), 640), ("MaxPooling2D", (13, 13, 64), 0),
        ("Conv2D", (11, 11, 64), 36_928), ("MaxPooling2D", (5, 5, 64), 0),
        ("Flatten", (1600,), 0), ("Dense", (128,), 204_928), ("Dense", (10,), 1_290)]
    assert model.input_shape == (None, 28, 28, 1)


def test_lenet_network_matches_the_source_summary():
    model = lenet_network()
    assert _shapes_and_params(model) == [
        ("Conv2D", (28, 28, 20), 520), ("MaxPooling2D", (14, 14, 20), 0),
        ("Conv2D", (14, 14, 50), 25_050), ("MaxPooling2D", (7, 7, 50), 0),
        ("Flatten", (2450,), 0), ("Dense", (500,), 1_225_500), ("Dense", (10,), 5_010)]
    assert model.count_params() == 1_256_080


def test_deep_network_matches_the_source_summary():
    model = deep_network()
    assert _shapes_and_params(model)[:8] == [
        ("Conv2D", (28, 28, 64), 3_200), ("MaxPooling2D", (14, 14, 64), 0),
        ("Conv2D", (14, 14, 128), 73_856), ("Conv2D", (14, 14, 128), 147_584),
        ("MaxPooling2D", (7, 7, 128), 0),
        ("Conv2D", (7, 7, 256), 295_168), ("Conv2D", (7, 7, 256), 590_080),
        ("MaxPooling2D", (3, 3, 256), 0)]
    dropouts = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert dropouts == [0.5, 0.5]
    assert model.count_params() == 1_413_834  # + 2304·128+128, 128·64+64, 64·10+10


def test_tanh_conv_network_keeps_size_and_uses_tanh():
    model = tanh_conv_network()
    shapes = [shape for _, shape, _ in _shapes_and_params(model)]
    assert shapes[:3] == [(28, 28, 16), (14, 14, 16), (3136,)]
    hidden = [layer for layer in model.layers if hasattr(layer, "activation")][:-1]
    assert {layer.activation.__name__ for layer in hidden} == {"tanh"}
    assert model.count_params() == 160 + 3136 * 30 + 30 + 30 * 20 + 20 + 20 * 10 + 10


@pytest.mark.parametrize("filters, kernel, padding", [
    ((16,), 3, "valid"), ((32, 32, 32), 3, "valid"), ((8, 4), 5, "same"), ((8, 8, 8), 3, "same")])
def test_size_formulas_match_keras(filters, kernel, padding):
    model = conv_network(filters, kernel, padding=padding, dense_units=(4,))
    size, channels = 28, 1
    for f, (conv, pool) in zip(filters, zip(model.layers[0::2], model.layers[1::2])):
        size = conv_output_size(size, kernel, padding)
        assert conv.output.shape[1:] == (size, size, f)
        assert conv.count_params() == conv_param_count(kernel, channels, f)
        size, channels = pool_output_size(size, 2, padding), f
        assert pool.output.shape[1:] == (size, size, f)


def test_size_and_count_formulas_give_the_hand_worked_numbers():
    """(k·k·c_in + 1)·filters parameters; 'valid' loses k - 1 pixels; pooling floors."""
    assert conv_param_count(3, 1, 64) == 640 and conv_param_count(3, 64, 64) == 36_928
    assert conv_param_count(5, 3, 8) == 608
    assert (conv_output_size(28, 3), conv_output_size(28, 5, "same")) == (26, 28)
    assert (pool_output_size(13), pool_output_size(13, 2, "same")) == (6, 7)


@pytest.mark.parametrize("kwargs, message", [
    ({"filters": ()}, "filters"), ({"filters": (16, 0)}, "filters"),
    ({"padding": "full"}, "padding")])
def test_conv_network_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        conv_network(**kwargs)


def test_size_formulas_reject_unknown_padding():
    with pytest.raises(ValueError, match="padding"):
        conv_output_size(28, 3, "causal")
    with pytest.raises(ValueError, match="padding"):
        pool_output_size(7, 2, "causal")


def test_batchnorm_network_normalizes_every_conv_and_augments_only_in_training():
    model = batchnorm_network((8, 16), shift=2)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds[:2] == ["RandomTranslation", "RandomFlip"]
    for i, kind in enumerate(kinds):
        if kind == "Conv2D":
            assert kinds[i + 1:i + 4] == ["BatchNormalization", "Activation", "MaxPooling2D"]
            assert not model.layers[i].use_bias  # BatchNorm's shift replaces the bias
    assert model.output_shape == (None, 10)
    images = np.random.default_rng(0).random((4, 28, 28, 1)).astype("float32")
    at_inference = [np.asarray(model(images, training=False)) for _ in range(2)]
    np.testing.assert_array_equal(*at_inference)  # no random shifts when predicting
    in_training = np.asarray(model.layers[0](images, training=True))
    assert not np.allclose(in_training, images)  # but there are while training
    assert type(batchnorm_network((8,)).layers[0]).__name__ == "RandomFlip"  # the default
    plain = batchnorm_network((8, 16), flip=False)
    assert not {"RandomTranslation", "RandomFlip"} & {type(x).__name__ for x in plain.layers}
    # by hand: conv 3·3·1·8 (no bias) + BatchNorm 4·8, conv 3·3·8·16 + 4·16; 28 -> 14 -> 7,
    # so Dense 7·7·16·128 (no bias) + 4·128; Dense 128·10 + 10
    by_hand = 72 + 32 + 1_152 + 64 + 100_352 + 512 + 1_290
    assert plain.count_params() == by_hand, f"{plain.count_params()} parameters"
    assert model.count_params() == by_hand, "the augmentation layers added weights"


@pytest.mark.parametrize("kwargs, message", [
    ({"filters": ()}, "filters must be positive"), ({"dropout": 1.0}, "dropout must be")])
def test_batchnorm_network_rejects_bad_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        batchnorm_network(**kwargs)


def test_warmup_cosine_rises_to_the_peak_then_decays_to_zero():
    schedule = warmup_cosine(3e-3, total_steps=1_000)
    rates = np.array([float(schedule(step)) for step in range(0, 1_001, 50)])
    peak = int(np.argmax(rates))
    assert rates[0] == pytest.approx(1e-4) and rates.max() == pytest.approx(3e-3, rel=0.01)
    assert 50 * peak == 100  # the peak at 10% of the steps
    assert np.all(np.diff(rates[:peak + 1]) > 0) and np.all(np.diff(rates[peak:]) < 0)
    assert rates[-1] < 1e-6


def test_layer_costs_count_multiply_adds_from_the_shapes():
    model = keras.Sequential([
        keras.Input((28, 28, 1)), keras.layers.Conv2D(4, 3, name="conv"),
        keras.layers.MaxPooling2D(name="pool"), keras.layers.Flatten(name="flat"),
        keras.layers.Dense(10, name="out")])
    assert layer_costs(model) == [
        ("conv", (26, 26, 4), 40, 26 * 26 * 3 * 3 * 1 * 4),  # each output: a 3x3x1 dot product
        ("pool", (13, 13, 4), 0, 0),
        ("flat", (676,), 0, 0),
        ("out", (10,), 6770, 676 * 10)]
