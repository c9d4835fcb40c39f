"""Autograding on a real Dask cluster over TCP on localhost: a scheduler and two worker
processes started the way book/instructors.md says (`dask scheduler`, `dask worker ...
--nworkers 2 --nthreads 1` from the course root), grading the TensorFlow-free toy
assignment through `python -m grading autograde --cluster`.

The 50-student exchange class (tests/support/exchange_class.py) gets exactly the grades of the local
route, and a re-run executes only the changed submissions; a worker killed mid-student
leaves that student without a verdict when the scheduler allows no failure (the next run
grades them), and otherwise has them graded again elsewhere, counted once; an unreachable
scheduler, or a worker without bubblewrap, says so.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import nbformat
import pytest
import toy_assignment as toy
from exchange_class import CLASS_SIZE, exchange_class
from nbgrader.api import Gradebook
from repo import ROOT

from grading import bundle, sandbox, worker
from grading.autograde import make_kit

pytestmark = pytest.mark.skipif(sandbox.problem() is not None,
                                reason=f"no usable bubblewrap: {sandbox.problem()}")
DASK = str(Path(sys.executable).parent / "dask")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def dask_cluster(logs: Path):
    """`dask scheduler` and `dask worker ADDRESS --nworkers 2 --nthreads 1`, started from
    the course root with this venv on PATH; yields the scheduler's address."""
    from distributed import Client

    logs.mkdir(parents=True, exist_ok=True)
    address = f"tcp://127.0.0.1:{_free_port()}"
    started = []
    try:
        for name, command in (
                ("scheduler", [DASK, "scheduler", "--host", "127.0.0.1", "--port",
                               address.rsplit(":", 1)[1], "--no-dashboard"]),
                ("workers", [DASK, "worker", address, "--nworkers", "2", "--nthreads", "1",
                             "--no-dashboard"])):
            with open(logs / f"{name}.log", "w") as log:
                started.append(subprocess.Popen(command, cwd=ROOT,
                                                stdout=log, stderr=subprocess.STDOUT))
        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for process in reversed(started):
            process.terminate()
        for process in reversed(started):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with dask_cluster(tmp_path_factory.mktemp("dask")) as address:
        yield address


