"""Test cells score only when they ran as written: a student per way of rewiring the
kernel, each with wrong answers, graded by plain `nbgrader autograde` with the course's
config. Each attack is first shown to work under nbgrader's own Execute (so the student
really attacks), then to earn nothing under the course's GuardedExecute. A correct
answer that writes to stderr keeps its points."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from repo import ROOT
from exercise_tools import generate_assignment, gradebook_scores, nbgrader, submit

NAME = "guarded"


def _cell(source, grade_id, *, solution=False, grade=False, points=0):
    meta = {"nbgrader": {"schema_version": 3, "grade_id": grade_id, "solution": solution,
                         "grade": grade, "locked": not solution,
                         **({"points": points} if grade else {})}}
    return new_code_cell(source, metadata=meta)


SETUP = "import numpy as np\nLIMIT = 10"
SOURCE = new_notebook(cells=[
    new_markdown_cell("# Guarded"),
    _cell(SETUP, "setup"),
    _cell("def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION",
          "double", solution=True),
    _cell("assert double(1) == 2, 'double(1) should be 2'", "test_double_format",
          grade=True, points=1),
    _cell("### BEGIN HIDDEN TESTS\n"
          "assert np.allclose(double(np.arange(5.0)), 2 * np.arange(5.0)), 'wrong on arrays'\n"
          "assert all(double(v) == 2 * v for v in range(-3, 4)), 'wrong on integers'\n"
          "assert all([np.allclose(double(LIMIT), 2 * LIMIT)]), 'wrong on larger numbers'\n"
          "print('checked')\n"
          "### END HIDDEN TESTS", "test_double_values", grade=True, points=2),
    _cell("def count_positive(values):\n    ### BEGIN SOLUTION\n"
          "    return sum(1 for v in values if v > 0)\n    ### END SOLUTION",
          "count_positive", solution=True),
    _cell("### BEGIN HIDDEN TESTS\nassert count_positive([-1, 0, 2]) == 1, 'zero is not "
          "positive'\nprint('checked')\n### END HIDDEN TESTS", "test_count_positive", grade=True, points=2),
], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                            "language": "python"}})
MAX_SCORE = 5

RIGHT = {"double": "def double(x):\n    return x + x",
         "count_positive": "def count_positive(values):\n    return len([v for v in values if v > 0])"}
# Wrong on the hidden tests only: a student who earns more than the visible point cheated.
WRONG = {"double": "def double(x):\n    return 2 * x + (np.asarray(x) >= 5)",
         "count_positive": "def count_positive(values):\n    return sum(v >= 0 for v in values)"}


def _attack(code: str) -> dict:
    return {**WRONG, "double": WRONG["double"] + "\n\n" + code}


TRACER = """
import sys, types
_fake_np = types.SimpleNamespace(**{k: getattr(np, k) for k in dir(np) if k[:2] != "__"})
_fake_np.allclose = lambda *a, **k: True
def _trace(frame, event, arg):  # every cell run from now on sees a numpy that agrees
    if event == "call" and "ipykernel_" in frame.f_code.co_filename:
        frame.f_globals["np"] = _fake_np
sys.settrace(_trace)
"""
SWALLOW = """
import sys
def _swallow(self, etype, value, tb, tb_offset=None):  # and tell IPython all went well
    frame = sys._getframe()
    while frame:
        result = frame.f_locals.get("result")
        if hasattr(result, "error_in_exec"):
            result.error_in_exec = None
        frame = frame.f_back
get_ipython().set_custom_exc((AssertionError,), _swallow)
"""
ATTACKS = {  # student -> answers; each scores more than 1 point under plain nbgrader
    "empties_later_cells": {"double": "get_ipython().input_transformers_cleanup.append("
                                      "lambda lines: ['pass\\n'])"},
    "drops_asserts": _attack("import ast\nclass Drop(ast.NodeTransformer):\n"
                             "    def visit_Assert(self, node):\n        return None\n"
                             "get_ipython().ast_transformers.append(Drop())"),
    "traces_test_cells": _attack(TRACER),
    "swallows_errors": _attack(SWALLOW),
    "patches_builtins": _attack("import builtins\nbuiltins.all = lambda *a, **k: True"),
    "patches_numpy": _attack("np.allclose = lambda *a, **k: True"),
    "patches_numpy_when_called": {**WRONG, "double": "def double(x):\n"
                                  "    np.allclose = lambda *a, **k: True\n"
                                  "    return 2 * x + (np.asarray(x) >= 5)"},
    "rebinds_locked_constant": {**WRONG, "double": WRONG["double"] + "\nLIMIT = 2"},
    "replaces_run_cell": _attack(
        "ip = get_ipython()\n_real = ip.run_cell\n"
        "ip.run_cell = lambda raw_cell, *a, **k: _real('pass', *a, **k)"),
}


def _grade(tmp_path, students: dict, guarded: bool) -> dict:
    course = tmp_path / ("guarded" if guarded else "plain")
    (course / "solutions" / NAME).mkdir(parents=True)
    text = (ROOT / "nbgrader_config.py").read_text()
    if not guarded:  # nbgrader's own Execute, to show what each attack does without us
        text = text.replace('"grading.kernel_guard.GuardedExecute"',
                            '"nbgrader.preprocessors.Execute"')
        assert "nbgrader.preprocessors.Execute" in text
    (course / "nbgrader_config.py").write_text(text)
    nbformat.write(SOURCE, course / "solutions" / NAME / f"{NAME}.ipynb")
    generate_assignment(course, NAME)
    released = nbformat.read(course / "exercises" / NAME / f"{NAME}.ipynb", as_version=4)
    for student, answers in students.items():
        nb = nbformat.from_dict(released)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in answers:
                cell.source = answers[grade_id]
        submit(course, student, NAME, nb)
    nbgrader("autograde", NAME, "--force", "--ExecutePreprocessor.timeout=20", cwd=course)
    scores, max_score = gradebook_scores(course, NAME, students)
    assert max_score == MAX_SCORE
    return {student: sum(cells.values()) for student, cells in scores.items()}


def test_every_attack_works_without_the_guard_and_earns_nothing_with_it(tmp_path):
    students = {"right": RIGHT, "wrong": WRONG, **ATTACKS}
    plain = _grade(tmp_path, students, guarded=False)
    assert plain["right"] == MAX_SCORE and plain["wrong"] == 1, plain
    fooled = {s: plain[s] for s in ATTACKS if plain[s] > 1}
    assert fooled == {s: plain[s] for s in ATTACKS}, (
        f"these students do not attack nbgrader (they score 1 or less without the guard): "
        f"{sorted(set(ATTACKS) - set(fooled))}")

    guarded = _grade(tmp_path, students, guarded=True)
    assert guarded["right"] == MAX_SCORE and guarded["wrong"] == 1, guarded
    cheated = {s: guarded[s] for s in ATTACKS if guarded[s] > 1}
    assert not cheated, f"attacks that still earned hidden-test points: {cheated}"


def test_a_correct_answer_that_writes_to_stderr_keeps_its_points(tmp_path):
    noisy = {**RIGHT, "double": "import logging, sys, warnings\n"
                                "def double(x):\n"
                                "    print('doubling', x, file=sys.stderr)\n"
                                "    logging.getLogger('student').error('progress %s', x)\n"
                                "    return x + x"}
    totals = _grade(tmp_path, {"noisy": noisy, "right": RIGHT}, guarded=True)
    assert totals == {"noisy": MAX_SCORE, "right": MAX_SCORE}, totals
