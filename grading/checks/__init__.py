"""The tests of each exercise, one module per assignment (named like its notebook).

Each module's `TESTS` maps every graded test cell of its notebook to a `Test`: the
questions the cell asks the student's kernel (`questions(rng)`, inputs drawn from the
student's seed) and the check of the answers (`check(questions, answers)`, which
raises AssertionError with a message for the student, or returns one on success).
They run in the checker only (grading/checker/); the student's kernel sees the
questions, never the checks or an expected value.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

FOLDER = Path(__file__).resolve().parent  # the course's exercises; a course may name another


class Test(NamedTuple):
    questions: Callable
    check: Callable


def predict(model, images, failure: str):
    """`model`'s scores for `images` as an array; a model that cannot run on them fails
    the check with `failure` and the error (any error is the student's model's)."""
    import numpy as np

    try:
        return np.asarray(model.predict(images, verbose=0))
    except Exception as error:  # noqa: BLE001
        raise AssertionError(f"{failure}: {type(error).__name__}: {str(error)[:200]}"
                             ) from None


class UnknownExercise(LookupError):
    """No tests for a notebook: the grader cannot score it."""


def tests_for(notebook: str, folder: Path = FOLDER) -> dict[str, Test]:
    """The TESTS of the exercise whose notebook is `notebook` (its name, no .ipynb), from
    `<folder>/<notebook>.py`."""
    path = Path(folder) / f"{notebook}.py"
    if not path.is_file():
        raise UnknownExercise(
            f"no tests for the notebook {notebook!r}: add {path} (see "
            "grading/checks/__init__.py)")
    spec = importlib.util.spec_from_file_location(f"course_checks_{notebook}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.TESTS
