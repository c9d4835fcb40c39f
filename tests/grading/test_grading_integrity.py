"""Students who have read the grader's code attack it, and earn nothing they did not solve.

Each attacker hands in exercise 1 with nothing implemented, plus an attack written from
the grading design (book/instructors.md): rewiring NumPy or the kernel, values that lie
about equality, forged answers and kernel replies, outputs that nbgrader would score,
code that runs while the tests do, a cell before the set-up, reading the kernel's
history, links and files planted beside the notebook. The class is graded by plain
`nbgrader autograde` and by `python -m grading` (same secret, so the same questions):
both must give every attacker 0, the reference full marks, and every student the same
score. The feedback must hold no line of the exercise's tests in any encoding, the
course's files must not change (content and permissions), and nothing the kernel wrote
may reach the feedback folder.
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import nbformat
import pytest
from exercise_tools import (
    gradebook_scores,
    make_course,
    nbgrader,
    solution_answers,
    submission,
    submit,
)
from nbformat.v4 import new_code_cell

from grading import questions, sandbox
from grading.checks import FOLDER
from grading.feedback import assignment_hidden_lines, page_text

pytestmark = pytest.mark.skipif(sandbox.problem() is not None,
                                reason=f"no usable bubblewrap: {sandbox.problem()}")

A = "ex01_dataset"
CELLS = ("test_to_model_input_format", "test_to_model_input_values", "test_one_hot_format",
         "test_one_hot_values", "test_class_means_format", "test_class_means_values")

PATCH_NUMPY = """
import numpy as np
always = (lambda *args, **kwargs: True).__code__
for function in (np.allclose, np.array_equal, np.isclose):
    try:
        function.__code__ = always
    except (AttributeError, TypeError):
        pass
np.allclose = np.array_equal = lambda *args, **kwargs: True
"""

LIARS = """
import numpy as np

class Liar(np.ndarray):
    def __eq__(self, other):
        return True
    __ne__ = lambda self, other: False

