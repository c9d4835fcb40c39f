"""`helpers.training.train` runs several batches per graph call without changing the result."""

import logging

import numpy as np
import pytest

from helpers.models import dense_network
from helpers.training import STEPS_PER_EXECUTION, set_seed, train


def _fit(steps_per_execution_via_train: bool):
    rng = np.random.default_rng(3)
    x = rng.random((650, 28, 28), dtype=np.float32)  # 650: the last batch is partial
    y = rng.integers(0, 10, 650)
    set_seed(7)
    model = dense_network((16,))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    if steps_per_execution_via_train:
        history = train(model, x, y, epochs=2, batch_size=32,
                        validation_data=(x[:100], y[:100]), verbose=0)
    else:
        history = model.fit(x, y, epochs=2, batch_size=32,
                            validation_data=(x[:100], y[:100]), verbose=0).history
    return model, history


def test_train_gives_the_same_weights_as_one_batch_per_call():
    plain, plain_history = _fit(False)
    fast, fast_history = _fit(True)
    assert plain.steps_per_execution == 1
    assert fast.steps_per_execution == STEPS_PER_EXECUTION > 1
    # every batch was used, the partial one included: 2 epochs × ceil(650 / 32)
    assert int(fast.optimizer.iterations) == int(plain.optimizer.iterations) == 2 * 21
    for a, b in zip(plain.get_weights(), fast.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        assert fast_history[key] == pytest.approx(plain_history[key], rel=1e-5)
    assert len(fast_history["epoch_seconds"]) == 2


def test_tensorflow_keeps_its_warnings_but_not_its_retracing_notes(caplog):
    import tensorflow as tf

    import helpers  # noqa: F401 - importing it installs the filter

    with caplog.at_level(logging.WARNING, logger="tensorflow"):
        tf.get_logger().warning("5 out of the last 5 calls to <function f> triggered "
                                "tf.function retracing.")
        tf.get_logger().warning("a warning a reader should still see")
    shown = [record.getMessage() for record in caplog.records]
    assert shown == ["a warning a reader should still see"], shown
