"""The grading sandbox, with real bubblewrap: a student per thing student code must not do,
graded by `python -m grading autograde` on the TensorFlow-free toy assignment. Each one
answers the tasks correctly, so what it earns and its status show only what the sandbox
did; afterwards the course is unchanged and the grader is alive."""

from __future__ import annotations

import csv
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import nbformat
import pytest

import toy_assignment as toy
from exercise_tools import generate_assignment
from grading import sandbox

pytestmark = pytest.mark.skipif(sandbox.problem() is not None,
                                reason=f"no usable bubblewrap: {sandbox.problem()}")


def _students(course: Path, port: int) -> dict[str, tuple[str, str, str]]:
    """student -> (code appended to the square task, expected status, words in the note)."""
    secrets = [course / "solutions" / toy.NAME / f"{toy.NAME}.ipynb", course / "gradebook.db"]
    return {
        "reads_by_absolute_path": (
            "for path in %r:\n"
            "    try:\n        print('LEAKED', open(path, 'rb').read()[:20])\n"
            "    except OSError as error:\n        print('refused', error)" % [str(p) for p in secrets],
            "ok", ""),
        "walks_up": (
            "import os\nseen = []\npath = os.getcwd()\n"
            "while True:\n    seen += os.listdir(path)\n"
            "    if path == '/':\n        break\n    path = os.path.dirname(path)\n"
            "print('LEAKED' if {'solutions', 'gradebook.db', 'submitted'} & set(seen) else 'nothing',"
            " sorted(seen))", "ok", ""),
        "writes_above_its_folder": (
            "for path in ['../../escaped.txt', %r, '/escaped.txt', '/tmp/escaped.txt']:\n"
            "    try:\n        open(path, 'w').write('x')\n    except OSError as error:\n"
            "        print('refused', error)" % str(course / "escaped.txt"), "ok", ""),
        "connects_to_a_local_port": (
            "import socket\ntry:\n"
            f"    socket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
            "    print('LEAKED: connected')\nexcept OSError as error:\n    print('refused', error)",
            "ok", ""),
        "forks_without_end": (
            "import os\nwhile True:\n    if os.fork() == 0:\n        import time\n"
            "        time.sleep(60)\n        os._exit(0)", "FAILED", "more processes"),
        "allocates_30_gb": (
            "import numpy as np\nhog = [np.ones(2**27) for _ in range(30)]  # 1 GiB each",
            "FAILED", "more memory"),
        "writes_a_huge_file": (
            "chunk = b'0' * 2**20\nwith open('huge.bin', 'wb') as f:\n"
            "    for _ in range(50 * 1024):\n        f.write(chunk)", "FAILED", "larger than"),
        "kills_its_parent": (
            "import os, signal\nfor pid in (os.getppid(), 1):\n    try:\n"
            "        os.kill(pid, signal.SIGKILL)\n    except OSError as error:\n"
            "        print('refused', error)", None, ""),
    }


def _serve(server: socket.socket, accepted: list) -> None:
    try:
        connection, _ = server.accept()
        accepted.append(True)
        connection.close()
    except OSError:
        pass


# Every way of limiting a kernel this machine can run: its cgroups (v1 here; v2 where the
# machine has it) and prlimit alone, as on a host without cgroups.
LIMITS = [pytest.param(True, id=f"cgroup-{sandbox.cgroup_version()}"),
          pytest.param(False, id="prlimit-only")]