def _autograde(course: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "grading", "autograde", toy.NAME, *args],
                            cwd=course, capture_output=True, text=True, timeout=400,
                            check=False)
    if check:
        assert result.returncode == 0, (f"autograde {' '.join(args)} failed:\n"
                                        f"{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return result


def _progress(output: str) -> list[str]:
    """The students of the progress lines ([i/n] student ...), in order."""
    return re.findall(r"^\[\s*\d+/\d+\] (\S+)", output, flags=re.MULTILINE)


def _grades(course: Path) -> dict[str, dict[str, tuple]]:
    """student -> {cell: (auto score, needs manual grade)} from the class gradebook."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        return {s.student.id: {g.name: (g.auto_score, g.needs_manual_grade)
                               for nb in s.notebooks for g in nb.grades}
                for s in gradebook.find_assignment(toy.NAME).submissions}


def _status(course: Path) -> dict[str, dict]:
    with open(course / "grades" / f"{toy.NAME}-autograde.csv") as f:
        rows = list(csv.DictReader(f))
    names = [row["student"] for row in rows]
    assert len(names) == len(set(names)), f"a student has two rows in the status table: {names}"
    return {row["student"]: row for row in rows}


@pytest.mark.minutes(5)
def test_the_exchange_class_through_the_cluster(tmp_path, cluster, subtests):
    """One test (subtests), so that parallel test runs grade this class once."""
    from distributed import Client

    local, students = exchange_class(tmp_path)
    remote = tmp_path / "remote"
    shutil.copytree(local, remote)
    _autograde(local, "--jobs", "2", "--cell-timeout", "2")
    output = _autograde(remote, "--cluster", cluster, "--cell-timeout", "2").stdout

    with subtests.test("exactly the grades of the local route"):
        by_cluster, by_pool = _grades(remote), _grades(local)
        assert sorted(by_cluster) == sorted(students), "not every student is in the gradebook"
        differ = {s: (by_pool.get(s), by_cluster[s]) for s in students
                  if by_cluster[s] != by_pool.get(s)}
        assert differ == {}, f"the cluster graded these students differently: {differ}"
    status, local_status = _status(remote), _status(local)
    with subtests.test("the status rows of the local route, with the expected scores"):
        for student, (_answers, _step, expected, score, note) in students.items():
            row = status[student]
            assert (row["status"], float(row["score"])) == (expected, score), \
                f"{student}: expected {expected} with {score} points, got {row}"
            assert note in row["notes"], f"{student}: expected '{note}' in the note: {row}"
            assert (row["status"], row["notes"]) == (local_status[student]["status"],
                                                     local_status[student]["notes"]), \
                f"{student}: the routes' rows differ: {row} vs {local_status[student]}"
    with subtests.test("graded by the cluster's workers, one progress line each"):
        with Client(cluster, timeout=30) as client:
            pids = set(client.run(os.getpid).values())
        graders = {int(row["worker"].rsplit(":", 1)[1]) for row in status.values()}
        assert graders == pids, f"the cluster's workers {pids} did not grade the class: {graders}"
        assert f"on {cluster}" in output, "the progress does not say where it grades"
        assert sorted(_progress(output)) == sorted(students), \
            "each student needs exactly one progress line"
        graded = remote / "autograded" / "prints_megabytes" / toy.NAME / f"{toy.NAME}.ipynb"
        assert "output truncated" in graded.read_text(), \
            "the autograded notebook did not come back from the worker"

    with subtests.test("a re-run grades only the changed submissions"):
        _rerun_grades_only_the_changed(remote, students, cluster)


def _rerun_grades_only_the_changed(course: Path, students: dict, cluster: str) -> None:
    changed = {"s00_right": toy.WRONG_SIGN, "s01_wrong_sign": toy.RIGHT}
    autograded = {s: course / "autograded" / s / toy.NAME / f"{toy.NAME}.ipynb"
                  for s in students}
    before = {s: path.stat().st_mtime_ns for s, path in autograded.items() if path.exists()}
    for student, answers in changed.items():
        path = course / "submitted" / student / toy.NAME / f"{toy.NAME}.ipynb"
        nbformat.write(toy.answer(nbformat.read(path, as_version=4), answers), path)

    output = _autograde(course, "--cluster", cluster, "--cell-timeout", "2").stdout
    assert sorted(_progress(output)) == sorted(changed), \
        f"expected only {sorted(changed)} to be graded:\n{output[-3000:]}"
    assert f"skipped {CLASS_SIZE - 2} unchanged" in output, output[-3000:]
    touched = sorted(s for s, mtime in before.items()
                     if autograded[s].stat().st_mtime_ns != mtime)
    assert touched == sorted(changed), f"autograded/ rewritten for {touched}"
    status, scores = _status(course), _grades(course)
    assert len(status) == CLASS_SIZE, "the status table lost the skipped students"
    for student, expected in (("s00_right", 3), ("s01_wrong_sign", 5)):
        got = sum(score or 0 for score, _ in scores[student].values())
        assert got == expected, f"{student} changed their answers; scored {got}, not {expected}"

    again = _autograde(course, "--cluster", cluster, "--cell-timeout", "2").stdout
    assert _progress(again) == [] and f"all {CLASS_SIZE} submissions unchanged" in again, \
        f"a third run must grade no one:\n{again[-2000:]}"
    forced = _autograde(course, "--cluster", cluster, "--cell-timeout", "2",
                        "--students", "s02_naive_split", "--force").stdout
    assert _progress(forced) == ["s02_naive_split"], f"--force did not regrade:\n{forced}"


def _small_class(course: Path, answers: dict[str, dict]) -> None:
    """A fresh course where each student hands in their answers (student -> answers), not
    through the exchange: these tests are about workers, not submissions."""
    from exercise_tools import generate_assignment

    (course / "solutions" / toy.NAME).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(toy.config_text())
    nbformat.write(toy.source_notebook(), course / "solutions" / toy.NAME / f"{toy.NAME}.ipynb")
    generate_assignment(course, toy.NAME)
    release = course / "exercises" / toy.NAME / f"{toy.NAME}.ipynb"
    for student, theirs in answers.items():
        folder = course / "submitted" / student / toy.NAME
        folder.mkdir(parents=True)
        nbformat.write(toy.answer(nbformat.read(release, as_version=4), theirs),
                       folder / f"{toy.NAME}.ipynb")


# Right, and slow enough to be killed in the middle of: the victim of the tests below.
SLOW = {**toy.RIGHT, "square": toy.RIGHT["square"] + "\nimport time\ntime.sleep(4)"}
# What Dask's nanny sets in its worker processes, for their own threads: not for kernels.
DASK_ENVIRONMENT = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "MALLOC_TRIM_THRESHOLD_", "PYTHONHASHSEED")
SHOWS_ITS_ENVIRONMENT = {**toy.RIGHT, "square": toy.RIGHT["square"] + (
    f"\nimport os\nprint('ENVIRONMENT', {{k: os.environ.get(k) for k in {DASK_ENVIRONMENT}}})")}
CLASS_WITH_A_VICTIM = {"slow": SLOW, "fast1": SHOWS_ITS_ENVIRONMENT, "fast2": toy.RIGHT,
                       "fast3": toy.RIGHT}


def _start_grading(course: Path, address: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "grading", "autograde", toy.NAME,
                             "--cluster", address, "--cell-timeout", "20"], cwd=course,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _kill_the_slow_students_worker(address: str, grading: subprocess.Popen) -> int:
    """Wait until a worker has been grading the slow student for a second, then SIGKILL
    that worker process (its nanny starts a new one); its pid."""
    from distributed import Client

    with Client(address, timeout=30) as client:
        since, deadline = None, time.monotonic() + 120
        while time.monotonic() < deadline and grading.poll() is None:
            executing = client.run(lambda dask_worker: [
                str(ts.key) for ts in dask_worker.state.executing])
            grader = next((w for w, keys in executing.items()
                           if any("-slow-" in key for key in keys)), None)
            since = (since or time.monotonic()) if grader else None
            if grader and time.monotonic() - since > 1:
                pid = client.run(os.getpid, workers=[grader])[grader]
                os.kill(pid, signal.SIGKILL)
                return pid
            time.sleep(0.1)
    raise AssertionError("no worker was seen grading the slow student for a second")


@contextmanager
def _allowed_failures(address: str, count: int):
    """The scheduler's `allowed-failures` set to `count` for a while."""
    from distributed import Client

    def set_to(value, dask_scheduler=None):
        previous, dask_scheduler.allowed_failures = dask_scheduler.allowed_failures, value
        return previous

    with Client(address, timeout=30) as client:
        previous = client.run_on_scheduler(set_to, count)
        try:
            yield
        finally:
            client.run_on_scheduler(set_to, previous)


@pytest.mark.minutes(1)
def test_workers_killed_mid_student(tmp_path, cluster):
    """First with a scheduler that gives up on a task when its worker dies: the student
    gets no verdict, and no grades. Then the next run grades exactly those students, and
    when the worker grading the slow one is killed again, Dask gives that student to
    another worker: every student ends graded once, with the right score. (And the
    kernels do not inherit the thread limits Dask sets for its worker processes.)"""
    course = tmp_path / "course"
    _small_class(course, CLASS_WITH_A_VICTIM)
    with _allowed_failures(cluster, 0):
        grading = _start_grading(course, cluster)
        _kill_the_slow_students_worker(cluster, grading)
        output, _ = grading.communicate(timeout=300)
    assert grading.returncode == 0, output[-3000:]
    status = _status(course)
    lost = sorted(s for s, row in status.items() if row["status"] == "FAILED")
    assert "slow" in lost, f"the killed worker's student got a verdict: {status}"
    for student in lost:
        assert "KilledWorker" in status[student]["notes"] and \
            "graded again on the next run" in status[student]["notes"], status[student]
    assert sorted(_grades(course)) == sorted(set(status) - set(lost)), \
        "a student without verdict must not get grades in the gradebook"

    grading = _start_grading(course, cluster)
    killed = _kill_the_slow_students_worker(cluster, grading)
    output, _ = grading.communicate(timeout=300)
    assert grading.returncode == 0, output[-3000:]
    assert sorted(_progress(output)) == lost, \
        f"the next run must grade {lost}, each once:\n{output[-3000:]}"
    status = _status(course)
    assert sorted(status) == sorted(CLASS_WITH_A_VICTIM), f"one row per student: {status}"
    assert {row["status"] for row in status.values()} == {"ok"}, output[-3000:]
    scores = _grades(course)
    wrong = {s: cells for s, cells in scores.items()
             if sum(score or 0 for score, _ in cells.values()) != toy.MAX_AUTO}
    assert sorted(scores) == sorted(CLASS_WITH_A_VICTIM) and wrong == {}, \
        f"wrong or missing grades: {scores}"
    assert not status["slow"]["worker"].endswith(f":{killed}"), \
        f"the slow student was graded by the worker that was killed: {status['slow']}"
    graded = course / "autograded" / "fast1" / toy.NAME / f"{toy.NAME}.ipynb"
    shown = "".join(o.get("text", "") for c in nbformat.read(graded, as_version=4).cells
                    for o in c.get("outputs", []))
    expected = {k: os.environ.get(k) for k in DASK_ENVIRONMENT}  # what the workers started with
    assert f"ENVIRONMENT {expected}" in shown, \
        f"a kernel on a Dask worker must see the worker's environment, not Dask's: {shown}"


def test_an_unreachable_scheduler_is_one_line_saying_what_to_start(tmp_path):
    course = tmp_path / "course"  # the check comes before any grading work
    (course / "solutions" / toy.NAME).mkdir(parents=True)
    (course / "submitted" / "s0" / toy.NAME).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(toy.config_text())
    address = f"tcp://127.0.0.1:{_free_port()}"
    result = _autograde(course, "--cluster", address, check=False)
    assert result.returncode != 0, "grading against no scheduler must fail"
    message = result.stderr.strip().splitlines()
    assert len(message) == 1 and f"cannot reach a Dask scheduler at {address}" in message[0] \
        and "dask scheduler" in message[0] and "dask worker" in message[0], result.stderr


def test_a_worker_without_bubblewrap_fails_the_student_with_a_reason(tmp_path, monkeypatch):
    course = tmp_path / "course"
    _small_class(course, {"s0": toy.RIGHT})
    kit = make_kit(course, toy.NAME, f"sqlite:///{course / 'gradebook.db'}",
                   cell_timeout=5, student_timeout=60)
    submission, _ = bundle.pack(course / "submitted" / "s0" / toy.NAME)
    monkeypatch.setenv("PATH", str(Path(sys.executable).parent))  # no bwrap on this PATH
    sandbox.problem.cache_clear()
    try:
        result = worker.grade_submission(kit, "s0", submission)
    finally:
        sandbox.problem.cache_clear()
    assert result["machine"] and result["grades"] is None, f"no verdict expected: {result}"
    assert "cannot sandbox" in result["failure"] and "bubblewrap" in result["failure"], result


def test_a_checkout_under_tmp_is_visible_in_the_sandbox(tmp_path):
    """A worker may run from a checkout in a batch job's scratch folder under /tmp, which
    the sandbox covers with the kernel's private /tmp: its helpers/ must stay in sight."""
    checkout = tmp_path / "checkout"  # pytest's tmp_path is under /tmp
    assert checkout.resolve().is_relative_to(Path(tempfile.gettempdir())), \
        f"this test needs a folder under {tempfile.gettempdir()}, not {checkout}"
    for package in ("grading", "helpers"):
        shutil.copytree(ROOT / package, checkout / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "work").mkdir()
    probe = ("import sys; from pathlib import Path; from grading import sandbox; "
             "command = sandbox.bwrap_command([sys.executable, '-c', 'import helpers; "
             "print(helpers.__file__)'], cwd=Path(sys.argv[1]), writable=[Path(sys.argv[1])], "
             "tmp_bytes=2**26); import subprocess; subprocess.run(command, check=True)")
    result = subprocess.run([sys.executable, "-c", probe, str(tmp_path / "work")],
                            cwd=tmp_path / "work", capture_output=True, text=True, check=False,
                            timeout=120, env={**os.environ, "PYTHONPATH": str(checkout)})
    assert result.stdout.strip() == str(checkout / "helpers" / "__init__.py"), \
        f"the sandboxed kernel did not see the checkout's helpers/: {result}"

