"""What a student's notebook hands to the grader: answers as plain data.

When an exercise is autograded, the grader asks the student's kernel questions before
each test cell ("call `to_model_input` on these images", "give me `model`") and this
module answers them: it runs the student's code on the grader's inputs and writes what
comes back as plain data, NumPy arrays (``.npy``, no pickle), JSON numbers and strings,
and Keras models (``.keras``). A separate checker process, which never runs student
code, loads that data and decides the score (``grading/checker/``).

Nothing here checks anything or knows an expected value: the code is public, runs in
the student's process and may be replaced by it. A replaced answerer can only hand over
other answers, and right answers to questions it has not seen are the task itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

QUESTIONS = "questions"
ANSWERS = "answers"
_ARRAY_KINDS = "biuf"  # bool, integers, floats: what the checker loads


def answer(exchange: str, cell: str, namespace: dict) -> None:
    """Answer every question the grader asked for test cell `cell`, in `namespace` (the
    notebook's globals), into ``<exchange>/answers/<cell>/``."""
    folder = Path(exchange)
    questions = json.loads((folder / QUESTIONS / f"{cell}.json").read_text())
    out = folder / ANSWERS / cell
    out.mkdir(parents=True, exist_ok=True)
    for question in questions:
        name = question["name"]
        try:
            args = [_decode(a, folder / QUESTIONS) for a in question.get("args", [])]
            kwargs = {k: _decode(v, folder / QUESTIONS)
                      for k, v in question.get("kwargs", {}).items()}
            value, after = _ask(question, args, kwargs, namespace)
            record = {"value": _plain(value, out, name)}
            if question.get("keep_args"):
                record["args_after"] = [_plain(a, out, f"{name}.arg{i}")
                                        for i, a in enumerate(after)]
        except Exception as error:  # noqa: BLE001 - the student's error is the answer
            record = {"raised": f"{type(error).__name__}: {error}"[:500]}
        (out / f"{name}.json").write_text(json.dumps(record))


def _ask(question: dict, args: list, kwargs: dict, namespace: dict):
    """The value asked for, and the arguments as they are after the call."""
    kind, target = question["kind"], question["target"]
    if kind == "value":
        if target not in namespace:
            raise NameError(f"name '{target}' is not defined")
        return namespace[target], args
    if kind == "call":
        if target not in namespace:
            raise NameError(f"name '{target}' is not defined")
        return namespace[target](*args, **kwargs), args
    if kind == "drive":
        return DRIVERS[target](namespace, *args, **kwargs), args
    raise ValueError(f"unknown kind of question: {kind}")


def _decode(encoded, folder: Path):
    """A grader's input: JSON as it is, {"array": file} as a fresh NumPy array."""
    if isinstance(encoded, dict) and set(encoded) == {"array"}:
        return np.load(folder / encoded["array"], allow_pickle=False)
    if isinstance(encoded, dict) and set(encoded) == {"tuple"}:
        return tuple(_decode(e, folder) for e in encoded["tuple"])
    if isinstance(encoded, list):
        return [_decode(e, folder) for e in encoded]
    return encoded


def _plain(value, folder: Path, stem: str):
    """`value` as JSON the checker can read without running code; arrays and models go to
    files beside it. Subclasses are written as their base type's value."""
    keras = sys.modules.get("keras")
    if keras is not None and isinstance(value, keras.Model):
        value.save(folder / f"{stem}.keras")
        return {"model": f"{stem}.keras"}
    pandas = sys.modules.get("pandas")
    if pandas is not None and isinstance(value, pandas.DataFrame):
        return {"table": {"columns": [str(c) for c in value.columns],
                          "data": [_plain(value[c].tolist(), folder, f"{stem}.{i}")
                                   for i, c in enumerate(value.columns)]}}
    if value is None or isinstance(value, (bool, np.bool_)):
        return {"none": True} if value is None else {"bool": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"int": int.__index__(int(value))}
    if isinstance(value, (float, np.floating)):
        return {"float": float.__float__(float(value))}
    if isinstance(value, str):
        return {"str": str.__str__(value)}
    if isinstance(value, (list, tuple)):
        kind = "tuple" if isinstance(value, tuple) else "list"
        return {kind: [_plain(v, folder, f"{stem}.{i}") for i, v in enumerate(value)]}
    if isinstance(value, dict):
        return {"dict": [[_plain(k, folder, f"{stem}.k{i}"), _plain(v, folder, f"{stem}.v{i}")]
                         for i, (k, v) in enumerate(value.items())]}
    try:
        array = np.asarray(value)
    except Exception:  # noqa: BLE001 - something that is not array-like
        array = None
    if array is not None and array.dtype.kind in _ARRAY_KINDS:
        np.save(folder / f"{stem}.npy", np.ascontiguousarray(array), allow_pickle=False)
        return {"array": f"{stem}.npy", "type": type(value).__name__}
    return {"unsupported": type(value).__name__}


def _fit_record(namespace: dict, model_name: str):
    """What the set-up cell noted of the `model.fit` calls that trained `model_name`:
    [(the first 20,000 images given to fit, as float32, epochs run), ...] (exercise 2)."""
    model = namespace[model_name]
    fit = namespace["keras"].Model.fit
    return [(_images_of(x), int(epochs)) for m, x, epochs in getattr(fit, "calls", ())
            if m is model]


def _images_of(x, cap: int = 20_000):
    """The first `cap` images given to fit, as one array (a tf.data.Dataset too)."""
    if hasattr(x, "as_numpy_iterator"):
        batches, total = [], 0
        for batch in x.as_numpy_iterator():
            batches.append(np.asarray(batch[0] if isinstance(batch, tuple) else batch))
            total += len(batches[-1])
            if total > cap:
                break
        x = np.concatenate(batches)
    return np.asarray(x[:cap], dtype=np.float32)


_LIBRARIES = {"keras", "tensorflow", "tf_keras", "jax", "jaxlib", "torch", "pandas",
              "sklearn", "scipy"}


def _libraries_used(namespace: dict, function: str, *args, **kwargs):
    """(function(*args, **kwargs), the libraries other than NumPy whose code it ran): for a
    task that says "with NumPy only" (exercise 1)."""
    seen = set()

    def watch(frame, event, arg):
        if event == "call":
            seen.add(str(frame.f_globals.get("__name__", "")).split(".")[0])
        elif event == "c_call":
            seen.add(str(getattr(arg, "__module__", None) or "").split(".")[0])

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        result = namespace[function](*args, **kwargs)
    finally:
        sys.setprofile(previous)
    return result, sorted(seen & _LIBRARIES)


def _with_types(namespace: dict, function: str, *args, **kwargs):
    """(function(*args, **kwargs), the type names of its items): a Python int and a NumPy
    integer are written alike, so a task that asks for Python ints or floats needs these
    (exercise 6). Items are named for a tuple, a list or a short 1-D array, else None."""
    result = namespace[function](*args, **kwargs)
    items = None
    if isinstance(result, (tuple, list)) or (
            isinstance(result, np.ndarray) and result.ndim == 1 and result.size <= 100):
        items = [type(item).__name__ for item in result][:100]
    return result, items


def _on_model(namespace: dict, function: str, model, weights=(), each=None):
    """`function` applied to a Keras model (exercise 4): the notebook's global named
    `model`, or a CNN on (28, 28, 1) images built from the grader's plain description of
    its layers, ["conv", filters, size, padding], ["pool", padding], ["dropout", rate],
    ["flatten"] or ["dense", units, activation], with `weights` in the order
    model.get_weights() lists them. Returns function(model), or one
    function(model, x) for each x in `each`, as a list."""
    for name in (function, model) if isinstance(model, str) else (function,):
        if name not in namespace:
            raise NameError(f"name '{name}' is not defined")
    model = namespace[model] if isinstance(model, str) else _cnn(model, weights)
    if each is None:
        return namespace[function](model)
    return [namespace[function](model, np.array(x)) for x in each]


def _cnn(layers: list, weights: list):
    import keras

    make = {"conv": lambda f, k, p: keras.layers.Conv2D(f, k, activation="relu", padding=p),
            "pool": lambda p: keras.layers.MaxPooling2D(2, padding=p),
            "dropout": keras.layers.Dropout, "flatten": keras.layers.Flatten,
            "dense": lambda u, a: keras.layers.Dense(u, activation=a)}
    model = keras.Sequential([keras.Input((28, 28, 1))]
                             + [make[kind](*options) for kind, *options in layers])
    model.set_weights(list(weights))
    return model


def _notebook_function(namespace: dict, name: str):
    if name not in namespace:
        raise NameError(f"name '{name}' is not defined")
    return namespace[name]


def _task_statistics(images):
    """pixel_statistics as exercise 7's task 1 asks for it."""
    images = np.asarray(images, dtype=np.float64)
    return images.mean(axis=0), images.std(axis=0) + 1e-7


def _prepare_with_statistics(namespace: dict, train_images, other_images):
    """prepare(train_images, other_images) with the task's pixel_statistics in place of
    the notebook's, so that a mistake there is graded in its own task (exercise 7)."""
    prepare, missing = _notebook_function(namespace, "prepare"), object()
    yours = namespace.get("pixel_statistics", missing)
    namespace["pixel_statistics"] = _task_statistics
    try:
        return prepare(train_images, other_images)
    finally:
        if yours is missing:
            namespace.pop("pixel_statistics", None)
        else:
            namespace["pixel_statistics"] = yours


def _train_rules(namespace: dict, images, labels, cap: int = 2_000):
    """train(a tiny model, images, labels), the tiny model's fit recording what it was
    given (exercise 7): {"fits": [(the first `cap` images given to fit, how many were
    given) or None where they were no array, ...], "epochs": epochs run in all,
    "returned": the type of what train returned, "same model": whether it is the model
    it was given}."""
    import inspect

    import keras

    train = _notebook_function(namespace, "train")
    tiny = keras.Sequential([keras.Input((28, 28, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(10, activation="softmax")])
    fits, epochs = [], []

    class Counter(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            epochs.append(epoch)

    real_fit = tiny.fit

    def recording_fit(*args, **kwargs):
        arguments = inspect.signature(real_fit).bind(*args, **kwargs).arguments
        x = arguments.get("x")
        try:
            if hasattr(x, "as_numpy_iterator"):
                rows = _images_of(x, cap)
            else:
                rows = np.asarray(x)
            fits.append((np.asarray(rows[:cap], dtype=np.float64), len(rows)))
        except Exception:  # noqa: BLE001 - not an array: the grader says so
            fits.append(None)
        arguments["callbacks"] = [*(arguments.get("callbacks") or []), Counter()]
        return real_fit(**arguments)

    tiny.fit = recording_fit
    returned = train(tiny, images, labels)
    return {"fits": fits, "epochs": len(epochs), "returned": type(returned).__name__,
            "same model": returned is tiny}


def _trained_model(namespace: dict):
    """The notebook's `model`, or, where task 2 went unanswered (no x_small_ready, so the
    locked cell could not train it), build_regularized_cnn() trained by train on the
    notebook's 3,000 training images standardized as task 2 asks (exercise 7)."""
    import keras

    model = namespace.get("model")
    if isinstance(model, keras.Model) or "x_small_ready" in namespace:
        return _notebook_function(namespace, "model")
    from helpers import load_data

    (images, labels), _ = load_data(download=False)
    images = images[:3_000].astype(np.float64)
    mean, std = _task_statistics(images)
    ready = ((images - mean) / std)[..., np.newaxis].astype(np.float32)
    return _notebook_function(namespace, "train")(
        _notebook_function(namespace, "build_regularized_cnn")(), ready, labels[:3_000].copy())


def _portable_model(namespace: dict, function: str, x, *args, **kwargs):
    """(function(*args, **kwargs), {layer name: its activation's values on x}) for a task
    that builds a Keras model (exercise 3). An activation written as a function of the
    student's own (a lambda, a def, NumPy's) cannot be loaded without running its code, so
    the model comes as a copy of its structure (new weights) with "linear" in its place,
    and the dict holds what it did to `x`; a model without one comes as it is."""
    import keras

    model = _notebook_function(namespace, function)(*args, **kwargs)
    if not isinstance(model, keras.Model):
        return model, {}
    layers, found = [], [model]
    while found:
        layer = found.pop()
        layers += [layer] if layer is not model else []
        found += list(getattr(layer, "layers", []))
    own = {}
    for layer in layers:
        activation = getattr(layer, "activation", None)
        try:
            plain = isinstance(keras.activations.serialize(activation), str)
        except Exception:  # noqa: BLE001 - not even serializable: the student's own
            plain = False
        if activation is not None and not plain:
            own[layer] = activation
    if not own:
        return model, {}
    values = {layer.name: np.asarray(activation(np.asarray(x, np.float32)))
              for layer, activation in own.items()}
    try:
        for layer in own:
            layer.activation = keras.activations.linear
        config = model.get_config()
    finally:
        for layer, activation in own.items():
            layer.activation = activation
    return type(model).from_config(config), values


def _callback_stops(namespace: dict, name: str, threshold, epochs_logs: list):
    """name(threshold), a Keras callback class, on a stand-in model, its on_epoch_end
    called with each of `epochs_logs` in turn (exercise 5): the model's stop_training after
    each epoch, a bool where it is one, else its type and value as text. An error the
    callback raises is the answer."""
    model = type("StandInModel", (), {"stop_training": False})()
    callback = _notebook_function(namespace, name)(threshold)
    callback.set_model(model)
    flags = []
    for epoch, logs in enumerate(epochs_logs):
        callback.on_epoch_end(epoch, logs)
        flag = model.stop_training
        flags.append(bool(flag) if isinstance(flag, (bool, np.bool_))
                     else f"{type(flag).__name__} {flag!r}"[:100])
    return flags


def _callback_fit(namespace: dict, name: str, threshold, x, y, epochs: int):
    """A tiny real fit of `epochs` epochs on (x, y) with callbacks=[name(threshold)]
    (exercise 5): the number of epochs it ran."""
    import keras

    callback = _notebook_function(namespace, name)(threshold)
    model = keras.Sequential([keras.Input((x.shape[1],)),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=epochs, batch_size=64, verbose=0, callbacks=[callback])
    return len(history.epoch)


def _table_call(namespace: dict, function: str, columns: dict, index: list, *args):
    """function(a pandas DataFrame of `columns` ({name: values}) with the row labels
    `index`, *args) for a task that takes a table (exercise 5)."""
    import pandas

    table = pandas.DataFrame(columns, index=index)
    return _notebook_function(namespace, function)(table, *args)


def _sweep_runs(namespace: dict, configs: list, n_train: int):
    """The runs of the sweep of `configs` (RunConfig options) on the first `n_train`
    training images, scaled, each trained or loaded from the cache exactly as run_sweep
    does it (exercise 5): [(the trained model, its seconds per epoch), ...]. The grader
    evaluates the models itself."""
    import helpers
    from helpers.cache import train_or_load
    from helpers.experiments import RunConfig

    (images, labels), _ = helpers.load_data()
    x, y = helpers.scale_images(images[:n_train])[..., np.newaxis], labels[:n_train]
    runs = []
    for options in configs:
        config = RunConfig(**options)
        model = config.build()
        history, _ = train_or_load(  # the name and label as run_sweep gives them
            model, x, y, epochs=config.epochs, batch_size=config.batch_size, verbose=0,
            name=f"sweep-{config.conv_layers}x{config.filters}", label=config.label)
        runs.append((model, [float(s) for s in history["epoch_seconds"]]))
    return runs


def _code_run(namespace: dict, cap: int = 1_000_000):
    """The code of the cells the kernel ran, in order (IPython's input history), up to
    `cap` characters in all: for a task that says not to type a value in (exercise 5)."""
    history = namespace.get("_ih", namespace.get("In"))
    if not isinstance(history, list):
        raise TypeError("the kernel has no input history")
    cells, total = [], 0
    for source in history:
        if isinstance(source, str) and source and total < cap:
            cells.append(source[:cap - total])
            total += len(cells[-1])
    return cells


# Questions that need more than a call: named routines the grader can ask for.
DRIVERS = {"fit_record": _fit_record, "libraries_used": _libraries_used, "on_model": _on_model,
           "with_types": _with_types, "prepare_with_statistics": _prepare_with_statistics,
           "train_rules": _train_rules, "trained_model": _trained_model,
           "portable_model": _portable_model,
           "callback_stops": _callback_stops, "callback_fit": _callback_fit,
           "table_call": _table_call, "sweep_runs": _sweep_runs, "code_run": _code_run}
