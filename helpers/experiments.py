"""Sweeps over CNN configurations (chapter 5): one table row per run, every run cached.

Each run trains through :func:`helpers.cache.train_or_load`, so a rebuild trains nothing
and an interrupted sweep resumes at the first run that had not finished.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass

import pandas as pd

from .cache import train_or_load
from .models import conv_network
from .shapes import layer_costs
from .training import set_seed

# Valid 3×3 convolutions, each followed by 2×2 pooling, shrink 28 -> 13 -> 5 -> 1: a fourth
# convolution would have no 3×3 window left to look at.
MAX_CONV_LAYERS = 3


@dataclass(frozen=True)
class RunConfig:
    """One point of a sweep: ``conv_layers`` × Conv(filters, 3×3) + pool, Dense head."""

    filters: int = 64
    conv_layers: int = 2
    epochs: int = 5
    batch_size: int = 32
    seed: int = 42
    dense_units: int = 128

    def __post_init__(self):
        for field in ("filters", "epochs", "batch_size", "dense_units"):
            value = getattr(self, field)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{field} must be a positive int, got {value!r}")
        if not isinstance(self.conv_layers, int) or not 1 <= self.conv_layers <= MAX_CONV_LAYERS:
            raise ValueError(f"conv_layers must be 1 to {MAX_CONV_LAYERS} (each 3×3 conv + pool "
                             f"shrinks the 28×28 image), got {self.conv_layers!r}")

    @property
    def label(self) -> str:
        return f"{self.conv_layers}×Conv({self.filters})"

    def network(self):
        """The network, not yet seeded or compiled."""
        return conv_network((self.filters,) * self.conv_layers, 3,
                            dense_units=(self.dense_units,))

    def build(self):
        """The compiled network (seeded first, so the same config starts from the same weights)."""
        set_seed(self.seed)
        model = self.network()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        return model


COLUMNS = ["label", *RunConfig.__dataclass_fields__, "parameters", "train accuracy",
           "test accuracy", "training seconds", "seconds per epoch", "cached"]


def run_sweep(configs, x_train, y_train, x_test, y_test, *, log=print) -> pd.DataFrame:
    """Train (or load) every configuration and return one row per run.

    ``x_train``/``x_test`` carry a channel axis, shape (n, 28, 28, 1). Progress goes to
    ``log``: one line when a run starts, one when it ends, with an estimate of the time
    left from the runs trained so far (runs found in the cache take seconds). The
    estimate weighs each run by its multiply-adds per image times its epochs: a 64-filter
    run costs several 16-filter ones, so counting epochs alone would keep raising it.
    """
    configs = list(configs)
    if not configs:
        raise ValueError("run_sweep needs at least one RunConfig")
    for config in configs:
        if not isinstance(config, RunConfig):
            raise TypeError(f"expected RunConfig objects, got {type(config).__name__}")
    work = [config.epochs * sum(row[3] for row in layer_costs(config.network()))
            for config in configs]
    rows, trained = [], []  # (seconds, work) of the runs trained so far
    for i, config in enumerate(configs, 1):
        model = config.build()
        fit = {"epochs": config.epochs, "batch_size": config.batch_size,
               "name": f"sweep-{config.conv_layers}x{config.filters}", "label": config.label}
        epochs = f"{config.epochs} epoch{'s' if config.epochs != 1 else ''}"
        log(f"[{i}/{len(configs)}] {config.label}: {epochs}"
            + _time_left(trained, work[i - 1:]))
        started = time.perf_counter()
        history, cached = train_or_load(model, x_train, y_train, verbose=0, **fit)
        if not cached:
            trained.append((time.perf_counter() - started, work[i - 1]))
        test_accuracy = float(model.evaluate(x_test, y_test, verbose=0)[1])
        rows.append({"label": config.label, **asdict(config),
                     "parameters": model.count_params(),
                     "train accuracy": history["accuracy"][-1],
                     "test accuracy": test_accuracy,
                     "training seconds": sum(history["epoch_seconds"]),
                     "seconds per epoch": statistics.median(history["epoch_seconds"]),
                     "cached": cached})
        log(f"[{i}/{len(configs)}] {config.label}: test accuracy {test_accuracy:.2%}")
    return pd.DataFrame(rows, columns=COLUMNS)


def _time_left(trained, remaining_work) -> str:
    """', about N s left' once a run has been timed: the seconds per unit of work so far,
    times the work left (cached runs may make it shorter)."""
    if not trained:
        return ""
    seconds_per_work = sum(s for s, _ in trained) / sum(w for _, w in trained)
    return f", about {seconds_per_work * sum(remaining_work):.0f} s left for this sweep"
