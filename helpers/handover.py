"""What a student's notebook hands to the grader: answers as plain data.

When an exercise is autograded, the grader asks the student's kernel questions before
each test cell ("call `to_model_input` on these images", "give me `model`") and this
module answers them: it runs the student's code on the grader's inputs and writes what
comes back as plain data, NumPy arrays (``.npy``, no pickle), JSON numbers and strings,
and Keras models (``.keras``). A separate checker process, which never runs student
code, loads that data and decides the score (``grading/checker.py``).

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
    [(images given to fit as a float64 array, epochs run), ...] (exercise 2)."""
    model = namespace[model_name]
    fit = namespace["keras"].Model.fit
    return [(_images_of(x), int(epochs)) for m, x, epochs in getattr(fit, "calls", ())
            if m is model]


def _images_of(x, cap: int = 20_000):
    """The images given to fit as one array (a tf.data.Dataset is read up to `cap`)."""
    if hasattr(x, "as_numpy_iterator"):
        batches, total = [], 0
        for batch in x.as_numpy_iterator():
            batches.append(np.asarray(batch[0] if isinstance(batch, tuple) else batch))
            total += len(batches[-1])
            if total > cap:
                break
        x = np.concatenate(batches)
    return np.asarray(x, dtype=np.float64)


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


# Questions that need more than a call: named routines the grader can ask for.
DRIVERS = {"fit_record": _fit_record, "libraries_used": _libraries_used}
