"""An instructor grades a written answer in nbgrader's Formgrader, in headless Chromium.

A throwaway course (this repository's nbgrader_config.py, the TensorFlow-free toy
assignment plus a 2-point written answer) gets one student's submission, autograded in
the sandbox. A real Jupyter server with nbgrader's Formgrader extension then runs in that
course, as `make lab` starts one, and the browser clicks from Formgrader's Manage
Assignments through the assignment's submissions and the student to their notebook,
where it reads the student's answer and types 1.5 points for it. The score must reach
the gradebook and the export that `python -m grading export` writes (grades/grades.csv).
"""

from __future__ import annotations

import collections
import csv
import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import nbformat
import pytest
import toy_assignment as toy
from browser import ARTIFACTS, chromium
from exercise_tools import generate_assignment, nbgrader, submit
from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from course.lab import free_port, lab_command
from grading import sandbox

# Without bubblewrap grading refuses to run (as in the sandbox tests); a missing Chromium
# fails the test in browser.chromium(), as in the other browser tests.
pytestmark = pytest.mark.skipif(sandbox.problem() is not None,
                                reason=f"no usable bubblewrap: {sandbox.problem()}")

STUDENT = "ada"
WRITTEN = "written_answer"
POINTS, GIVEN = 2, 1.5
ANSWER = "Two inputs, x and -x, give the same square."
AUTO = toy.MAX_AUTO  # the student's code answers are toy.RIGHT: every test passes
MAX = toy.MAX_AUTO + 1 + POINTS  # the toy's own written answer ("why") is worth 1


def _course(root: Path) -> Path:
    """The toy course with one more manually graded written answer, and one student's
    submission autograded by `nbgrader autograde` (sandboxed by the course's config too;
    for one student 20 s quicker than `python -m grading autograde`, whose Dask cluster
    is tested elsewhere)."""
    (root / "solutions" / toy.NAME).mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(toy.config_text())
    nb = toy.source_notebook()
    nb.cells.append(new_markdown_cell(
        "### BEGIN SOLUTION\nSquaring loses the sign, so it cannot be undone.\n"
        "### END SOLUTION",
        metadata={"nbgrader": {"schema_version": 3, "grade_id": WRITTEN, "solution": True,
                               "grade": True, "locked": False, "points": POINTS}}))
    nbformat.write(nb, root / "solutions" / toy.NAME / f"{toy.NAME}.ipynb")
    generate_assignment(root, toy.NAME)
    release = root / "exercises" / toy.NAME / f"{toy.NAME}.ipynb"
    submit(root, STUDENT, toy.NAME, toy.answer(nbformat.read(release, as_version=4), {
        **toy.RIGHT, WRITTEN: ANSWER}))
    nbgrader("autograde", toy.NAME, "--ExecutePreprocessor.timeout=20", cwd=root, timeout=300)
    return root


