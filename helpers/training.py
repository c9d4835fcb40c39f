"""Training helpers: one seed per notebook, and fits that report their own wall time."""

from __future__ import annotations

import time

import keras


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow at once, so a rerun gives the same numbers."""
    keras.utils.set_random_seed(seed)


class EpochTimer(keras.callbacks.Callback):
    """Records the seconds each epoch took (the cost side of every comparison)."""

    def on_train_begin(self, logs=None):
        self.epoch_seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(time.perf_counter() - self._start)


# Batches per call into TensorFlow's compiled graph. The same batches in the same order
# give the same weights (checked in tests/helpers/test_training.py), but Python's per-batch
# overhead is paid once per 32: twice as fast for the dense networks, whose steps are
# mostly overhead; callbacks still see every epoch.
STEPS_PER_EXECUTION = 32


def train(model, x, y, *, epochs: int, batch_size: int = 32, validation_data=None,
          callbacks=(), verbose: int = 2):
    """Fit ``model`` and return its history dict plus ``"epoch_seconds"``.

    ``verbose=2`` prints one line per epoch: readable in a book page, unlike a progress bar.
    """
    if model.steps_per_execution != STEPS_PER_EXECUTION:
        model.steps_per_execution = STEPS_PER_EXECUTION
        model.train_function = model.test_function = None  # rebuilt by fit
    timer = EpochTimer()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size,
                        validation_data=validation_data, callbacks=[timer, *callbacks],
                        verbose=verbose)
    result = {key: [float(v) for v in values] for key, values in history.history.items()}
    result["epoch_seconds"] = timer.epoch_seconds
    return result
