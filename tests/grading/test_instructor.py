"""The instructor's workflow end to end, on a class of 50 through nbgrader's exchange.

Release -> 50 simulated students fetch, answer and submit (some of them badly) -> collect
-> `python -m grading grade` (parallel autograde, feedback, CSV export) -> every student in
the CSV with the right score and a clear status; no hidden test in any feedback page;
manual grades survive a re-run. One class is graded once and checked in subtests, since
grading it is the expensive part.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import toy_assignment as toy
from exchange_class import AWKWARD, CLASS_SIZE, exchange_class
from nbgrader.api import Gradebook

from grading.feedback import HIDDEN_NOTE, leaks, page_text, split_hidden
from grading.worker import cell_timeout_left


def _grade(course: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "grading", *args], cwd=course,
                            capture_output=True, text=True, timeout=540, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.mark.minutes(5)
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
    (course / "nbgrader_config.py").write_text(toy.config_text())
    run = [sys.executable, "-m", "grading"]
    result = subprocess.run([*run, "autograde", "nope"], cwd=course, capture_output=True,
                            text=True, check=False)
    assert result.returncode != 0 and "unknown assignment nope; known: toy" in result.stderr
    result = subprocess.run([*run, "autograde", toy.NAME, "--students", "ghost"], cwd=course,
                            capture_output=True, text=True, check=False)
    assert result.returncode != 0 and "no submission from ghost" in result.stderr
    result = subprocess.run([*run, "export"], cwd=tmp_path, capture_output=True, text=True,
                            check=False)
    assert result.returncode != 0 and "has no nbgrader_config.py" in result.stderr
