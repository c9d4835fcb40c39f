"""Student notebooks: regenerated from solutions/, nothing leaked, tasks well formed."""

import re

import nbformat
import pytest

from repo import ROOT
from exercise_tools import (ASSIGNMENTS, MARKERS, hidden_test_lines, make_course,
                            solution_lines, source_notebook, student_notebook)
from course.notebooks import asserts_without_message, canonical_text
from grading.checks import tests_for as exercise_tests


def test_every_assignment_has_a_student_version():
    assert ASSIGNMENTS == sorted(p.name for p in (ROOT / "exercises").iterdir() if p.is_dir())


def test_the_exercises_page_lists_every_exercise_with_its_points():
    from course.exercise_table import TABLE, table_text

    assert (ROOT / TABLE).read_text() == table_text(ROOT), (
        f"{TABLE} is out of date: run `make exercises`")
    for assignment in ASSIGNMENTS:
        assert f"exercises/{assignment}/{assignment}" in (ROOT / "_toc.yml").read_text(), (
            f"{assignment} is not in _toc.yml: add it under the Exercises part")


@pytest.mark.minutes(1)
def test_student_notebooks_match_generate_assignment(tmp_path):
    course = make_course(tmp_path / "course")
    for assignment in ASSIGNMENTS:
        generated = nbformat.read(course / "exercises" / assignment / f"{assignment}.ipynb",
                                  as_version=4)
        committed = (ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text()
        assert canonical_text(generated) == committed, (
            f"exercises/{assignment} is out of date: run `make exercises`")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_no_solution_or_hidden_test_leaks(assignment):
    text = (ROOT / "exercises" / assignment / f"{assignment}.ipynb").read_text()
    for marker in MARKERS:
        assert marker not in text
    student = {c.metadata["nbgrader"]["grade_id"]: c.source
               for c in student_notebook(assignment).cells if "nbgrader" in c.metadata}
    for grade_id, secret in solution_lines(assignment).items():
        assert secret, f"{grade_id}: an answer cell without a solution"
        handed_out = student[grade_id]
        assert "raise NotImplementedError()" in handed_out or handed_out == "YOUR ANSWER HERE"
        shown = {line.strip() for line in handed_out.splitlines()}
        # a line of brackets alone (a call's closing ")") gives nothing away
        leaked = [line for line in secret if line in shown and re.search(r"\w", line)]
        assert leaked == [], f"{grade_id} leaks its solution: {leaked}"
    hidden = hidden_test_lines(assignment)
    assert hidden, f"{assignment} has no tests in grading/checks/"
    assert [line for line in hidden if line in text] == []


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_test_cell_has_a_test_and_every_test_a_cell(assignment):
    """The checker decides each test cell: one missing would score 0 for everyone."""
    cells = {c.metadata["nbgrader"]["grade_id"] for c in source_notebook(assignment).cells
             if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
    tests = set(exercise_tests(assignment))
    assert cells - tests == set(), f"test cells without a test in grading/checks/{assignment}.py"
    assert tests - cells == set(), f"tests in grading/checks/{assignment}.py name no cell"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_tasks_are_graded_with_points_and_a_written_answer(assignment):
    cells = [c.metadata["nbgrader"] for c in source_notebook(assignment).cells
             if "nbgrader" in c.metadata]
    tests = [m for m in cells if m.get("grade") and not m.get("solution")]
    written = [m for m in cells if m.get("grade") and m.get("solution")]
    assert tests and all(m["points"] > 0 for m in tests)
    assert written and all(m["points"] > 0 for m in written), "needs a manually graded answer"
    ids = [m["grade_id"] for m in cells]
    assert len(ids) == len(set(ids)), "grade_ids must be unique"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_test_assertion_says_what_is_wrong(assignment):
    bare = asserts_without_message(source_notebook(assignment))
    assert bare == [], f"{assignment}: assertions without a message: {bare}"