@pytest.mark.minutes(1.5)
@pytest.mark.parametrize("cgroups", LIMITS)
def test_student_code_reaches_nothing_of_the_course_and_hits_its_limits(tmp_path, cgroups):
    if cgroups and sandbox.cgroup_version() == "none":
        pytest.skip("this machine lets us make no cgroup")
    course = tmp_path / "course"
    (course / "solutions" / toy.NAME).mkdir(parents=True)
    config = toy.config_text()
    # Small limits keep the test fast: 1 GiB of memory, 64 processes, 64 MiB files.
    config += ("\nc.SandboxedKernelManager.memory_gib = 1\n"
               "c.SandboxedKernelManager.max_processes = 64\n"
               "c.SandboxedKernelManager.max_file_mib = 64\n"
               f"c.SandboxedKernelManager.use_cgroups = {cgroups}\n"
               "c.SandboxedKernelManager.address_space_gib = 4\n")
    (course / "nbgrader_config.py").write_text(config)
    nbformat.write(toy.source_notebook(), course / "solutions" / toy.NAME / f"{toy.NAME}.ipynb")
    generate_assignment(course, toy.NAME)
    release = course / "exercises" / toy.NAME / f"{toy.NAME}.ipynb"
    server = socket.create_server(("127.0.0.1", 0))
    accepted: list = []
    threading.Thread(target=_serve, args=(server, accepted), daemon=True).start()
    students = _students(course, server.getsockname()[1])
    if not cgroups and os.geteuid() == 0:
        # Linux exempts root from RLIMIT_NPROC: without a cgroup nothing caps a root
        # grader's kernel's processes (book/instructors.md says so).
        del students["forks_without_end"]
    for student, (code, _, _) in {**students, "honest": ("", "ok", "")}.items():
        nb = toy.answer(nbformat.read(release, as_version=4),
                        {**toy.RIGHT, "square": toy.RIGHT["square"] + "\n" + code})
        folder = course / "submitted" / student / toy.NAME
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{toy.NAME}.ipynb")
    before = sorted(p.relative_to(course) for p in course.rglob("*"))

    result = subprocess.run([sys.executable, "-m", "grading", "autograde", toy.NAME,
                             "--jobs", "2", "--cell-timeout", "20"], cwd=course,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    server.close()
    with open(course / "grades" / f"{toy.NAME}-autograde.csv") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == set(students) | {"honest"}, "every student graded once"
    assert rows["honest"]["status"] == "ok" and float(rows["honest"]["score"]) == toy.MAX_AUTO
    for student, (_, status, words) in students.items():
        row = rows[student]
        if status:
            assert row["status"] == status, f"{student}: {row}"
        assert words in row["notes"], f"{student}: expected '{words}' in the note: {row}"
        graded = course / "autograded" / student / toy.NAME / f"{toy.NAME}.ipynb"
        if graded.exists():
            shown = "".join(str(output.get("text", "")) + str(output.get("evalue", ""))
                            for cell in nbformat.read(graded, as_version=4).cells
                            for output in cell.get("outputs", []))
            assert "LEAKED" not in shown, f"{student} reached the course: {shown[-1500:]}"
        if status == "ok":
            assert float(row["score"]) == toy.MAX_AUTO, f"{student}: {row}"
    assert not accepted, "a student connected to a port on the grader's machine"
    for escaped in (course / "escaped.txt", course / "submitted" / "escaped.txt",
                    Path("/escaped.txt")):
        assert not escaped.exists(), f"a student wrote {escaped}"
    after = {p.relative_to(course) for p in course.rglob("*")}
    assert set(before) <= after, "a student deleted part of the course"
    left = []  # this test's own fork bomb: pytest-xdist may grade the other one meanwhile
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            if str(course / "submitted" / "forks_without_end") in os.readlink(proc / "cwd"):
                left.append(proc.name)
        except OSError:
            pass
    assert not left, f"the fork bomb's processes outlived its grading: {left}"


def test_grading_refuses_to_run_unsandboxed_unless_told(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no bwrap on this PATH
    sandbox.problem.cache_clear()
    try:
        assert "not installed" in sandbox.problem()
        with pytest.raises(sandbox.SandboxUnavailable, match="--no-sandbox"):
            sandbox.require()
        monkeypatch.setenv(sandbox.OFF_SWITCH, "off")
        sandbox.require()  # turned off on purpose: allowed
    finally:
        sandbox.problem.cache_clear()
