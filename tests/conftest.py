"""Shared test set-up: notebook kernels must run this interpreter, quietly, offline.

The tests mirror the packages (tests/helpers/, tests/course/, tests/grading/) and the book
(tests/book/: chapter runs, the built book in a browser, launch buttons, publishing);
what several of them use lives in tests/support/ (on the path through pyproject.toml).
"""

import os
import sys
import tempfile
from pathlib import Path

# Kernels are started as "python" from PATH: make it the interpreter running the tests.
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# Trained weights go to a fresh cache per test process: a test must really train, and
# quick-mode runs must never reach the cache the book uses.
os.environ["COURSE_CACHE_DIR"] = tempfile.mkdtemp(prefix="course-cache-")


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
