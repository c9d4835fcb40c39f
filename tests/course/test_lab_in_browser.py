"""A student's JupyterLab, started as `make lab` starts it and used in headless Chromium.

The lab shows a folder holding an exercise as handed out and its solution. The browser
opens the exercise and finds nbgrader's Validate button; then the running server's
validate handler (what that button calls) judges both notebooks.
"""

import collections
import json
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import nbformat
import pytest
from selenium.webdriver.support.ui import WebDriverWait

from browser import ARTIFACTS, ROOT, chromium

ASSIGNMENT = "ex01_dataset"  # the quickest exercise to validate (no training)


def _start_lab(notebook_dir):
    """`python -m course.lab` (what `make lab` runs); returns (process, base URL, token)."""
    lab = subprocess.Popen([sys.executable, "-m", "course.lab", "--notebook-dir",
                            str(notebook_dir)], cwd=ROOT, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)
    first = lab.stdout.readline()
    assert "open http://127.0.0.1:" in first, first
    # Keep reading the server's log, or a full pipe would block it; the end is kept to
    # explain a failure.
    log = collections.deque(maxlen=200)
    threading.Thread(target=lambda: log.extend(lab.stdout), daemon=True).start()
    url = urllib.parse.urlsplit(first.split("open ", 1)[1].strip())
    token = urllib.parse.parse_qs(url.query)["token"][0]
    base = f"{url.scheme}://{url.netloc}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            _request(base, token, "/api/status")
            return lab, base, token
        except (urllib.error.URLError, ConnectionError):
            assert lab.poll() is None, "".join(log)
            time.sleep(0.5)
    raise AssertionError("JupyterLab did not answer within 90 s")


def _request(base, token, path, form=None):
    data = urllib.parse.urlencode(form).encode() if form else None
    request = urllib.request.Request(base + path, data=data,
                                     headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.loads(response.read())


@pytest.mark.minutes(1)
def test_a_student_validates_in_jupyterlab(tmp_path):
    student = tmp_path / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    student.parent.mkdir()
    shutil.copy(ROOT / "exercises" / ASSIGNMENT / student.name, student)
    (tmp_path / "reference").mkdir()
    shutil.copy(ROOT / "solutions" / ASSIGNMENT / student.name, tmp_path / "reference")
    shots = ARTIFACTS / "lab"
    shots.mkdir(parents=True, exist_ok=True)

    lab, base, token = _start_lab(tmp_path)
    try:
        with chromium() as browser:
            browser.get(f"{base}/lab/tree/{ASSIGNMENT}/{student.name}?token={token}")
            WebDriverWait(browser, 90).until(lambda b: b.execute_script(
                "return document.querySelectorAll('.jp-Notebook .jp-Cell').length > 0"
                " && document.querySelector('.validate-button') !== null"))
            seen = browser.execute_script("""return {
                validate: [...document.querySelectorAll('.validate-button')]
                    .map(b => b.innerText.trim()),
                heading: (document.querySelector('.jp-Notebook h1') || {}).innerText || '',
                tabs: [...document.querySelectorAll('.lm-TabBar-tabLabel')]
                    .map(t => t.innerText.trim())}""")
            browser.save_screenshot(str(shots / f"{ASSIGNMENT}.png"))
        assert seen["validate"] == ["Validate"]
        assert seen["heading"].startswith("Exercise 1") and student.name in seen["tabs"]

        solved = _request(base, token, "/assignments/validate",
                          {"path": f"reference/{student.name}"})
        untouched = _request(base, token, "/assignments/validate",
                             {"path": f"{ASSIGNMENT}/{student.name}"})
    finally:
        lab.terminate()
        lab.wait(timeout=30)

    assert solved == {"success": True, "value": {}}  # nothing failed, nothing changed
    assert untouched["success"] is True and set(untouched["value"]) == {"failed"}
    graded = [c for c in nbformat.read(student, as_version=4).cells
              if c.metadata.get("nbgrader", {}).get("grade")]
    names = {c.source.strip(): c.metadata["nbgrader"]["grade_id"] for c in graded}
    # Unfinished work, named: each visible test (its answer still raises
    # NotImplementedError) and each unwritten answer. Hidden-test cells hold only a comment
    # in the student version, so they pass until grading.
    visible = {names[c.source.strip()] for c in graded if c.cell_type == "code" and any(
        line.strip() and not line.lstrip().startswith("#") for line in c.source.splitlines())}
    written = {names[c.source.strip()] for c in graded if c.cell_type == "markdown"}
    assert visible and written
    failed = {names.get(cell["source"], cell["source"][:40]): cell["raw_error"]
              for cell in untouched["value"]["failed"]}
    assert set(failed) == visible | written
    assert all("NotImplementedError" in failed[name] for name in visible)
