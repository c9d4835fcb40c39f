"""Reading what a student's kernel handed over, with safe loaders only.

Runs in the checker (grading/checker/), never in the student's process. Arrays load
with ``allow_pickle=False``, models with Keras's ``safe_mode`` (built-in layers only, no
lambdas), everything else is JSON. A missing or malformed answer is the student's
failure, reported as an AssertionError that says which question it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


class Raised:
    """The student's code raised `message` (e.g. "TypeError: ...") when asked."""

    def __init__(self, message: str):
        self.message = message


class Answers:
    """The answers of one test cell: `answers["name"]` is the decoded value, or an
    AssertionError saying why there is none (the function raised, the cell never ran)."""

    def __init__(self, folder: Path, what: dict[str, str] | None = None):
        self.folder = Path(folder)
        self.what = what or {}  # name -> how to name the question in a message

    def _record(self, name: str) -> dict:
        path = self.folder / f"{name}.json"
        if path.is_symlink() or not path.is_file() or path.stat().st_size > 50_000_000:
            raise AssertionError(
                f"{self.what.get(name, name)}: no answer reached the grader (the notebook "
                "stopped, or its kernel died, before this test cell)")
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError, UnicodeDecodeError):
            raise AssertionError(f"{self.what.get(name, name)}: the answer is unreadable"
                                 ) from None

    def raw(self, name: str):
        """The value, or a `Raised` when the student's code raised."""
        record = self._record(name)
        if "raised" in record:
            return Raised(str(record["raised"]))
        return self._decode(record.get("value"), name)

    def __getitem__(self, name: str):
        result = self.raw(name)
        if isinstance(result, Raised):
            raise AssertionError(f"{self.what.get(name, name)} failed: {result.message}")
        return result

    def type_name(self, name: str) -> str:
        """The Python type the student's value had ("ndarray", "list", "int"...)."""
        value = self._record(name).get("value") or {}
        if "type" in value:
            return str(value["type"])
        kind = next(iter(value), "")
        return {"none": "NoneType", "array": "ndarray", "table": "DataFrame"}.get(kind, kind)

    def args_after(self, name: str) -> list:
        """The call's arguments as they were after it (see Question.keep_args)."""
        return [self._decode(a, name) for a in self._record(name).get("args_after", [])]

    def _decode(self, item, name: str):
        what = self.what.get(name, name)
        if not isinstance(item, dict) or len(item) not in (1, 2):
            raise AssertionError(f"{what}: the answer is malformed")
        (kind, content), *_ = item.items()
        if kind == "none":
            return None
        if kind in ("bool", "int", "float", "str"):
            expected = {"bool": bool, "int": int, "float": (int, float), "str": str}[kind]
            if type(content) not in ((expected,) if not isinstance(expected, tuple)
                                     else expected):
                raise AssertionError(f"{what}: the answer is malformed")
            return float(content) if kind == "float" else content
        if kind in ("list", "tuple"):
            items = [self._decode(i, name) for i in content]
            return tuple(items) if kind == "tuple" else items
        if kind == "dict":
            return {self._decode(k, name): self._decode(v, name) for k, v in content}
        if kind == "array":
            return self._array(content, what)
        if kind == "model":
            return self._model(content, what)
        if kind == "table":
            return Table(content["columns"], [self._decode(c, name) for c in content["data"]])
        if kind == "unsupported":
            raise AssertionError(f"{what}: got a {content}, which the grader cannot read; "
                                 "return the kind of value the task asks for")
        raise AssertionError(f"{what}: the answer is malformed")

    def _file(self, name) -> Path:
        path = (self.folder / str(name)).resolve()
        if (self.folder / str(name)).is_symlink() or path.parent != self.folder.resolve() \
                or not path.is_file():
            raise AssertionError("an answer file is missing")
        return path

    def _array(self, file, what: str) -> np.ndarray:
        try:
            array = np.load(self._file(file), allow_pickle=False)
        except (OSError, ValueError) as error:
            raise AssertionError(f"{what}: the array could not be read ({error})") from None
        return array

    def _model(self, file, what: str):
        import keras

        try:
            return keras.saving.load_model(self._file(file), safe_mode=True, compile=False)
        except AssertionError:
            raise
        except Exception as error:  # noqa: BLE001 - any unloadable model is a failure
            raise AssertionError(
                f"{what}: the model could not be loaded safely ({type(error).__name__}: "
                f"{str(error)[:200]}); build it from Keras's own layers, without Lambda "
                "layers or custom classes") from None


class Table:
    """A pandas DataFrame as handed over: column names and one list per column."""

    def __init__(self, columns: list[str], data: list[list]):
        self.columns = list(columns)
        self.data = dict(zip(columns, data))

    def __len__(self) -> int:
        return len(next(iter(self.data.values()), []))

    def column(self, name: str) -> list:
        if name not in self.data:
            raise AssertionError(f"the table has no column {name!r}")
        return list(self.data[name])
