"""Autograde one student's submission, sent as bytes, on whichever machine runs this: the
one grading function of both routes (a local cluster and a Dask cluster, see
`grading.autograde`), so the two cannot grade differently.

A task carries the submission (a bundle of `submitted/<student>/<assignment>/`) and the
assignment's kit (the course's nbgrader_config.py, a gradebook holding the assignment but
no student, compressed, the assignment's non-notebook files). Each worker process builds a private
scratch course from a kit once, loads nbgrader's autograder into it, and keeps it for
the next students with the same kit. Only the submission being graded is in the scratch
course, so the student's kernel (whose working directory is inside it) finds neither
`solutions/`, nor the class gradebook, nor anyone else's work by relative path; the kernel
itself runs in bubblewrap (grading/sandbox.py, set in nbgrader_config.py), so absolute
paths find nothing either. The result goes back as a plain dict with the autograded
notebooks as bytes; only the instructor's process writes the class gradebook.

What the kernel imports (helpers/, the data, the venv) comes from the worker's own
checkout of the course, so a worker refuses a kit made from other `grading/` or
`helpers/` code: the student would be graded by other code than the instructor's.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import warnings
import zlib
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

from grading import bundle, questions, sandbox

MAX_RETURNED_FILE = 50 * bundle.MIB  # a file the student's code wrote stays on the worker
LOG_TAIL = 20_000  # characters of kernel and library chatter returned per student
_KEEP_KITS = 3  # scratch courses a long-lived worker keeps (one per assignment kit)
_kits: OrderedDict = OrderedDict()  # kit hash -> _Scratch, most recently used last
# nbgrader's app, the sandbox's record of the last kernel and file descriptor 2 belong to
# the process: a worker started with several threads still grades one student at a time.
_one_at_a_time = threading.Lock()

# What nbgrader logs when a submission cannot be graded, and what the instructor reads.
_FAILURES = (
    ("NotJSONError", "notebook is not valid JSON"),
    ("does not appear to be JSON", "notebook is not valid JSON"),
    ("DeadKernelError", "the student's code killed its kernel"),
    ("Kernel died", "the student's code killed its kernel"),
    ("kernel became unresponsive", "kernel unresponsive (interrupt failed)"),
    ("ValidationError", "notebook is not a valid notebook file"),
)
_NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
_STARTUP_FAILURES = ("Kernel didn't respond", "Address already in use")


class MachineProblem(RuntimeError):
    """This worker cannot grade anyone (no sandbox, another checkout): no verdict on the
    student, who is graded again on the next run."""


class _Collect(logging.Handler):
    """Keeps the warnings and errors nbgrader logs while one student is graded."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def code_version(root: Path = sandbox.ROOT) -> str:
    """A hash of the code that decides a score besides nbgrader: grading/ and helpers/."""
    return bundle.digest(bundle.tree_digest(root / "grading"), bundle.tree_digest(root / "helpers"))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def worker_problem(sandboxed: bool, code: str | None) -> str | None:
    """Why this process cannot grade for a kit (None when it can): asked of every worker
    before a run, and again when a worker builds a kit's scratch course."""
    where = f"worker {worker_name()}"
    if not (sandbox.ROOT / "helpers" / "__init__.py").is_file():
        return (f"{where} has no helpers/ beside {sandbox.ROOT / 'grading'}: start it from a "
                "checkout of the course (cd course && make setup && dask worker ...)")
    if code is not None and code_version() != code:
        return (f"{where} runs other grading/ or helpers/ code than the instructor's "
                f"({sandbox.ROOT}): update that checkout (git pull) and restart the worker")
    if sandboxed and sandbox.problem():
        return f"{where} cannot sandbox student code: {sandbox.problem()}"
    return None


def cell_timeout_left(per_cell: float, deadline: float, now: float) -> int:
    """Seconds for the next cell: the per-cell limit, but never more than the student has
    left before `deadline` (and at least 1, so a late cell fails by timeout, not at once)."""
    return max(1, int(min(per_cell, deadline - now)))


