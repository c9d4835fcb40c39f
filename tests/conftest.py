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


# Slowest first, one test at a time per worker (--maxschedchunk=1 in the Makefile): a test
# that takes minutes says so with `@pytest.mark.minutes(n)` (about n minutes on this 2-core
# machine), and the longest start at once while the short unit tests fill the gaps,
# instead of one worker drawing all the slow tests in its first chunk.
def pytest_configure(config):
    config.addinivalue_line("markers", "minutes(n): the test takes about n minutes here; "
                            "the slowest start first")


def _minutes(item) -> float:
    marker = item.get_closest_marker("minutes")
    return float(marker.args[0]) if marker else 0.0


def pytest_collection_modifyitems(items):
    items.sort(key=_minutes, reverse=True)  # stable: the order of equals is kept
