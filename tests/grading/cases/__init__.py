"""Each exercise's simulated students, one module per exercise (named as its folder in
solutions/), all in one format: `STUDENTS` maps a name to a `Student`.

A case module declares:
- `STUDENTS`: name -> Student; "solution" (full marks) and "blank" (0) are always graded too;
- `MAX_SCORE`: the points the exercise's code tests are worth;
- `CELL_TIMEOUT`: seconds a cell may run when graded;
- `MINUTES`: about how long grading them all takes here (the slowest tests start first);
- `FEEDBACK`: also check that no feedback page shows a line of the exercise's checks.

`tests/grading/test_exercise_cases.py` grades every student of an exercise in one
nbgrader run and checks every score and message the case names.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType


@dataclass(frozen=True)
class Student:
    """Answer cells typed over the reference's answers (or, with ``over="handout"``, over
    the notebook as handed out), and what grading must give them.

    ``scores``: graded cell -> its score wherever it is not full marks.
    ``messages``: graded cell -> words its failure message must contain (so the check
    that fires is shown to be the right one).
    ``edit``: any cell's source replaced (a student who empties a test cell);
    ``delete``: cells the student deleted.
    """

    answers: dict[str, str] = field(default_factory=dict)
    scores: dict[str, float] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)
    edit: dict[str, str] = field(default_factory=dict)
    delete: tuple[str, ...] = ()
    over: str = "reference"

    def __post_init__(self):
        if self.over not in ("reference", "handout"):
            raise ValueError(f"over must be 'reference' or 'handout', not {self.over!r}")


def load(assignment: str) -> ModuleType:
    """The case module of an exercise (ModuleNotFoundError when it has none)."""
    return importlib.import_module(f"{__name__}.{assignment}")