class LyingInt(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__

def to_model_input(images):
    return np.zeros(3).view(Liar)

def one_hot(labels, num_classes=10):
    return LyingInt(0)

def class_means(images, labels):
    return np.zeros((2, 2)).view(Liar)
"""

FORGE_ANSWERS = """
import json, pathlib, numpy as np
import helpers.handover as handover

def forged(exchange, cell, namespace):
    # Answer every question with its own input, or 'passed' where there is none.
    folder = pathlib.Path(exchange)
    out = folder / 'answers' / cell
    out.mkdir(parents=True, exist_ok=True)
    for question in json.loads((folder / 'questions' / f'{cell}.json').read_text()):
        arrays = [a for a in question['args'] if isinstance(a, dict) and 'array' in a]
        if arrays:
            data = np.load(folder / 'questions' / arrays[0]['array'])
            np.save(out / 'forged.npy', data.astype(np.float32) / 255)
            value = {'array': 'forged.npy', 'type': 'ndarray'}
        else:
            value = {'str': 'passed'}
        (out / f"{question['name']}.json").write_text(json.dumps({'value': value}))
        (out / 'verdict.json').write_text(json.dumps({'passed': True}))

handover.answer = forged
"""

FORGE_REPLIES = """
from ipykernel.kernelbase import Kernel
from jupyter_client.session import Session
original = Session.send
def send(self, stream, msg_or_type, content=None, *args, **kwargs):
    if isinstance(msg_or_type, str) and msg_or_type == 'error':
        return None
    if isinstance(content, dict) and content.get('status') == 'error':
        content = {'status': 'ok', 'execution_count': content.get('execution_count'),
                   'user_expressions': {}, 'payload': []}
    return original(self, stream, msg_or_type, content, *args, **kwargs)
Session.send = send
"""

DISPLAY_THEN_RAISE = """
from IPython import get_ipython
from IPython.display import display
def to_model_input(images):
    get_ipython().displayhook(9)
    display(9)
    raise NotImplementedError()
"""

MEANWHILE = """
import threading, time, numpy as np
from IPython import get_ipython
def keep_patching():
    while True:
        np.allclose = np.array_equal = lambda *a, **k: True
        time.sleep(0.001)
threading.Thread(target=keep_patching, daemon=True).start()
get_ipython().events.register('post_run_cell',
                               lambda *a: setattr(np, 'array_equal', lambda *b, **k: True))
get_ipython().events.register('pre_run_cell',
                              lambda *a: setattr(np, 'allclose', lambda *b, **k: True))
"""

STEALS = """
import base64, glob, os, pathlib, zlib
from IPython import get_ipython
found = []
for pattern in ('CHECKS/*.py', 'CHECKS/../*.py', '/tmp/*/*.py', '/tmp/*/*/*.py',
                '../../../*', '../../../../*', '/tmp/course-exchange-*/**/*'):
    found += glob.glob(pattern, recursive=True)
secret_text = ''
for path in found:
    try:
        secret_text += pathlib.Path(path).read_text()[:20000]
    except (OSError, UnicodeDecodeError):
        pass
history = '\\n'.join(get_ipython().user_ns.get('In', [])) + '\\n'.join(globals().get('_ih', []))
blob = (secret_text + history + str(dict(os.environ))).encode()
print('FOUND', found)
print('TEXT', blob.decode(errors='replace'))
print('REVERSED', blob.decode(errors='replace')[::-1])
print('BASE64', base64.b64encode(blob).decode())
print('HEX', blob.hex())
print('ZLIB', base64.b64encode(zlib.compress(blob)).decode())
pathlib.Path('leak.txt').write_text(blob.decode(errors='replace'))
for name, target in (('gradebook.db', '../../../gradebook.db'),
                     ('solution.ipynb', '../../../solutions/ex01_dataset/ex01_dataset.ipynb'),
                     ('secret', '../../../.grading_secret')):
    try:
        os.symlink(target, name)
    except OSError:
        pass
"""

LINKED_ANSWERS = """
import os, pathlib
import helpers.handover as handover

def linked(exchange, cell, namespace):
    out = pathlib.Path(exchange) / 'answers'
    out.mkdir(parents=True, exist_ok=True)
    os.symlink('/etc', out / cell)

handover.answer = linked
"""

BLANK = "def {}(*args, **kwargs):\n    raise NotImplementedError()\n"
NOTHING = {name: BLANK.format(name) for name in ("to_model_input", "one_hot", "class_means")}


def _attacker(code: str) -> nbformat.NotebookNode:
    return submission(A, {**NOTHING, "to_model_input": NOTHING["to_model_input"] + code})


def _cell_before_setup() -> nbformat.NotebookNode:
    nb = submission(A, NOTHING)
    setup = next(i for i, c in enumerate(nb.cells)
                 if c.metadata.get("nbgrader", {}).get("grade_id") == "setup")
    nb.cells.insert(setup, new_code_cell(PATCH_NUMPY + MEANWHILE))
    return nb


STEALS = STEALS.replace("CHECKS", str(FOLDER))  # the attacker knows where the tests live

STUDENTS = {
    "patches_numpy": lambda: _attacker(PATCH_NUMPY),
    "lies_about_equality": lambda: submission(A, {**NOTHING, "to_model_input": LIARS}),
    "forges_answers": lambda: _attacker(FORGE_ANSWERS),
    "forges_kernel_replies": lambda: _attacker(FORGE_REPLIES),
    "displays_then_raises": lambda: submission(A, {**NOTHING,
                                                   "to_model_input": DISPLAY_THEN_RAISE}),
    "patches_meanwhile": lambda: _attacker(MEANWHILE),
    "cell_before_setup": _cell_before_setup,
    "steals_and_plants_links": lambda: _attacker(STEALS),
    "links_its_answers": lambda: _attacker(LINKED_ANSWERS),
}


def _course_state(course: Path) -> dict[str, tuple]:
    """Content and permissions of every course file grading must leave alone."""
    state = {}
    for path in [course / "nbgrader_config.py", course / questions.SECRET_FILE,
                 *sorted((course / "solutions").rglob("*")),
                 *sorted((course / "exercises").rglob("*"))]:
        if path.is_file():
            state[str(path.relative_to(course))] = (path.read_bytes(), path.stat().st_mode)
    db = course / "gradebook.db"
    state["gradebook.db mode"] = (db.stat().st_mode,)
    return state


def _views(text: str) -> str:
    """`text` and what a student could have encoded in it: reversed, base64, hex, zlib."""
    views = [text, text[::-1]]
    for run in re.findall(r"[A-Za-z0-9+/=]{40,}", text):
        try:
            raw = base64.b64decode(run + "=" * (-len(run) % 4))
        except (binascii.Error, ValueError):
            continue
        views.append(raw.decode(errors="replace"))
        try:
            views.append(zlib.decompress(raw).decode(errors="replace"))
        except zlib.error:
            pass
    for run in re.findall(r"(?:[0-9a-f]{2}){20,}", text):
        views.append(bytes.fromhex(run).decode(errors="replace"))
    return "\n".join(views)


def _grade_both_routes(tmp_path: Path) -> tuple[dict, dict, Path, Path]:
    students = {"solution": submission(A, solution_answers(A)), "blank": submission(A, NOTHING)}
    students.update({name: make() for name, make in STUDENTS.items()})
    plain = make_course(tmp_path / "plain", [A])
    mine = tmp_path / "python_m_grading"
    shutil.copytree(plain, mine)
    secret = questions.course_secret(plain)
    (mine / questions.SECRET_FILE).write_text(secret)  # the same questions on both routes
    for course in (plain, mine):
        for student, nb in students.items():
            submit(course, student, A, copy.deepcopy(nb))

    before = _course_state(plain)
    nbgrader("autograde", A, "--force", cwd=plain)
    nbgrader("generate_feedback", A, "--force", cwd=plain)
    assert _course_state(plain) == before, "plain nbgrader: a course file changed"

    before = _course_state(mine)
    result = subprocess.run([sys.executable, "-m", "grading", "grade", A, "--jobs", "2"],
                            cwd=mine, capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert _course_state(mine) == before, "python -m grading: a course file changed"
    return (gradebook_scores(plain, A, students)[0], gradebook_scores(mine, A, students)[0],
            plain, mine)


@pytest.mark.minutes(4)
def test_attackers_earn_nothing_on_either_route_and_leak_nothing(tmp_path, subtests):
    plain_scores, my_scores, plain, mine = _grade_both_routes(tmp_path)

    with subtests.test("both routes give every student the same scores"):
        assert plain_scores == my_scores

    with subtests.test("the reference earns full marks, the blank notebook nothing"):
        assert all(plain_scores["solution"][cell] > 0 for cell in CELLS), plain_scores["solution"]
        assert sum(plain_scores["blank"].values()) == 0

    for student in STUDENTS:
        with subtests.test(student):
            assert sum(plain_scores[student].values()) == 0, plain_scores[student]

    secret = (plain / questions.SECRET_FILE).read_text().strip()
    lines = assignment_hidden_lines(plain, A)
    assert len(lines) > 20, "the leak check needs lines of the exercise's tests to look for"
    for course in (plain, mine):
        for student in [*STUDENTS, "solution"]:
            with subtests.test(f"{course.name}: {student}'s feedback"):
                folder = course / "feedback" / student / A
                assert sorted(p.name for p in folder.iterdir()) == [f"{A}.html"], \
                    "only the feedback page reaches the feedback folder"
                shown = _views(page_text(folder / f"{A}.html"))
                graded = (course / "autograded" / student / A / f"{A}.ipynb").read_text()
                shown += _views(graded)
                assert [line for line in lines if line in shown] == []
                assert secret not in shown
            with subtests.test(f"{course.name}: nothing {student}'s kernel wrote is kept"):
                kept = sorted(p.name for p in (course / "autograded" / student / A).iterdir())
                assert "leak.txt" not in kept and "gradebook.db" not in kept
                assert not any(p.is_symlink() for p in (course / "autograded").rglob("*"))
