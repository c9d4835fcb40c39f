"""A class of 50 simulated students of the toy assignment, through nbgrader's exchange:
release, fetch, answer, submit (some of them badly), collect. Graded by the instructor's
workflow test (tests/grading/test_instructor.py) and, through a Dask cluster, by
tests/grading/test_cluster.py."""

from __future__ import annotations

from pathlib import Path

import nbformat
import toy_assignment as toy
from exercise_tools import generate_assignment
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import (
    ExchangeCollect,
    ExchangeFetchAssignment,
    ExchangeReleaseAssignment,
    ExchangeSubmit,
)
from traitlets.config import Config

CLASS_SIZE = 50


def _exchange(kind, course: Path, exchange: Path, student: str | None = None,
              home: Path | None = None):
    """An nbgrader exchange action, in-process (50 students x 2 CLI starts would take
    minutes), configured as the course's nbgrader_config.py plus a private exchange."""
    config = Config()
    config.CourseDirectory.root = str(course)
    config.CourseDirectory.course_id = "fashion-mnist"
    config.CourseDirectory.source_directory = "solutions"
    config.CourseDirectory.release_directory = "exercises"
    config.CourseDirectory.assignment_id = toy.NAME
    config.Exchange.root = str(exchange)
    config.ExchangeCollect.check_owner = False  # every simulated student is this user
    if student:
        config.CourseDirectory.student_id = student
    if home:
        config.Exchange.assignment_dir = str(home)
    action = kind(coursedir=CourseDirectory(config=config),
                  authenticator=Authenticator(config=config), config=config)
    action.start()


def _write(nb, path: Path) -> None:
    nbformat.write(nb, path)


# How each awkward student hands in (folder holds the fetched notebook, answered "right").
def _missing_notebook(folder):
    (folder / f"{toy.NAME}.ipynb").unlink()
    (folder / "notes.txt").write_text("I could not finish.")


def _not_json(folder):
    (folder / f"{toy.NAME}.ipynb").write_text('{"cells": [ this is not json')


def _extra_notebook(folder):
    _write(nbformat.read(folder / f"{toy.NAME}.ipynb", as_version=4), folder / "scratch.ipynb")


def _renamed(folder):
    (folder / f"{toy.NAME}.ipynb").rename(folder / f"{toy.NAME}-Copy1.ipynb")


def _edit(change):
    """A submission step that rewrites the notebook with `change(nb)`."""
    def step(folder):
        path = folder / f"{toy.NAME}.ipynb"
        nb = nbformat.read(path, as_version=4)
        change(nb)
        _write(nb, path)
    return step


def _cells(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _append(grade_id, code):
    return _edit(lambda nb: _cells(nb, grade_id).__setitem__(
        "source", _cells(nb, grade_id).source + "\n" + code))


def _delete_test(nb):
    nb.cells.remove(_cells(nb, "test_square_values"))


def _reorder(nb):  # the count_words task moved above the square task
    first = [_cells(nb, "count_words"), _cells(nb, "test_count_words")]
    nb.cells = [c for c in nb.cells if c not in first]
    nb.cells[1:1] = first


LOOK_FOR_SECRETS = (
    "import glob, os\n"
    "near = ['../../../solutions', '../../../gradebook.db', '../../../../solutions',\n"
    "        '../../../../gradebook.db', '../../../../../solutions']\n"
    "print('FOUND', [p for p in near if os.path.exists(p)], sorted(glob.glob('../../*')))")

# student -> (answers, extra step, expected status, expected score, note that must appear)
AWKWARD = {
    "missing_notebook": (toy.RIGHT, _missing_notebook, "FAILED", 0, "no notebook"),
    "not_json": (toy.RIGHT, _not_json, "FAILED", 0, "not valid JSON"),
    "extra_notebook": (toy.RIGHT, _extra_notebook, "ok", 5, "ignored extra notebook scratch"),
    "renamed_notebook": (toy.RIGHT, _renamed, "ok", 5, "graded toy-Copy1.ipynb as toy.ipynb"),
    "deletes_test": (toy.WRONG_SIGN, _edit(_delete_test), "ok", 3, ""),
    "edits_test": (toy.WRONG_SIGN, _edit(lambda nb: _cells(nb, "test_square_values")
                                         .__setitem__("source", "pass")), "ok", 3, ""),
    "reorders_cells": (toy.RIGHT, _edit(_reorder), "ok", 5, ""),
    "loops_forever": ({**toy.RIGHT, "square": "def square(x):\n    while True:\n        pass"},
                      None, "ok", 2, "test_square_format stopped by the time limit"),
    "prints_megabytes": (toy.RIGHT, _append("count_words", "print('x' * 5_000_000)\n"
                                            "for i in range(50_000):\n    print(i)"),
                         "ok", 5, ""),
    "calls_sys_exit": (toy.RIGHT, _append("count_words", "import sys\nsys.exit(1)"), "ok", 5, ""),
    "kills_kernel": (toy.RIGHT, _append("count_words", "import os\nos._exit(1)"),
                     "FAILED", 0, "killed its kernel"),
    "reads_secrets": (toy.RIGHT, _append("square", LOOK_FOR_SECRETS), "ok", 5, ""),
}


def class_list():
    """student -> (answers, extra step, status, score, note): the awkward ones and enough
    ordinary students, cycling through the answer variants, to make CLASS_SIZE."""
    students = dict(AWKWARD)
    variants = list(toy.VARIANTS.items())
    for i in range(CLASS_SIZE - len(AWKWARD)):
        kind, (answers, score) = variants[i % len(variants)]
        students[f"s{i:02d}_{kind}"] = (answers, None, "ok", score, "")
    return students


def exchange_class(tmp_path: Path) -> tuple[Path, dict]:
    """A course whose CLASS_SIZE students went through the exchange (release, fetch,
    answer, submit, collect), not graded yet; and the class list (see `class_list`)."""
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    (course / "solutions" / toy.NAME).mkdir(parents=True)
    exchange.mkdir(mode=0o777)
    (course / "nbgrader_config.py").write_text(toy.config_text())
    _write(toy.source_notebook(), course / "solutions" / toy.NAME / f"{toy.NAME}.ipynb")
    generate_assignment(course, toy.NAME)
    _exchange(ExchangeReleaseAssignment, course, exchange)

    students = class_list()
    for student, (answers, step, *_expected) in students.items():
        home = tmp_path / "home" / student
        home.mkdir(parents=True)
        _exchange(ExchangeFetchAssignment, course, exchange, student, home)
        path = home / toy.NAME / f"{toy.NAME}.ipynb"
        _write(toy.answer(nbformat.read(path, as_version=4), answers), path)
        if step:
            step(path.parent)
        _exchange(ExchangeSubmit, course, exchange, student, home)
    _exchange(ExchangeCollect, course, exchange)
    assert len(list((course / "submitted").iterdir())) == CLASS_SIZE, "not everyone collected"
    return course, students