@contextmanager
def _output_to(file):
    """Send file descriptors 1 and 2 (what kernels, nbgrader and TensorFlow print) to
    `file` for a while: it belongs to the student's log, not to the worker's terminal."""
    saved = []
    for stream, fd in ((sys.stdout, 1), (sys.stderr, 2)):
        stream.flush()
        saved.append(os.dup(fd))
        os.dup2(file.fileno(), fd)
    try:
        yield
    finally:
        for stream, fd in ((sys.stdout, 1), (sys.stderr, 2)):
            stream.flush()
            os.dup2(saved[fd - 1], fd)
            os.close(saved[fd - 1])


def _tail(file, characters: int) -> str:
    size = file.seek(0, os.SEEK_END)
    file.seek(max(0, size - 4 * characters))
    return file.read().decode(errors="replace")[-characters:]


def grade_submission(kit: dict, student: str, submission: bytes) -> dict:
    """Autograde one student (`submission`: a bundle of their submitted folder).

    Never raises for anything the student did. Returns student, failure (None or why it
    scored 0), machine (True when the failure is the worker's, not a verdict), notes,
    grades (the scratch gradebook's record, for `autograde.merge`), autograded (a bundle of
    the autograded folder, or None), seconds, worker (host:pid) and log (stderr's tail).
    """
    with _one_at_a_time, tempfile.TemporaryFile() as log:
        with _output_to(log):
            try:
                result = _scratch_for(kit).grade(student, submission)
            except MachineProblem as problem:
                result = machine_failure(student, str(problem))
        result.update(worker=worker_name(), log=_tail(log, LOG_TAIL))
    return result


def machine_failure(student: str, why: str) -> dict:
    return {"student": student, "failure": why, "machine": True, "notes": [], "grades": None,
            "autograded": None, "seconds": 0.0}


def _scratch_for(kit: dict) -> _Scratch:
    """The scratch course of this kit, built on first use; old kits' courses are removed."""
    scratch = _kits.get(kit["hash"])
    if scratch is None:
        scratch = _kits[kit["hash"]] = _Scratch(kit)
        while len(_kits) > _KEEP_KITS:
            _kits.popitem(last=False)[1].close()
    _kits.move_to_end(kit["hash"])
    # The instructor's choice, not this machine's: a worker started with the sandbox off
    # still sandboxes a kit that asks for it.
    os.environ[sandbox.OFF_SWITCH] = "on" if kit["sandbox"] else "off"
    _without_dask_environment()
    os.chdir(scratch.root)  # nbgrader and the kernels resolve paths from here
    return scratch


def _without_dask_environment() -> None:
    """Dask's nanny gives its worker processes OMP_NUM_THREADS=1 (MKL_ and OPENBLAS_ too),
    MALLOC_TRIM_THRESHOLD_ and PYTHONHASHSEED=6640, meant for the worker itself; student
    kernels started from it inherited them (their NumPy and TensorFlow on one thread, a
    fixed hash seed). Drop each one still at Dask's value, so that a kernel sees what it
    sees under plain nbgrader; values the worker was started with, where they differ from
    Dask's, stay."""
    try:
        import dask
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):  # not in a Dask worker: nothing was added
        return
    added = {**dask.config.get("distributed.nanny.pre-spawn-environ", {}),
             "PYTHONHASHSEED": 6640}
    for name, value in added.items():
        if value is not None and os.environ.get(name) == str(value):
            del os.environ[name]


def _scratch_space() -> str | None:
    """The Dask worker's own folder, which Dask removes when the worker stops and, after a
    worker was killed, when the next one starts; outside a worker, the temporary folder."""
    try:
        from distributed import get_worker

        return get_worker().local_directory
    except (ImportError, ValueError):  # ValueError: not running in a Dask worker
        return None


