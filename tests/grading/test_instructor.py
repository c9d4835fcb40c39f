"""The instructor's workflow end to end, on a class of 50 through nbgrader's exchange.

Release -> 50 simulated students fetch, answer and submit (some of them badly) -> collect
-> `python -m grading grade` (parallel autograde, feedback, CSV export) -> every student in
the CSV with the right score and a clear status; no hidden test in any feedback page;
manual grades survive a re-run. One class is graded once and checked in subtests, since
grading it is the expensive part.
"""

from __future__ import annotations

import copy
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.auth import Authenticator
from nbgrader.coursedir import CourseDirectory
from nbgrader.exchange.default import (ExchangeCollect, ExchangeFetchAssignment,
                                       ExchangeReleaseAssignment, ExchangeSubmit)
from traitlets.config import Config

import toy_assignment as toy
from repo import ROOT
from exercise_tools import generate_assignment
from grading.feedback import HIDDEN_NOTE, leaks, page_text, split_hidden
from grading.worker import cell_timeout_left

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


def _class_list():
    """student -> (answers, extra step, status, score, note): the awkward ones and enough
    ordinary students, cycling through the answer variants, to make CLASS_SIZE."""
    students = dict(AWKWARD)
    variants = list(toy.VARIANTS.items())
    for i in range(CLASS_SIZE - len(AWKWARD)):
        kind, (answers, score) = variants[i % len(variants)]
        students[f"s{i:02d}_{kind}"] = (answers, None, "ok", score, "")
    return students


