"""A tiny TensorFlow-free assignment for testing the instructor tools: grading 50 students
must take seconds each, so the machinery is tested, not the course's training code."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from repo import ROOT

NAME = "toy"
CHECKS = Path(__file__).resolve().parent / "toy_checks"  # its tests, run by the checker
MAX_AUTO = 5  # test_square_format 1 + test_square_values 2 + test_count_words 2
HIDDEN = ["assert square(-3) == 9, 'the square of a negative number is positive'",
          "assert square(-1.5) == 2.25",
          "assert count_words('  spaced   out ') == 2",
          "assert count_words('') == 0"]


def _cell(kind, source, grade_id, *, solution=False, grade=False, points=0, locked=False):
    meta = {"nbgrader": {"schema_version": 3, "grade_id": grade_id, "solution": solution,
                         "grade": grade, "locked": locked, **({"points": points} if grade else {})}}
    return (new_code_cell if kind == "code" else new_markdown_cell)(source, metadata=meta)


def config_text() -> str:
    """The course's nbgrader_config.py, with the toy's tests where the checker finds them."""
    return ((ROOT / "nbgrader_config.py").read_text()
            + f"\nc.AskingExecute.checks = {str(CHECKS)!r}\n")


def source_notebook() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell("# Toy assignment"),
        _cell("code", "import math", "setup", locked=True),
        _cell("code", "def square(x):\n    ### BEGIN SOLUTION\n    return x * x\n"
                      "    ### END SOLUTION", "square", solution=True),
        _cell("code", "assert square(2) == 4", "test_square_format", grade=True, points=1,
              locked=True),
        _cell("code", "# hidden tests check negative numbers\n### BEGIN HIDDEN TESTS\n"
                      + "\n".join(HIDDEN[:2]) + "\n### END HIDDEN TESTS",
              "test_square_values", grade=True, points=2, locked=True),
        _cell("code", "def count_words(text):\n    ### BEGIN SOLUTION\n"
                      "    return len(text.split())\n    ### END SOLUTION",
              "count_words", solution=True),
        _cell("code", "assert count_words('a b') == 2\n### BEGIN HIDDEN TESTS\n"
                      + "\n".join(HIDDEN[2:]) + "\n### END HIDDEN TESTS",
              "test_count_words", grade=True, points=2, locked=True),
        new_markdown_cell("Why is a square never negative?"),
        _cell("markdown", "### BEGIN SOLUTION\nA product of two numbers of the same sign.\n"
                          "### END SOLUTION", "why", solution=True, grade=True, points=1),
    ]
    return new_notebook(cells=cells, metadata={"kernelspec": {
        "name": "python3", "display_name": "Python 3", "language": "python"}})


RIGHT = {"square": "def square(x):\n    return x ** 2",
         "count_words": "def count_words(text):\n    return len(text.split())",
         "why": "Both factors have the same sign."}
WRONG_SIGN = {**RIGHT, "square": "def square(x):\n    return x * abs(x)"}  # hidden test fails
NAIVE_SPLIT = {**RIGHT, "count_words": "def count_words(text):\n    return len(text.split(' '))"}
# answers -> autograded score
VARIANTS = {"right": (RIGHT, 5), "wrong_sign": (WRONG_SIGN, 3),
            "naive_split": (NAIVE_SPLIT, 3), "blank": ({}, 0)}


def answer(nb: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The handed-out notebook with answer cells filled in (grade_id -> source)."""
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return nb
