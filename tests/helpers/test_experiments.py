"""helpers.experiments: the sweep table, its cache, resuming, and bad configurations."""

import numpy as np
import pandas as pd
import pytest

from helpers import cache, experiments
from helpers.experiments import RunConfig, run_sweep

TINY = dict(epochs=1, batch_size=32, dense_units=8)


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    x = rng.random((96, 28, 28, 1), dtype=np.float32)
    y = np.arange(96) % 10
    return x[:64], y[:64], x[64:], y[64:]


@pytest.fixture
def trainings(monkeypatch):
    """Counts the real trainings (cache hits do not call helpers.cache.train)."""
    calls = []
    real = cache.train

    def counting(model, *args, **kwargs):
        calls.append(model.count_params())
        return real(model, *args, **kwargs)

    monkeypatch.setattr(cache, "train", counting)
    return calls


SWEEP = [RunConfig(filters=2, conv_layers=1, **TINY), RunConfig(filters=4, conv_layers=2, **TINY)]


def test_table_has_one_typed_row_per_run(data, trainings):
    lines = []
    table = run_sweep(SWEEP, *data, log=lines.append)
    assert list(table.columns) == experiments.COLUMNS
    assert list(table["label"]) == ["1×Conv(2)", "2×Conv(4)"]
    assert table["parameters"].tolist() == [c.build().count_params() for c in SWEEP]
    for column in ("train accuracy", "test accuracy"):
        assert table[column].between(0, 1).all()
    assert (table["training seconds"] > 0).all() and (table["seconds per epoch"] > 0).all()
    assert pd.api.types.is_bool_dtype(table["cached"]) and not table["cached"].any()
    assert len(trainings) == 2
    assert lines[0] == "[1/2] 1×Conv(2): 1 epoch"
    assert "s left for this sweep" in lines[2]  # the second run has an estimate


def test_second_sweep_trains_nothing(data, trainings):
    first = run_sweep(SWEEP, *data, log=lambda line: None)
    again = run_sweep(SWEEP, *data, log=lambda line: None)
    assert len(trainings) == 2  # all from the first call
    assert again["cached"].all()
    assert np.allclose(again["test accuracy"], first["test accuracy"])
    assert again["training seconds"].tolist() == first["training seconds"].tolist()


def test_interrupted_sweep_resumes_at_the_unfinished_run(data, monkeypatch):
    real, calls = cache.train, []

    def stopped_in_run_two(model, *args, **kwargs):
        calls.append(model.count_params())
        if len(calls) == 2:
            raise KeyboardInterrupt  # the user stops the sweep during the second run
        return real(model, *args, **kwargs)

    monkeypatch.setattr(cache, "train", stopped_in_run_two)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(SWEEP, *data, log=lambda line: None)
    table = run_sweep(SWEEP, *data, log=lambda line: None)
    assert table["cached"].tolist() == [True, False]
    assert len(calls) == 3  # run 1, the interrupted run 2, run 2 again


@pytest.mark.parametrize("damage", ["weights", "history", "partial"])
def test_damaged_entry_is_run_again(data, trainings, cache_in_tmp, damage):
    run_sweep(SWEEP[:1], *data, log=lambda line: None)
    (weights,) = cache_in_tmp.glob("*.npz")
    record = weights.with_suffix(".json")
    if damage == "weights":
        weights.write_bytes(weights.read_bytes()[:100])  # truncated
    elif damage == "history":
        record.write_text('{"accuracy": [0.5], "epoch_seconds": []}')  # epochs missing
    else:
        record.unlink()  # interrupted between the two files
    table = run_sweep(SWEEP[:1], *data, log=lambda line: None)
    assert len(trainings) == 2 and not table["cached"].any()


@pytest.mark.parametrize("kwargs, message", [
    ({"conv_layers": 4}, "conv_layers must be 1 to 3"),
    ({"conv_layers": 0}, "conv_layers must be 1 to 3"),
    ({"filters": 0}, "filters must be a positive int"),
    ({"epochs": 1.5}, "epochs must be a positive int"),
])
def test_bad_configuration_is_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RunConfig(**kwargs)


def test_sweep_needs_configs(data):
    with pytest.raises(ValueError, match="at least one"):
        run_sweep([], *data)
    with pytest.raises(TypeError, match="RunConfig"):
        run_sweep([{"filters": 16}], *data)


def test_time_left_weighs_the_runs_left_by_their_work():
    # 10 s for 100 units of work so far; a run of 400 units is left: about 40 s.
    assert experiments._time_left([(10.0, 100)], [400]) == ", about 40 s left for this sweep"
    assert experiments._time_left([], [400]) == ""
    # a 4-filter config does more multiply-adds per image than a 2-filter one
    small, large = (sum(row[3] for row in experiments.layer_costs(c.network())) for c in SWEEP)
    assert large > small
