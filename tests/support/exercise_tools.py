"""Shared by the exercise tests: a throwaway course directory and simulated students."""

from __future__ import annotations

import copy
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from repo import ROOT

ASSIGNMENTS = sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS",
           "### END HIDDEN TESTS")


def nbgrader(*args, cwd: Path, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run nbgrader from this interpreter's environment; fail loudly on a non-zero exit."""
    result = subprocess.run([str(Path(sys.executable).parent / "nbgrader"), *args], cwd=cwd,
                            capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{result.stderr[-3000:]}"
    return result


def generate_assignment(root: Path, assignment: str) -> None:
    """`nbgrader generate_assignment <assignment> --force` in the course at `root`, run in
    this process: the command line spends about 5 of its 9 seconds importing nbgrader."""
    from nbgrader.apps import GenerateAssignmentApp

    app = GenerateAssignmentApp()
    app.initialize([assignment, "--force", "--log-level=WARN", f"--CourseDirectory.root={root}"])
    app.start()


def make_course(root: Path, assignments=ASSIGNMENTS) -> Path:
    """A course directory with this repository's config and solutions, assignments generated."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / "solutions", root / "solutions")
    for assignment in assignments:
        generate_assignment(root, assignment)
    return root


def source_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)


def student_notebook(assignment: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)


def solution_answers(assignment: str) -> dict[str, str]:
    """grade_id -> the instructor's answer, as a student would type it (no markers)."""
    answers = {}
    for cell in source_notebook(assignment).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            lines = [line for line in cell.source.splitlines()
                     if line.strip() not in MARKERS]
            answers[meta["grade_id"]] = "\n".join(lines)
    return answers


def _between(source: str, begin: str, end: str) -> list[str]:
    lines, inside = [], False
    for line in source.splitlines():
        if line.strip() == begin:
            inside = True
        elif line.strip() == end:
            inside = False
        elif inside and line.strip():
            lines.append(line.strip())
    return lines


def hidden_test_lines(assignment: str) -> list[str]:
    """The lines of the exercise's tests (grading/checks/<assignment>.py) that students
    must never see, and any hidden-test line left in its solution notebook."""
    from grading.feedback import assignment_hidden_lines

    return assignment_hidden_lines(ROOT, assignment)


def solution_lines(assignment: str) -> dict[str, list[str]]:
    """grade_id -> the non-blank lines only the instructor may see (a markdown answer whole)."""
    secret = {}
    for cell in source_notebook(assignment).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            secret[meta["grade_id"]] = (
                _between(cell.source, "### BEGIN SOLUTION", "### END SOLUTION")
                if cell.cell_type == "code"
                else [line.strip() for line in cell.source.splitlines() if line.strip()])
    return secret


def submission(assignment: str, answers: dict[str, str] | None = None,
               edit: dict[str, str] | None = None, delete=()) -> nbformat.NotebookNode:
    """The student notebook as handed out, with answer cells filled in from ``answers``
    (grade_id -> source), any cell's source replaced per ``edit``, cells in ``delete`` gone."""
    nb = copy.deepcopy(student_notebook(assignment))
    changes = {**(answers or {}), **(edit or {})}
    unknown = set(changes) | set(delete)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in changes:
            cell.source = changes[grade_id]
        unknown.discard(grade_id)
    assert not unknown, f"no such cells in {assignment}: {unknown}"
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") not in set(delete)]
    return nb


def submit(course: Path, student: str, assignment: str, nb: nbformat.NotebookNode) -> None:
    folder = course / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")


def gradebook_scores(course: Path, assignment: str, students) -> tuple[dict, float]:
    """student -> {graded cell: score} for the autograded (code) cells, plus the maximum."""
    from nbgrader.api import Gradebook

    result = {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            notebook = gradebook.find_submission_notebook(assignment, assignment, student)
            result[student] = {g.name: g.score for g in notebook.grades
                               if g.cell.cell_type == "code"}
            max_score = notebook.max_code_score
    return result, max_score


def grade_class(tmp_path: Path, assignment: str, students: dict, *, cell_timeout: int = 60,
                timeout: int = 1800) -> tuple[Path, dict, float]:
    """Submit every student's notebook and autograde them in one real nbgrader run;
    (course, {student: {cell: score}}, max score). A "solution" student, if present,
    must run without errors, hidden tests included. `timeout` bounds the whole run."""
    from repo import errors

    course = make_course(tmp_path / "course", [assignment])
    for student, nb in students.items():
        submit(course, student, assignment, nb)
    nbgrader("autograde", assignment, "--force", f"--ExecutePreprocessor.timeout={cell_timeout}",
             cwd=course, timeout=timeout)
    scores, max_score = gradebook_scores(course, assignment, students)
    if "solution" in students:
        graded = course / "autograded" / "solution" / assignment / f"{assignment}.ipynb"
        assert errors(nbformat.read(graded, as_version=4)) == [], "the reference raised an error"
    return course, scores, max_score
