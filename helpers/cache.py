"""Trained weights saved on disk, so a model a later chapter needs is not trained twice.

A cache entry is keyed by everything that decides the trained weights: the model's
architecture and compile settings, its initial weights (which capture the seed), the
training data, the epochs and the batch size, and the Keras, TensorFlow and NumPy
versions. Change any of them
and the model is trained afresh; nothing stale can be loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import keras
import numpy as np

from .models import two_conv_network
from .training import set_seed, train

_ROOT = Path(__file__).resolve().parents[1]
_NAME_END = "-"  # entries are <name>-<key>.npz/.json, or <key>.* for a run with no name
# Entry names and paths go to this log; the page says what a reader wants to know.
log = logging.getLogger(__name__)


def duration(seconds: float) -> str:
    """'42s' or '2m41s': how long a run took, as a reader says it."""
    seconds = round(seconds)
    return f"{seconds}s" if seconds < 60 else f"{seconds // 60}m{seconds % 60:02d}s"


def cache_dir() -> Path:
    """``$COURSE_CACHE_DIR``, else ``_build/cache`` in the course checkout (cleaned with
    the book), else ``~/.cache/fashion-mnist-course`` for an installed package."""
    if os.environ.get("COURSE_CACHE_DIR"):
        return Path(os.environ["COURSE_CACHE_DIR"]).expanduser()
    if (_ROOT / "_config.yml").is_file():
        return _ROOT / "_build" / "cache"
    return Path.home() / ".cache" / "fashion-mnist-course"


def _digest(*arrays) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.data)
    return h.hexdigest()


def _without_names(config):
    """A config minus the names Keras numbers per session (conv2d_3, adam_1, ...), so the
    same network built on two pages gives the same key. A dict holding only a name (a
    dtype policy such as ``{"name": "float32"}``) keeps it: there the name is the value."""
    if isinstance(config, dict):
        drop = len(config) > 1
        return {k: _without_names(v) for k, v in config.items() if not (drop and k == "name")}
    if isinstance(config, (list, tuple)):
        return [_without_names(v) for v in config]
    return config


def _versions() -> dict:
    """Library versions that can change trained weights for the same inputs."""
    import tensorflow as tf

    return {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__}


def training_key(model, x, y, *, epochs: int, batch_size: int) -> str:
    """The cache key: a hash of everything that decides the trained weights."""
    if not model.compiled:
        raise ValueError("compile the model before training it (the optimizer and loss "
                         "are part of what is cached)")
    settings = json.dumps({"model": _without_names(model.get_config()),
                           "compile": _without_names(model.get_compile_config()),
                           "epochs": int(epochs), "batch_size": int(batch_size),
                           "versions": _versions()}, sort_keys=True, default=str)
    return _digest(np.frombuffer(settings.encode(), np.uint8), x, y,
                   *model.get_weights())


def _entry(model, x, y, epochs, batch_size, validation_data, name):
    key = training_key(model, x, y, epochs=epochs, batch_size=batch_size)
    if validation_data is not None:
        key = _digest(np.frombuffer(key.encode(), np.uint8), *validation_data)
    stem = f"{name}{_NAME_END}{key}" if name else key  # not model.name: Keras numbers those
    folder = cache_dir()
    return folder / f"{stem}.npz", folder / f"{stem}.json"


def trained_runs(folder: Path | None = None) -> list[dict]:
    """Every run stored in the cache, in the order it was trained: its name, epochs and
    seconds of training (`make bench` shows with it where a cold build's time went)."""
    records = (folder or cache_dir()).glob("*.json")
    runs = []
    for record in sorted(records, key=lambda path: path.stat().st_mtime):
        seconds = json.loads(record.read_text())["epoch_seconds"]
        name = record.stem.rpartition(_NAME_END)[0] or "(unnamed)"
        runs.append({"model": name, "epochs": len(seconds), "seconds": round(sum(seconds), 1)})
    return runs


def _load(model, weights: Path, record: Path, epochs: int, label: str) -> dict | None:
    """The stored history, with its weights loaded into ``model``; ``None`` when the entry
    is missing or damaged (then ``model`` keeps its initial weights)."""
    if not (weights.is_file() and record.is_file()):
        return None
    initial = model.get_weights()
    try:
        with np.load(weights) as saved:
            model.set_weights([saved[f"w{i}"] for i in range(len(saved.files))])
        history = json.loads(record.read_text())
        if len(history.get("epoch_seconds", ())) != epochs:
            raise ValueError("history does not cover every epoch")
    except Exception as exc:  # noqa: BLE001 - any damage means: train again
        model.set_weights(initial)
        log.warning("damaged cache entry %s (%s)", weights, exc)
        print(f"{label}: the saved weights are damaged; training again")
        return None
    log.info("loaded %s", weights)
    print(f"{label}: weights saved by an earlier run, which trained it in "
          f"{duration(sum(history['epoch_seconds']))}")
    return history


def train_or_load(model, x, y, *, epochs: int, batch_size: int = 32, validation_data=None,
                  verbose: int = 2, name: str | None = None,
                  label: str | None = None) -> tuple[dict, bool]:
    """:func:`train_cached`, also saying whether the result came from the cache."""
    label = label or name or "the network"
    weights, record = _entry(model, x, y, epochs, batch_size, validation_data, name)
    with _exclusive(weights.with_suffix(".lock"), label):
        history = _load(model, weights, record, epochs, label)
        if history is not None:
            return history, True
        history = train(model, x, y, epochs=epochs, batch_size=batch_size,
                        validation_data=validation_data, verbose=verbose)
        print(f"trained {label} for {epochs} epoch{'s' * (epochs != 1)} in "
              f"{duration(sum(history['epoch_seconds']))}")
        log.info("saving %s", weights)
        _write_atomically(weights, lambda path: np.savez(
            path, **{f"w{i}": w for i, w in enumerate(model.get_weights())}))
        _write_atomically(record, lambda path: Path(path).write_text(json.dumps(history)))
    return history, False


@contextmanager
def _exclusive(lock: Path, label: str):
    """Hold an exclusive lock on one cache entry.

    When chapters are executed at once (`make book BOOK_JOBS=2`) and two need the same
    model, the second waits here for the first to finish training it and then loads it,
    instead of training it a second time. The lock goes with the process, so a killed run never
    leaves the entry locked.
    """
    lock.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: no lock, at worst a model is trained twice
        yield
        return
    with open(lock, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another chapter that is training {label} ...", flush=True)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def train_cached(model, x, y, *, epochs: int, batch_size: int = 32, validation_data=None,
                 verbose: int = 2, name: str | None = None, label: str | None = None) -> dict:
    """Like :func:`helpers.training.train`, but reuse the weights of an identical run.

    On a hit the trained weights are loaded into ``model`` and the history of the run
    that produced them is returned (its ``epoch_seconds`` were measured then). It takes
    no callbacks: one that stops training early would change the weights behind the key.
    Entries are written atomically, so an interrupted run leaves no half-written file.
    ``label`` names the network in what the page prints ("2×Conv(64)"); ``name`` starts
    the entry's file name.
    """
    return train_or_load(model, x, y, epochs=epochs, batch_size=batch_size,
                         validation_data=validation_data, verbose=verbose, name=name,
                         label=label)[0]


def _write_atomically(target: Path, write) -> None:
    """Write to a temporary file beside ``target``, then rename it into place."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=target.name)
    os.close(fd)
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def trained_two_conv_network(x_train, y_train, *, epochs: int, seed: int = 42):
    """Chapter 3's 2×Conv(64) with its trained weights, for the chapters that study it.

    Built, seeded and compiled exactly as chapter 3 trains it (Adam, batches of 32), so
    the weights come from chapter 3's cache entry; where chapter 3 has not run, it
    trains once. Keep these settings in step with chapter 3.
    """
    set_seed(seed)
    cnn = two_conv_network()
    cnn.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    train_cached(cnn, x_train, y_train, epochs=epochs, batch_size=32, name="two_conv64",
                 label="2×Conv(64)")
    return cnn
