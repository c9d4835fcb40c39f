"""One autograding worker process: nbgrader is loaded once, then students are graded one
at a time in a private scratch course.

The scratch course holds a gradebook with the assignment but no students, and only the
submission being graded, so the student's kernel (whose working directory is inside it)
finds neither `solutions/`, nor the class gradebook, nor anyone else's work by relative
path; the kernel itself runs in bubblewrap (grading/sandbox.py, set in
nbgrader_config.py), so absolute paths find nothing of the course either. Results go back to the parent as plain dicts; only the parent writes
the class gradebook.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import time
import warnings
from pathlib import Path

from grading import sandbox

_state: dict = {}

# What nbgrader logs when a submission cannot be graded, and what the instructor reads.
_FAILURES = (
    ("NotJSONError", "notebook is not valid JSON"),
    ("does not appear to be JSON", "notebook is not valid JSON"),
    ("DeadKernelError", "the student's code killed its kernel"),
    ("Kernel died", "the student's code killed its kernel"),
    ("kernel became unresponsive", "kernel unresponsive (interrupt failed)"),
    ("ValidationError", "notebook is not a valid notebook file"),
)


class _Collect(logging.Handler):
    """Keeps the warnings and errors nbgrader logs while one student is graded."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def cell_timeout_left(per_cell: float, deadline: float, now: float) -> int:
    """Seconds for the next cell: the per-cell limit, but never more than the student has
    left before `deadline` (and at least 1, so a late cell fails by timeout, not at once)."""
    return max(1, int(min(per_cell, deadline - now)))


def start(course_root: str, assignment: str, template_db: str, cell_timeout: float | None,
          student_timeout: float, log_path: str) -> None:
    """Pool initializer: build the scratch course and load nbgrader's autograder once."""
    os.chdir(course_root)  # nbgrader reads nbgrader_config.py from the working directory
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(log, 2)  # kernels' and libraries' chatter goes to the log, not the progress
    warnings.filterwarnings("ignore", module="nbgrader")
    scratch = Path(tempfile.mkdtemp(prefix=f"autograde-{assignment}-"))
    db = Path(tempfile.mkdtemp(prefix="autograde-db-")) / "gradebook.db"  # outside scratch
    shutil.copy(template_db, db)
    for folder in (scratch, db.parent):
        atexit.register(shutil.rmtree, folder, True)
    from nbgrader.apps.autogradeapp import AutogradeApp
    from nbgrader.preprocessors import Execute

    app = AutogradeApp()
    app.initialize([assignment, "--force", "--log-level=WARN",
                    f"--CourseDirectory.root={scratch}",
                    f"--CourseDirectory.db_url=sqlite:///{db}"])
    app.coursedir.assignment_id = assignment
    for handler in list(app.log.handlers):  # progress is the parent's job; keep stderr quiet
        app.log.removeHandler(handler)
    collect = _Collect()
    app.log.addHandler(collect)
    app.log.propagate = False
    per_cell = cell_timeout or Execute(parent=app).timeout
    deadline = [0.0]
    app.config.Execute.timeout_func = lambda cell: cell_timeout_left(
        per_cell, deadline[0], time.monotonic())
    # Kernels talk over Unix sockets in this worker's scratch folder: with TCP, kernels
    # started at the same moment by two workers can pick the same free port, and one of
    # them never starts (seen once in 50 students with two workers).
    app.config.KernelManager.transport = "ipc"
    app.config.KernelManager.ip = str(scratch / "kernel")
    _state.update(app=app, scratch=scratch, course=Path(course_root), assignment=assignment,
                  collect=collect, deadline=deadline, student_timeout=student_timeout)


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


_NBGRADER_FILES = ("timestamp.txt", "submission_secret.txt")
_STARTUP_FAILURES = ("Kernel didn't respond", "Address already in use")


def grade(student: str) -> dict:
    """Autograde one student's submission; never raises for anything the student did.

    A kernel that fails to start is the machine's fault, not the student's: retry once."""
    result = _grade_once(student)
    if result.pop("startup_failed"):
        result = _grade_once(student)
        result.pop("startup_failed")
        result["notes"].append("graded on the second try (the first kernel did not start)")
    return result


def _grade_once(student: str) -> dict:
    from nbgrader.api import Gradebook
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import NbGraderException

    s = _state
    app, scratch, assignment = s["app"], s["scratch"], s["assignment"]
    began = time.monotonic()
    s["deadline"][0] = began + s["student_timeout"]
    for folder in ("submitted", "autograded"):
        shutil.rmtree(scratch / folder, ignore_errors=True)
    work = scratch / "submitted" / student / assignment
    shutil.copytree(s["course"] / "submitted" / student / assignment, work)
    db_url = app.coursedir.db_url
    with Gradebook(db_url) as gradebook:
        expected = [f"{nb.name}.ipynb" for nb in gradebook.find_assignment(assignment).notebooks]
    notes = _fix_names(work, expected)
    if not any((work / name).exists() for name in expected):
        found = ", ".join(sorted(p.name for p in work.iterdir() if p.name not in _NBGRADER_FILES))
        return {"student": student, "notes": notes, "grades": None, "seconds": 0.0,
                "startup_failed": False, "failure": "no notebook of this assignment in the "
                f"submission (found: {found or 'nothing'})"}

    s["collect"].messages.clear()
    app.coursedir.student_id = student
    failure, log = None, ""
    try:
        Autograde(coursedir=app.coursedir, parent=app).start()
    except NbGraderException:
        log = "\n".join(s["collect"].messages)
        failure = next((why for pattern, why in _FAILURES if pattern in log),
                       "nbgrader could not grade it: " + _last_error(s["collect"].messages))
    except Exception as error:  # noqa: BLE001 - one student's odd file must not stop the class
        failure = f"nbgrader could not grade it: {type(error).__name__}: {error}"

    limit = sandbox.last_limit_hit()
    if limit:  # the sandbox stopped the kernel: say which limit, not "killed its kernel"
        failure = sandbox.LIMIT_MESSAGES[limit]
    graded = scratch / "autograded" / student / assignment
    if graded.exists():
        notes += _output_notes(graded)
        if any("too large" in note for note in notes) and not failure:
            failure = sandbox.LIMIT_MESSAGES["file size"]
        if any("out of memory" in note for note in notes) and not failure:
            failure = sandbox.LIMIT_MESSAGES["memory"]
        if time.monotonic() > s["deadline"][0]:
            notes.append(f"used up the {s['student_timeout']:.0f} s allowed per student")
        target = s["course"] / "autograded" / student / assignment
        shutil.rmtree(target, ignore_errors=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(graded), target)
    with Gradebook(db_url) as gradebook:
        grades = _read_grades(gradebook, assignment, student)
        if grades is not None:  # leave the scratch gradebook without students again
            gradebook.remove_submission(assignment, student)
        try:
            gradebook.remove_student(student)
        except Exception:  # noqa: BLE001 - absent when nbgrader failed before creating it
            pass
    return {"student": student, "failure": failure, "notes": notes, "grades": grades,
            "seconds": round(time.monotonic() - began, 1),
            "startup_failed": any(pattern in log for pattern in _STARTUP_FAILURES)}
