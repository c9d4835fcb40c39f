"""Every exercise's simulated students (tests/grading/cases/), graded once per run by a
real `nbgrader autograde`, as an instructor would: the reference earns full marks, the
untouched notebook 0, and every student of the case exactly the scores and failure
messages it names. An exercise without a case file, or a case naming a cell its notebook
lacks, fails before anything is graded."""

from __future__ import annotations

import cases
import nbformat
import pytest
from exercise_tools import (
    ASSIGNMENTS,
    grade_class,
    hidden_test_lines,
    solution_answers,
    source_notebook,
    submission,
)

from grading.feedback import generate_feedback, page_text


def _graded_points(assignment: str) -> dict[str, float]:
    """graded code cell -> its points, as the solution notebook declares them."""
    return {cell.metadata["nbgrader"]["grade_id"]: cell.metadata["nbgrader"]["points"]
            for cell in source_notebook(assignment).cells
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("grade")}


def _case(assignment: str):
    try:
        return cases.load(assignment)
    except ModuleNotFoundError as error:
        if error.name != f"cases.{assignment}":
            raise
        pytest.fail(f"{assignment} has no case file: write tests/grading/cases/{assignment}.py "
                    "(see tests/grading/cases/__init__.py)")


def _notebook(assignment: str, student: cases.Student) -> nbformat.NotebookNode:
    answers = dict(student.answers)
    if student.over == "reference":
        answers = {**solution_answers(assignment), **answers}
    return submission(assignment, answers, edit=student.edit, delete=student.delete)


def _failure(course, student, assignment, cell_id) -> str:
    """The error a graded cell shows in a student's autograded notebook."""
    path = course / "autograded" / student / assignment / f"{assignment}.ipynb"
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id") == cell_id:
            return " ".join(f"{o.get('ename')}: {o.get('evalue')}" for o in cell.outputs
                            if o.get("output_type") == "error")
    return f"(no cell {cell_id})"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_exercise_has_a_case_naming_only_its_cells(assignment):
    case = _case(assignment)
    graded = _graded_points(assignment)
    cells = {c.metadata.get("nbgrader", {}).get("grade_id") for c in source_notebook(assignment).cells}
    assert case.MAX_SCORE == sum(graded.values()), (
        f"{assignment}: the case says {case.MAX_SCORE} points, the notebook's tests are worth "
        f"{sum(graded.values())}")
    assert not {"solution", "blank"} & set(case.STUDENTS), "solution and blank are always graded"
    for name, student in case.STUDENTS.items():
        named = {*student.answers, *student.edit, *student.delete}
        assert named <= cells, f"{assignment}/{name} names cells the notebook lacks: {named - cells}"
        judged = {*student.scores, *student.messages}
        assert judged <= set(graded), (
            f"{assignment}/{name} expects scores or messages of cells that are not graded "
            f"tests: {judged - set(graded)}")
        for cell, score in student.scores.items():
            assert 0 <= score <= graded[cell], f"{assignment}/{name}: {cell} is worth {graded[cell]}"
        for cell in student.messages:
            assert student.scores.get(cell, graded[cell]) < graded[cell], (
                f"{assignment}/{name}: a message for {cell}, which it passes")


def _slowest_first():
    """Each exercise marked with its case's minutes (one without a case file fails above)."""
    def minutes(assignment):
        try:
            return cases.load(assignment).MINUTES
        except ModuleNotFoundError:
            return 0
    return [pytest.param(a, marks=pytest.mark.minutes(minutes(a))) for a in ASSIGNMENTS]


@pytest.mark.parametrize("assignment", _slowest_first())
def test_every_student_earns_what_the_case_says(assignment, tmp_path):
    case = _case(assignment)
    points = _graded_points(assignment)
    notebooks = {"solution": submission(assignment, solution_answers(assignment)),
                 "blank": submission(assignment)}
    notebooks.update({name: _notebook(assignment, s) for name, s in case.STUDENTS.items()})
    course, scores, max_score = grade_class(tmp_path, assignment, notebooks,
                                            cell_timeout=case.CELL_TIMEOUT, timeout=3000)

    assert max_score == case.MAX_SCORE, f"{assignment} is worth {max_score} points"
    assert scores["solution"] == points, f"the reference scored {scores['solution']}"
    assert not any(scores["blank"].values()), f"the untouched notebook scored {scores['blank']}"
    problems = []
    for name, student in case.STUDENTS.items():
        for cell, want in {**points, **student.scores}.items():
            if scores[name].get(cell) != want:
                problems.append(f"{name}: {cell} scored {scores[name].get(cell)}, not {want} "
                                f"({_failure(course, name, assignment, cell)[:300]})")
        for cell, words in student.messages.items():
            message = _failure(course, name, assignment, cell)
            if words not in message:
                problems.append(f"{name}: {cell} should fail with {words!r}, got {message[:300]!r}")
    assert not problems, f"{assignment}:\n" + "\n".join(problems)

    if case.FEEDBACK:  # the course's own feedback path, on real work
        pages = generate_feedback(course, assignment)
        assert sorted(p.parents[1].name for p in pages) == sorted(notebooks), (
            "not every student got a feedback page")
        hidden = hidden_test_lines(assignment)
        for page in pages:  # students who fail hidden tests: their tracebacks are there
            leaked = [line for line in hidden if line in page_text(page)]
            assert leaked == [], f"{page} shows lines of the checks: {leaked}"
