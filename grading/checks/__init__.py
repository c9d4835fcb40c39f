"""The tests of each exercise, one module per assignment (named like its notebook).

Each module's `TESTS` maps every graded test cell of its notebook to a `Test`: the
questions the cell asks the student's kernel (`questions(rng)`, inputs drawn from the
student's seed) and the check of the answers (`check(questions, answers)`, which
raises AssertionError with a message for the student, or returns one on success).
They run in the checker only (grading/checker.py); the student's kernel sees the
questions, never the checks or an expected value.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Callable, NamedTuple

FOLDER = Path(__file__).resolve().parent  # the course's exercises; a course may name another


class Test(NamedTuple):
    questions: Callable
    check: Callable


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