class _Scratch:
    """A private course for one kit: its config, a gradebook without students, nbgrader's
    autograder loaded once."""

    def __init__(self, kit: dict):
        problem = worker_problem(kit["sandbox"], kit["code_version"])
        if problem:
            raise MachineProblem(problem)
        self.assignment = assignment = kit["assignment"]
        os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
        warnings.filterwarnings("ignore", module="nbgrader")
        base = _scratch_space()
        self.root = Path(tempfile.mkdtemp(prefix=f"autograde-{assignment}-", dir=base))
        self.db_folder = Path(tempfile.mkdtemp(prefix="autograde-db-", dir=base))  # not in it
        atexit.register(self.close)
        (self.root / "nbgrader_config.py").write_text(kit["config"])
        secret = self.root / questions.SECRET_FILE  # outside every student's sandbox
        secret.write_text(kit["secret"])
        secret.chmod(0o600)
        if kit["assignment_files"]:  # nbgrader copies these "master versions" into each
            bundle.unpack(kit["assignment_files"], self.root / "solutions" / assignment)
        db = self.db_folder / "gradebook.db"
        db.write_bytes(zlib.decompress(kit["gradebook"]))
        os.chdir(self.root)  # nbgrader also reads nbgrader_config.py from the working dir
        from nbgrader.api import Gradebook
        from nbgrader.apps.autogradeapp import AutogradeApp
        from nbgrader.preprocessors import Execute

        app = AutogradeApp()
        app.initialize([assignment, "--force", "--log-level=WARN",
                        f"--CourseDirectory.root={self.root}",
                        f"--CourseDirectory.db_url=sqlite:///{db}"])
        app.coursedir.assignment_id = assignment
        for handler in list(app.log.handlers):  # progress is the parent's job
            app.log.removeHandler(handler)
        self.collect = _Collect()
        app.log.addHandler(self.collect)
        app.log.propagate = False
        per_cell = kit["cell_timeout"] or Execute(parent=app).timeout
        self.student_timeout = kit["student_timeout"]
        self.deadline = 0.0
        app.config.Execute.timeout_func = lambda cell: cell_timeout_left(
            per_cell, self.deadline, time.monotonic())
        # Kernels talk over Unix sockets in the scratch folder: with TCP, kernels started
        # at the same moment by two workers can pick the same free port, and one of them
        # never starts (seen once in 50 students with two workers).
        app.config.KernelManager.transport = "ipc"
        app.config.KernelManager.ip = str(self.root / "kernel")
        self.app, self.db_url = app, f"sqlite:///{db}"
        with Gradebook(self.db_url) as gradebook:
            self.expected = [f"{nb.name}.ipynb"
                             for nb in gradebook.find_assignment(assignment).notebooks]

    def close(self) -> None:
        for folder in (self.root, self.db_folder):
            shutil.rmtree(folder, ignore_errors=True)

    def grade(self, student: str, submission: bytes) -> dict:
        """A kernel that fails to start is the machine's fault, not the student's: retry
        once, and if it fails again, no verdict."""
        result = self._grade_once(student, submission)
        if result.pop("startup_failed"):
            result = self._grade_once(student, submission)
            if result.pop("startup_failed"):
                return machine_failure(student, "no kernel would start on this worker ("
                                       f"{result['failure']})")
            result["notes"].append("graded on the second try (the first kernel did not start)")
        return result

    def _grade_once(self, student: str, submission: bytes) -> dict:
        from nbgrader.api import Gradebook, MissingEntry
        from nbgrader.converters import Autograde
        from nbgrader.converters.base import NbGraderException

        app, assignment = self.app, self.assignment
        began = time.monotonic()
        self.deadline = began + self.student_timeout
        for folder in ("submitted", "autograded"):
            shutil.rmtree(self.root / folder, ignore_errors=True)
        work = self.root / "submitted" / student / assignment
        bundle.unpack(submission, work)
        notes = _fix_names(work, self.expected)
        if not any((work / name).exists() for name in self.expected):
            found = ", ".join(sorted(p.name for p in work.iterdir()
                                     if p.name not in _NBGRADER_FILES))
            return {"student": student, "notes": notes, "grades": None, "seconds": 0.0,
                    "autograded": None, "startup_failed": False, "machine": False,
                    "failure": "no notebook of this assignment in the submission "
                               f"(found: {found or 'nothing'})"}

        self.collect.messages.clear()
        app.coursedir.student_id = student
        failure, log = None, ""
        try:
            Autograde(coursedir=app.coursedir, parent=app).start()
        except NbGraderException:
            log = "\n".join(self.collect.messages)
            failure = next((why for pattern, why in _FAILURES if pattern in log),
                           "nbgrader could not grade it: " + _last_error(self.collect.messages))
        except Exception as error:  # noqa: BLE001 - one student's odd file must not stop all
            failure = f"nbgrader could not grade it: {type(error).__name__}: {error}"

        limit = sandbox.last_limit_hit()
        if limit:  # the sandbox stopped the kernel: say which limit, not "killed its kernel"
            failure = sandbox.LIMIT_MESSAGES[limit]
        graded, autograded = self.root / "autograded" / student / assignment, None
        if graded.exists():
            notes += _output_notes(graded)
            if any("too large" in note for note in notes) and not failure:
                failure = sandbox.LIMIT_MESSAGES["file size"]
            if any("out of memory" in note for note in notes) and not failure:
                failure = sandbox.LIMIT_MESSAGES["memory"]
            if time.monotonic() > self.deadline:
                notes.append(f"used up the {self.student_timeout:.0f} s allowed per student")
            autograded, left_out = bundle.pack(graded, max_file_bytes=MAX_RETURNED_FILE)
            notes += [f"autograded/: {note}" for note in left_out]
        with Gradebook(self.db_url) as gradebook:
            grades = _read_grades(gradebook, assignment, student)
            if grades is not None:  # leave the scratch gradebook without students again
                gradebook.remove_submission(assignment, student)
            try:
                gradebook.remove_student(student)
            except MissingEntry:  # nbgrader failed before it created the student
                pass
        for folder in ("submitted", "autograded"):
            shutil.rmtree(self.root / folder, ignore_errors=True)
        return {"student": student, "failure": failure, "machine": False, "notes": notes,
                "grades": grades, "autograded": autograded,
                "seconds": round(time.monotonic() - began, 1),
                "startup_failed": any(pattern in log for pattern in _STARTUP_FAILURES)}