def _grading(course: Path, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "grading", *args], cwd=course,
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def _start_server(course: Path, runtime: Path):
    """Jupyter (as `make lab` starts it: localhost, a free port, a token) in the course
    directory, where Formgrader reads nbgrader_config.py; returns (process, base, token,
    log)."""
    port, token = free_port(), secrets.token_hex(24)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(runtime))
    server = subprocess.Popen(lab_command(course, port, token), cwd=course, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # Keep reading the server's log, or a full pipe would block it; the end explains a
    # failure.
    log = collections.deque(maxlen=300)
    threading.Thread(target=lambda: log.extend(server.stdout), daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            request = urllib.request.Request(f"{base}/api/status",
                                             headers={"Authorization": f"token {token}"})
            with urllib.request.urlopen(request, timeout=10):
                return server, base, token, log
        except (urllib.error.URLError, ConnectionError):
            assert server.poll() is None, "".join(log)
            time.sleep(0.5)
    server.terminate()
    raise AssertionError("Jupyter did not answer within 90 s:\n" + "".join(log))


def _click(browser, selector: str, timeout: float = 60) -> None:
    """Click the link Formgrader's tables render (after their API call) once it is there."""
    link = WebDriverWait(browser, timeout).until(
        lambda b: (b.find_elements(By.CSS_SELECTOR, selector) or [None])[0])
    link.click()


def _grade_in_formgrader(browser, base: str, token: str) -> str:
    """What an instructor does: Formgrader, the assignment's submissions, the student, their
    notebook; type the score, leave the field; wait until it is saved. Returns the URL of
    the grading page."""
    browser.get(f"{base}/formgrader?token={token}")  # redirects to Manage Assignments
    _click(browser, f'#main-table a[href$="/formgrader/manage_submissions/{toy.NAME}"]')
    _click(browser, f'#main-table a[href$="/formgrader/manage_students/{STUDENT}/{toy.NAME}"]')
    _click(browser, '#main-table a[href*="/formgrader/submissions/"]')
    # Not `formgrader.loaded`: that needs MathJax, which the page loads from a CDN, and
    # offline its init() stops there (no keyboard shortcuts); the score fields work.
    WebDriverWait(browser, 60).until(lambda b: b.execute_script(
        "return typeof formgrader !== 'undefined' && formgrader.grades.loaded === true"
        " && formgrader.comments.loaded === true"))
    score = browser.find_element(By.ID, WRITTEN)
    cell = score.find_element(By.XPATH, "ancestor::div[contains(@class, 'nbgrader_cell')]")
    assert ANSWER in cell.text, cell.text
    assert score.get_attribute("value") == "", "the written answer was graded already"
    assert "needs_manual_grade" in score.get_attribute("class")
    browser.execute_script("window.savedScores = 0;"
                           "$(document).on('finished_saving', () => window.savedScores++);")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", score)
    score.click()
    score.send_keys(str(GIVEN))
    score.send_keys(Keys.TAB)  # leaving the field fires its change event, which saves
    WebDriverWait(browser, 30).until(lambda b: b.execute_script("return window.savedScores"))
    return browser.current_url


@pytest.mark.minutes(1)
def test_an_instructor_grades_a_written_answer_in_formgrader(tmp_path):
    course = _course(tmp_path / "course")
    db = f"sqlite:///{course / 'gradebook.db'}"
    with Gradebook(db) as gradebook:
        grade = gradebook.find_grade(WRITTEN, toy.NAME, toy.NAME, STUDENT)
        assert (grade.manual_score, grade.needs_manual_grade) == (None, True)
        assert gradebook.find_submission(toy.NAME, STUDENT).score == AUTO

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "formgrader-written-answer.png"
    server, base, token, log = _start_server(course, tmp_path / "runtime")
    try:
        with chromium() as browser:
            try:
                page = _grade_in_formgrader(browser, base, token)
            finally:  # the saved score, or where it went wrong
                browser.save_screenshot(str(shot))
    except Exception as error:
        raise AssertionError(f"{error}\nJupyter's log:\n{''.join(log)}") from error
    finally:
        server.terminate()
        server.wait(timeout=30)

    with Gradebook(db) as gradebook:
        notebook = gradebook.find_submission_notebook(toy.NAME, toy.NAME, STUDENT)
        assert urllib.parse.urlsplit(page).path.rstrip("/") == \
            f"/formgrader/submissions/{notebook.id}", "not the student's notebook"
        grade = gradebook.find_grade(WRITTEN, toy.NAME, toy.NAME, STUDENT)
        assert (grade.manual_score, grade.needs_manual_grade) == (GIVEN, False)
        assert gradebook.find_submission(toy.NAME, STUDENT).score == AUTO + GIVEN

    _grading(course, "export")
    with open(course / "grades" / "grades.csv") as f:
        rows = [row for row in csv.DictReader(f) if row["student_id"] == STUDENT]
    assert len(rows) == 1 and rows[0]["assignment"] == toy.NAME, rows
    assert (float(rows[0]["score"]), float(rows[0]["max_score"])) == (AUTO + GIVEN, MAX)
