"""The questions a test cell asks the student's kernel, as plain data.

A question names something in the notebook (a function to call, a variable to hand
over, or one of `helpers.handover.DRIVERS`) and the grader's inputs for it. Inputs are
drawn from a seed the student cannot know (`seed`: the course's secret, the student,
the assignment, the cell), so no answer can be prepared for them in advance; the same
student gets the same questions on every route and every run.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

SECRET_FILE = ".grading_secret"  # in the course root, never inside a student's sandbox


@dataclass
class Question:
    """`kind` is "call" (target(*args, **kwargs)), "value" (the global `target`) or
    "drive" (helpers.handover.DRIVERS[target](globals, *args, **kwargs)). With
    `keep_args`, the arguments are handed back after the call too (was one changed?)."""

    kind: str
    target: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    keep_args: bool = False


def call(function: str, *args, keep_args: bool = False, **kwargs) -> Question:
    return Question("call", function, args, kwargs, keep_args)


def value(name: str) -> Question:
    return Question("value", name)


def drive(routine: str, *args, **kwargs) -> Question:
    return Question("drive", routine, args, kwargs)


def course_secret(root: Path) -> str:
    """The course's grading secret, made on first use (the instructor's, never shared)."""
    path = Path(root) / SECRET_FILE
    if not path.exists():
        try:
            with open(path, "x") as file:
                file.write(secrets.token_hex(32))
            path.chmod(0o600)
        except FileExistsError:  # another process made it first
            pass
    return path.read_text().strip()


def seed(secret: str, assignment: str, student: str) -> str:
    """One student's seed for one assignment (a hex string)."""
    return hashlib.sha256(f"{secret}\0{assignment}\0{student}".encode()).hexdigest()


def rng_for(student_seed: str, cell: str) -> np.random.Generator:
    """The random inputs of one test cell for one student."""
    digest = hashlib.sha256(f"{student_seed}\0{cell}".encode()).digest()
    return np.random.default_rng(int.from_bytes(digest[:16], "big"))


def write(questions: dict[str, Question], folder: Path, cell: str) -> None:
    """`questions` (name -> Question) as `<folder>/<cell>.json` with arrays beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    encoded = []
    for name, question in questions.items():
        counter = iter(range(10_000))

        def encode(item):
            if isinstance(item, np.ndarray):
                file = f"{cell}.{name}.{next(counter)}.npy"
                np.save(folder / file, item, allow_pickle=False)
                return {"array": file}
            if isinstance(item, tuple):
                return {"tuple": [encode(i) for i in item]}
            if isinstance(item, list):
                return [encode(i) for i in item]
            if isinstance(item, np.generic):
                return item.item()
            return item

        encoded.append({"name": name, "kind": question.kind, "target": question.target,
                        "args": [encode(a) for a in question.args],
                        "kwargs": {k: encode(v) for k, v in question.kwargs.items()},
                        "keep_args": question.keep_args})
    (folder / f"{cell}.json").write_text(json.dumps(encoded))
