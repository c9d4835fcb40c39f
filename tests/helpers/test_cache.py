"""helpers.cache: an identical run loads the saved weights; any change trains afresh."""

import json
import os

import numpy as np
import pytest

from helpers import cache
from helpers.models import dense_network
from helpers.training import set_seed


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    return rng.random((64, 28, 28), dtype=np.float32), np.arange(64) % 10


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _model(seed=0, optimizer="adam"):
    set_seed(seed)
    model = dense_network((8,))
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def test_second_identical_run_loads_weights_and_history(data, cache_in_tmp, capsys):
    x, y = data
    first = _model()
    history = cache.train_cached(first, x, y, epochs=2, batch_size=16, verbose=0)
    assert len(list(cache_in_tmp.glob("*.npz"))) == 1
    second = _model()  # fresh layer names, same seed: the same run
    assert not all(np.array_equal(a, b) for a, b in zip(first.get_weights(),
                                                        second.get_weights()))
    again = cache.train_cached(second, x, y, epochs=2, batch_size=16, verbose=0)
    assert "weights saved by an earlier run" in capsys.readouterr().out
    assert again == history
    assert all(np.array_equal(a, b) for a, b in zip(first.get_weights(), second.get_weights()))


def _activation_model(activation):
    set_seed(0)  # the same seed as _model(): only the activation differs
    model = dense_network((8,), activation=activation)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


@pytest.mark.parametrize("change", ["seed", "optimizer", "epochs", "data", "batch size",
                                    "validation data", "activation"])
def test_any_change_trains_again(data, cache_in_tmp, change):
    """Each change of what decides the weights misses the cache; the same seed throughout
    (but for the seed change), so only that one change can make the miss."""
    x, y = data
    validation = (x[:8], y[:8])
    cache.train_cached(_model(), x, y, epochs=1, batch_size=16, verbose=0,
                       validation_data=validation)
    model = {"seed": lambda: _model(seed=1), "optimizer": lambda: _model(optimizer="sgd"),
             "activation": lambda: _activation_model("tanh")}.get(change, _model)()
    x2 = x.copy()
    if change == "data":
        x2[0, 0, 0] += 0.5
    cache.train_cached(model, x2, y, epochs=2 if change == "epochs" else 1,
                       batch_size=8 if change == "batch size" else 16, verbose=0,
                       validation_data=(x[8:16], y[8:16]) if change == "validation data"
                       else validation)
    assert len(list(cache_in_tmp.glob("*.npz"))) == 2, f"a change of {change} hit the cache"


def test_the_same_run_again_hits_the_cache(data, cache_in_tmp):
    """The control for the test above: nothing changed, one entry."""
    x, y = data
    for _ in range(2):
        cache.train_cached(_model(), x, y, epochs=1, batch_size=16, verbose=0,
                           validation_data=(x[:8], y[:8]))
    assert len(list(cache_in_tmp.glob("*.npz"))) == 1, "an identical run missed the cache"


def test_damaged_entry_is_retrained_from_the_same_start(data, cache_in_tmp, capsys):
    x, y = data
    reference = _model()
    expected = cache.train_cached(reference, x, y, epochs=1, batch_size=16, verbose=0)
    for path in cache_in_tmp.glob("*.npz"):
        path.write_bytes(b"not an npz file")
    model = _model()
    history = cache.train_cached(model, x, y, epochs=1, batch_size=16, verbose=0)
    assert "the saved weights are damaged; training again" in capsys.readouterr().out
    assert np.isclose(history["loss"][0], expected["loss"][0], rtol=1e-4)


def test_uncompiled_model_is_refused(data):
    with pytest.raises(ValueError, match="compile"):
        cache.train_cached(dense_network((8,)), *data, epochs=1)


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache.cache_dir() == tmp_path / "elsewhere"
    monkeypatch.delenv("COURSE_CACHE_DIR")
    assert cache.cache_dir() == cache._ROOT / "_build" / "cache"


