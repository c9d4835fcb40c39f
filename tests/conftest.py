"""Shared test set-up: notebook kernels must run this interpreter, quietly, offline."""

import ast
import os
import sys
import tempfile
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]

# Kernels are started as "python" from PATH: make it the interpreter running the tests.
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# Trained weights go to a fresh cache per test process: a test must really train, and
# quick-mode runs must never reach the cache the book uses.
os.environ["COURSE_CACHE_DIR"] = tempfile.mkdtemp(prefix="course-cache-")


def glued(nb: nbformat.NotebookNode) -> dict:
    """Values a notebook stored with ``myst_nb.glue(..., display=False)``, parsed."""
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for mime, data in output.get("data", {}).items():
                if mime.startswith("application/papermill.record/"):
                    key = output["metadata"]["scrapbook"]["name"]
                    values[key] = data if not isinstance(data, str) else _literal(data)
    return values


def _literal(text):
    """The value behind a glued repr (ints, floats, bools, strings); else the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """Every error output of an executed notebook, as 'Name: message'."""
    return [f"{o['ename']}: {o['evalue']}" for cell in nb.cells
            for o in cell.get("outputs", []) if o.get("output_type") == "error"]


# Slowest first, one test at a time per worker (--maxschedchunk=1 in the Makefile): the
# long nbgrader and chapter runs start at once and the short unit tests fill the gaps,
# instead of one worker drawing all the slow tests in its first chunk. The chapters come
# first (longest first): the browser test builds the book from their quick runs.
_SLOW_MODULES = ("test_chapters.py", "test_fairness_ex05_experiments.py",
                 "test_fairness_ex07_deeper.py", "test_fairness_ex04_feature_maps.py",
                 "test_fairness_ex02_dense.py", "test_book_in_browser.py",
                 "test_fairness_ex03_convolutions.py", "test_instructor.py", "test_grading.py",
                 "test_fairness_ex01_dataset.py", "test_fairness_ex06_reading.py",
                 "test_grading_integrity.py", "test_sandbox.py", "test_lab_in_browser.py",
                 "test_exercises.py")


def pytest_collection_modifyitems(items):
    def weight(item):
        name = item.path.name
        return _SLOW_MODULES.index(name) if name in _SLOW_MODULES else len(_SLOW_MODULES)

    items.sort(key=weight)  # stable: the order within a module is kept
