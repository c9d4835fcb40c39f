"""Autograde a whole class in parallel, on top of nbgrader.

`nbgrader autograde` grades students one after another (upstream issue #174). Here each
of `jobs` worker processes loads nbgrader once and grades one student at a time in a
scratch course of its own (see `grading.worker`); this process is the only one that
writes the class gradebook, merging each result as it arrives, so no grade is lost to
two writers and none is duplicated. A student whose submission cannot be graded gets 0
and a status saying why; the rest of the class is graded regardless.
"""

from __future__ import annotations

import csv
import multiprocessing
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor, as_completed
from datetime import datetime
from pathlib import Path

from grading import sandbox, worker

REPORTS = "grades"


def nbgrader(course: Path, *args: str, check: bool = True) -> str:
    """Run an nbgrader command in the course. On failure raise with its log tail, or with
    check=False return that tail ("" when it succeeded)."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    result = subprocess.run(command, cwd=course, capture_output=True, text=True)
    if result.returncode == 0:
        return ""
    if check:
        raise RuntimeError(f"`nbgrader {' '.join(args)}` failed:\n{result.stderr[-2000:]}")
    return result.stderr[-2000:]


def submitted_students(course: Path, assignment: str) -> list[str]:
    return sorted(p.parent.name for p in (course / "submitted").glob(f"*/{assignment}")
                  if p.is_dir())


def _source_grade_cells(course: Path, assignment: str) -> dict[str, float]:
    import nbformat

    cells = {}
    for path in sorted((course / "solutions" / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                cells[f"{path.stem}/{meta['grade_id']}"] = float(meta["points"])
    return cells


def register_assignment(course: Path, assignment: str, db_url: str) -> None:
    """Make the class gradebook's copy of the assignment match `solutions/`.

    `make exercises` uses a throwaway gradebook, so the class gradebook learns of an
    assignment (its cells, points and checksums, which autograde needs) here: when it is
    missing or its graded cells differ from the source. The student release it writes goes
    to a temporary folder, leaving `exercises/` untouched.
    """
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gradebook:
        try:
            known = {f"{nb.name}/{cell.name}": float(cell.max_score)
                     for nb in gradebook.find_assignment(assignment).notebooks
                     for cell in nb.grade_cells}
        except MissingEntry:
            known = None
    if known == _source_grade_cells(course, assignment):
        return
    print(f"{assignment}: registering the assignment in the gradebook", flush=True)
    with tempfile.TemporaryDirectory() as release:
        nbgrader(course, "generate_assignment", assignment, "--force", "--log-level=ERROR",
                 f"--CourseDirectory.release_directory={release}", f"--db={db_url}")


def template_gradebook(db_url: str, destination: Path) -> Path:
    """A copy of the class gradebook with every student removed, for the workers."""
    from nbgrader.api import Gradebook

    shutil.copy(db_url.removeprefix("sqlite:///"), destination)
    with Gradebook(f"sqlite:///{destination}") as gradebook:
        for student in gradebook.students:
            gradebook.remove_student(student.id)
    return destination


def merge(gradebook, assignment: str, result: dict) -> tuple[float, float]:
    """Write one student's autograded scores into the class gradebook.

    Manual scores and comments are never touched, so re-running autograde keeps them; a
    manually graded cell is flagged for review again only when the submission changed.
    A failed submission scores 0 on every cell. Returns (score, max_score).
    """
    from nbgrader.api import MissingEntry

    student, got = result["student"], result["grades"]
    if result["failure"]:
        got = None
    gradebook.update_or_create_student(student)
    try:
        previous = gradebook.find_submission(assignment, student).timestamp
    except MissingEntry:
        previous = None
    timestamp = datetime.fromisoformat(got["timestamp"]) if got and got["timestamp"] else None
    submission = gradebook.update_or_create_submission(
        assignment, student, **({"timestamp": timestamp} if timestamp else {}))
    resubmitted = previous is not None and timestamp is not None and previous != timestamp
    for notebook in submission.notebooks:
        mine = (got or {}).get("notebooks", {}).get(notebook.name)
        notebook.late_submission_penalty = mine["late_penalty"] if mine else None
        for grade in notebook.grades:
            auto, needs_review = (mine["grades"].get(grade.name, [0, False]) if mine
                                  else [0, False])
            grade.auto_score = auto
            if grade.manual_score is None:
                grade.needs_manual_grade = needs_review
            elif resubmitted:
                grade.needs_manual_grade = True
        for comment in notebook.comments:
            comment.auto_comment = mine["comments"].get(comment.name) if mine else None
    gradebook.db.commit()
    return submission.score, submission.max_score


def _duration(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def autograde(course: Path, assignment: str, *, jobs: int = 2, students=None,
              cell_timeout: float | None = None, student_timeout: float = 300,
              db_url: str | None = None) -> list[dict]:
    """Autograde every submission of `assignment` (or only `students`) with `jobs` workers.

    Prints one progress line per student and a summary table; writes the per-student
    status to grades/<assignment>-autograde.csv. Returns the rows of that table.
    """
    from nbgrader.api import Gradebook

    course = Path(course).resolve()
    db_url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    everyone = submitted_students(course, assignment)
    if not (course / "solutions" / assignment).is_dir():
        raise SystemExit(f"no assignment {assignment!r}: expected solutions/{assignment}/")
    missing = sorted(set(students or ()) - set(everyone))
    if missing:
        raise SystemExit(f"{assignment}: no submission from {', '.join(missing)} under "
                         f"submitted/<student>/{assignment}/ (run `nbgrader collect` first?)")
    todo = sorted(students) if students else everyone
    if not todo:
        print(f"{assignment}: no submissions under submitted/*/{assignment}/", flush=True)
        return []
    register_assignment(course, assignment, db_url)
    try:
        sandbox.require()
    except sandbox.SandboxUnavailable as error:
        raise SystemExit(f"{assignment}: {error}") from None
    if not sandbox.enabled():
        print(f"{assignment}: WARNING: the sandbox is off ({sandbox.OFF_SWITCH}=off): student "
              "code runs with your rights", flush=True)

    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes on every merge
    (course / REPORTS).mkdir(exist_ok=True)
    log = course / REPORTS / f"{assignment}-autograde.log"
    log.write_text("")
    rows, failures, began = [], 0, time.monotonic()
    print(f"{assignment}: autograding {len(todo)} submissions with {jobs} workers", flush=True)
    with tempfile.TemporaryDirectory() as tmp, Gradebook(db_url) as gradebook:
        template = template_gradebook(db_url, Path(tmp) / "template.db")
        pool = ProcessPoolExecutor(
            max_workers=max(1, min(jobs, len(todo))),
            mp_context=multiprocessing.get_context("spawn"), initializer=worker.start,
            initargs=(str(course), assignment, str(template), cell_timeout, student_timeout,
                      str(log)))
        with pool:
            futures = {pool.submit(worker.grade, student): student for student in todo}
            for future in as_completed(futures):
                try:
                    result = future.result()
                except Exception as error:  # noqa: BLE001 - a crashed worker fails its student
                    result = {"student": futures[future], "grades": None, "notes": [],
                              "seconds": 0.0, "failure": f"grader process failed "
                              f"({type(error).__name__}: {error}; see {log.name})"}
                score, max_score = merge(gradebook, assignment, result)
                failures += bool(result["failure"])
                row = {"student": result["student"],
                       "status": "FAILED" if result["failure"] else "ok",
                       "score": score, "max_score": max_score, "seconds": result["seconds"],
                       "notes": "; ".join(filter(None, [result["failure"], *result["notes"]]))}
                rows.append(row)
                elapsed = time.monotonic() - began
                left = elapsed / len(rows) * (len(todo) - len(rows))
                print(f"[{len(rows):>{len(str(len(todo)))}}/{len(todo)}] {row['student']:<16} "
                      f"{row['status']:<6} {score:5.1f}/{max_score:g}  {row['seconds']:5.1f} s"
                      f"  | failed {failures}, about {_duration(left)} left"
                      + (f"  ({row['notes']})" if row["notes"] else ""), flush=True)
    rows.sort(key=lambda row: row["student"])
    _report(course, assignment, rows, time.monotonic() - began)
    return rows


def _report(course: Path, assignment: str, rows: list[dict], seconds: float) -> None:
    path = course / REPORTS / f"{assignment}-autograde.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    width = max(len("student"), *(len(row["student"]) for row in rows))
    print(f"\n{'student':<{width}}  status  score        notes")
    for row in rows:
        score = f"{row['score']:5.1f}/{row['max_score']:<5g}"
        print(f"{row['student']:<{width}}  {row['status']:<6}  {score}  {row['notes']}")
    failed = sum(row["status"] != "ok" for row in rows)
    mean = sum(row["score"] for row in rows) / len(rows)
    print(f"\n{assignment}: {len(rows)} graded in {_duration(seconds)}, {failed} failed, "
          f"mean score {mean:.2f}/{rows[0]['max_score']:g}; "
          f"status table: {path.relative_to(course)}", flush=True)