def _fix_names(folder: Path, expected: list[str]) -> list[str]:
    """Grade a lone renamed notebook under its expected name; report what is off."""
    notes = []
    present = sorted(p.name for p in folder.glob("*.ipynb"))
    missing = [name for name in expected if name not in present]
    unknown = [name for name in present if name not in expected]
    if len(missing) == 1 and len(unknown) == 1:
        (folder / unknown[0]).rename(folder / missing[0])
        notes.append(f"graded {unknown[0]} as {missing[0]}")
        missing, unknown = [], []
    notes += [f"missing {name}" for name in missing]
    notes += [f"ignored extra notebook {name}" for name in unknown]
    return notes


def _read_grades(gradebook, assignment: str, student: str) -> dict | None:
    from nbgrader.api import MissingEntry

    try:
        submission = gradebook.find_submission(assignment, student)
    except MissingEntry:
        return None
    return {
        "timestamp": submission.timestamp.isoformat() if submission.timestamp else None,
        "notebooks": {
            nb.name: {
                "late_penalty": nb.late_submission_penalty,
                "grades": {g.name: [g.auto_score, g.needs_manual_grade] for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
            } for nb in submission.notebooks},
    }


def _output_notes(folder: Path) -> list[str]:
    """Cells stopped by a time limit, read from the graded notebooks."""
    import nbformat

    notes = []
    for path in sorted(folder.glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            for output in cell.get("outputs", []):
                name = cell.metadata.get("nbgrader", {}).get("grade_id", "a cell")
                if output.get("output_type") == "error" and "Timeout" in output.get("ename", ""):
                    notes.append(f"{name} stopped by the time limit")
                elif output.get("output_type") == "error" and "[Errno 27]" in output.get(
                        "evalue", ""):
                    notes.append(f"{name} wrote a file too large for the sandbox")
                elif output.get("ename") == "MemoryError":
                    notes.append(f"{name} ran out of memory")
    return notes


def _last_error(messages: list[str]) -> str:
    """The exception line of the last traceback nbgrader logged (its summary says nothing)."""
    tracebacks = [m for m in messages if "Traceback (most recent call last)" in m]
    lines = (tracebacks or messages or ["?"])[-1].strip().splitlines()
    return lines[-1][-300:] if lines else "?"