def test_a_run_waits_for_another_training_the_same_model_and_loads_it(data, capsys):
    """Two chapters executed at once: the second waits on the entry's lock, then loads."""
    import json
    import threading

    x, y = data
    waiting, other = _model(), _model()
    weights, record = cache._entry(other, x, y, 2, 16, None, "shared")
    result = {}
    with cache._exclusive(weights.with_suffix(".lock"), "shared"):  # another chapter trains
        thread = threading.Thread(target=lambda: result.update(zip(
            ("history", "from_cache"), cache.train_or_load(
                waiting, x, y, epochs=2, batch_size=16, verbose=0, name="shared"))))
        thread.start()
        thread.join(timeout=2)
        assert thread.is_alive(), "train_or_load did not wait for the lock"
        other.set_weights([w + 1 for w in other.get_weights()])  # "its trained weights"
        np.savez(weights, **{f"w{i}": w for i, w in enumerate(other.get_weights())})
        record.write_text(json.dumps({"loss": [1.0, 0.5], "epoch_seconds": [0.1, 0.1]}))
    thread.join(timeout=30)
    assert result["from_cache"] is True
    assert result["history"]["loss"] == [1.0, 0.5]
    assert all(np.array_equal(a, b) for a, b in zip(waiting.get_weights(), other.get_weights()))
    assert "waiting for another chapter" in capsys.readouterr().out


def test_trained_runs_lists_every_stored_run_oldest_first(data, cache_in_tmp):
    x, y = data
    cache.train_cached(_model(), x, y, epochs=2, batch_size=16, verbose=0, name="two-conv")
    cache.train_cached(_model(seed=1), x, y, epochs=3, batch_size=16, verbose=0)
    named, unnamed = sorted(cache_in_tmp.glob("*.json"), key=lambda p: "-" not in p.stem)
    os.utime(named, (1_000, 1_000))  # the order of training, not of the file names
    os.utime(unnamed, (2_000, 2_000))
    runs = cache.trained_runs(cache_in_tmp)
    assert [(r["model"], r["epochs"]) for r in runs] == [("two-conv", 2), ("(unnamed)", 3)]
    for run, record in zip(runs, (named, unnamed)):
        seconds = json.loads(record.read_text())["epoch_seconds"]
        assert run["seconds"] == round(sum(seconds), 1) and run["seconds"] > 0
    cache.train_cached(_model(), x, y, epochs=2, batch_size=16, verbose=0, name="two-conv")
    assert len(cache.trained_runs(cache_in_tmp)) == 2  # a run loaded again adds nothing


def test_what_a_page_prints_names_the_network_and_its_time_not_the_cache(data, cache_in_tmp,
                                                                         capsys):
    """A reader learns which network trained and how long it took; the entry's name and
    key (a hash) and the cache's path stay out of the page."""
    x, y = data
    cache.train_cached(_model(), x, y, epochs=2, batch_size=16, verbose=0, name="two-conv",
                       label="2×Conv(8)")
    trained = capsys.readouterr().out
    cache.train_cached(_model(), x, y, epochs=2, batch_size=16, verbose=0, name="two-conv",
                       label="2×Conv(8)")
    loaded = capsys.readouterr().out
    seconds = sum(json.loads(next(cache_in_tmp.glob("*.json")).read_text())["epoch_seconds"])
    took = cache.duration(seconds)
    assert f"trained 2×Conv(8) for 2 epochs in {took}" in trained, trained
    assert f"2×Conv(8): weights saved by an earlier run, which trained it in {took}" in loaded, (
        loaded)
    key = next(cache_in_tmp.glob("*.npz")).stem.rpartition("-")[2]
    for text in (trained, loaded):
        assert key not in text and "two-conv" not in text and str(cache_in_tmp) not in text, (
            f"cache internals on the page: {text!r}")


def test_durations_read_as_a_reader_says_them():
    assert [cache.duration(s) for s in (0.4, 42, 59.6, 161, 3725)] == [
        "0s", "42s", "1m00s", "2m41s", "62m05s"], "durations are not written as 42s or 2m41s"
