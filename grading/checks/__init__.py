"""The tests of each exercise, one module per assignment (named like its notebook).

Each module's `TESTS` maps every graded test cell of its notebook to a `Test`: the
questions the cell asks the student's kernel (`questions(rng)`, inputs drawn from the
student's seed) and the check of the answers (`check(questions, answers)`, which
raises AssertionError with a message for the student, or returns one on success).
They run in the checker only (grading/checker.py); the student's kernel sees the
questions, never the checks or an expected value.
"""

from __future__ import annotations

import importlib
from typing import Callable, NamedTuple


class Test(NamedTuple):
    questions: Callable
    check: Callable


class UnknownExercise(LookupError):
    """No tests for a notebook: the grader cannot score it."""


def tests_for(notebook: str) -> dict[str, Test]:
    """The TESTS of the exercise whose notebook is `notebook` (its name, no .ipynb)."""
    try:
        module = importlib.import_module(f"grading.checks.{notebook}")
    except ModuleNotFoundError as error:
        if error.name != f"grading.checks.{notebook}":
            raise
        raise UnknownExercise(
            f"no tests for the notebook {notebook!r}: add grading/checks/{notebook}.py "
            "(see grading/checks/__init__.py)") from None
    return module.TESTS