def _grade(course: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "grading", *args], cwd=course,
                            capture_output=True, text=True, timeout=540)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def exchange_class(tmp_path: Path) -> tuple[Path, dict]:
    """A course whose CLASS_SIZE students went through the exchange (release, fetch,
    answer, submit, collect), not graded yet; and the class list (see `_class_list`)."""
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    (course / "solutions" / toy.NAME).mkdir(parents=True)
    exchange.mkdir(mode=0o777)
    (course / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    _write(toy.source_notebook(), course / "solutions" / toy.NAME / f"{toy.NAME}.ipynb")
    generate_assignment(course, toy.NAME)
    _exchange(ExchangeReleaseAssignment, course, exchange)

    students = _class_list()
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


def test_a_class_of_50_through_the_exchange(tmp_path, subtests):
    course, students = exchange_class(tmp_path)
    output = _grade(course, "grade", toy.NAME, "--jobs", "2", "--cell-timeout", "2")
    with open(course / "grades" / "grades.csv") as f:
        exported = {row["student_id"]: row for row in csv.DictReader(f)}
    with open(course / "grades" / f"{toy.NAME}-autograde.csv") as f:
        status = {row["student"]: row for row in csv.DictReader(f)}

    with subtests.test("progress and summary"):
        assert f"[{CLASS_SIZE}/{CLASS_SIZE}]" in output
        assert f"{CLASS_SIZE} graded in" in output and "3 failed" in output

    with subtests.test("every student exported once, with the right score"):
        assert sorted(exported) == sorted(students)
        wrong = {s: (exported[s]["score"], expected[3]) for s, expected in students.items()
                 if float(exported[s]["score"]) != expected[3]}
        assert wrong == {}
        assert {float(row["max_score"]) for row in exported.values()} == {toy.MAX_AUTO + 1}

    for student, (_answers, _step, expected_status, _score, note) in AWKWARD.items():
        with subtests.test(student):
            assert status[student]["status"] == expected_status, status[student]
            assert note in status[student]["notes"], status[student]

    with subtests.test("prints_megabytes: the graded notebook stays small"):
        graded = course / "autograded" / "prints_megabytes" / toy.NAME / f"{toy.NAME}.ipynb"
        assert graded.stat().st_size < 200_000
        assert "output truncated" in graded.read_text()

    with subtests.test("reads_secrets: no solutions, gradebook or classmates in reach"):
        graded = course / "autograded" / "reads_secrets" / toy.NAME / f"{toy.NAME}.ipynb"
        printed = "".join(o.get("text", "") for c in nbformat.read(graded, as_version=4).cells
                          for o in c.get("outputs", []))
        assert "FOUND [] ['../../reads_secrets']" in printed, printed

    with subtests.test("feedback shows no hidden test line, for every student graded"):
        pages = {p.parents[1].name: p for p in (course / "feedback").glob(f"*/{toy.NAME}/*.html")}
        graded_ok = {s for s, row in status.items() if row["status"] == "ok"}
        assert set(pages) == graded_ok
        for student, page in pages.items():
            assert leaks(page, toy.HIDDEN) == [], student
        wrong_sign = page_text(pages["deletes_test"])
        assert HIDDEN_NOTE in wrong_sign  # where the tests were, and why they failed:
        assert "AssertionError: the square of a negative number is positive" in wrong_sign

    with subtests.test("re-running autograde keeps manual grades and comments"):
        db = f"sqlite:///{course / 'gradebook.db'}"
        regraded = ["s00_right", "s01_wrong_sign"]
        with Gradebook(db) as gradebook:
            for student in regraded:
                grade = gradebook.find_grade("why", toy.NAME, toy.NAME, student)
                grade.manual_score = 1
                grade.needs_manual_grade = False
                comment = gradebook.find_comment("why", toy.NAME, toy.NAME, student)
                comment.manual_comment = f"well argued, {student}"
            gradebook.db.commit()
        _grade(course, "autograde", toy.NAME, "--students", ",".join(regraded), "--jobs", "1",
               "--force")  # unchanged submissions are skipped otherwise
        with Gradebook(db) as gradebook:
            for student, auto in zip(regraded, (5, 3)):
                grade = gradebook.find_grade("why", toy.NAME, toy.NAME, student)
                assert (grade.manual_score, grade.needs_manual_grade) == (1, False)
                comment = gradebook.find_comment("why", toy.NAME, toy.NAME, student)
                assert comment.manual_comment == f"well argued, {student}"
                assert gradebook.find_submission(toy.NAME, student).score == auto + 1
            assert len(gradebook.students) == CLASS_SIZE
            assert len(gradebook.find_assignment(toy.NAME).submissions) == CLASS_SIZE


def test_leak_check_sees_through_syntax_highlighting(tmp_path):
    page = tmp_path / "feedback.html"
    page.write_text('<pre><span class="k">assert</span> <span class="n">square</span>'
                    '<span class="p">(</span><span class="o">-</span><span class="mf">1.5'
                    '</span><span class="p">)</span> <span class="o">==</span> 2.25</pre>')
    assert leaks(page, toy.HIDDEN) == ["assert square(-1.5) == 2.25"]
    page.write_text("<pre>assert square(2) == 4</pre>")
    assert leaks(page, toy.HIDDEN) == []


def test_split_hidden_keeps_visible_tests_and_marks_where_hidden_ones_were():
    source = "assert f(1) == 1\n    ### BEGIN HIDDEN TESTS\n    assert f(2) == 4\n\n" \
             "    ### END HIDDEN TESTS\nprint('done')"
    visible, hidden = split_hidden(source)
    assert visible == f"assert f(1) == 1\n    {HIDDEN_NOTE}\nprint('done')"
    assert hidden == ["assert f(2) == 4"]
    assert split_hidden("x = 1") == ("x = 1", [])


def test_a_cell_never_gets_more_time_than_the_student_has_left():
    assert cell_timeout_left(60, deadline=1000.0, now=500.0) == 60  # plenty left
    assert cell_timeout_left(60, deadline=1000.0, now=990.5) == 9  # the budget binds
    assert cell_timeout_left(60, deadline=1000.0, now=1200.0) == 1  # spent: 1 s, not 0


def test_grading_refuses_unknown_assignments_and_students(tmp_path):
    course = tmp_path / "course"
    (course / "solutions" / toy.NAME).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text((ROOT / "nbgrader_config.py").read_text())
    run = [sys.executable, "-m", "grading"]
    result = subprocess.run([*run, "autograde", "nope"], cwd=course, capture_output=True,
                            text=True)
    assert result.returncode != 0 and "unknown assignment nope; known: toy" in result.stderr
    result = subprocess.run([*run, "autograde", toy.NAME, "--students", "ghost"], cwd=course,
                            capture_output=True, text=True)
    assert result.returncode != 0 and "no submission from ghost" in result.stderr
    result = subprocess.run([*run, "export"], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode != 0 and "has no nbgrader_config.py" in result.stderr
