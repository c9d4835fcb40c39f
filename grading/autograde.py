"""Autograde a whole class in parallel, on one machine or a Dask cluster, resumably.

`nbgrader autograde` grades students one after another (upstream issue #174). Here each
student is one task: their submission as bytes plus the assignment's kit (see
`grading.worker`), graded on whichever worker takes it, on a local cluster of `jobs`
processes or on a Dask cluster (`cluster="tcp://HOST:8786"`, see `grading.cluster`).
This process is the only one that writes the class gradebook and `autograded/`, merging
each result as it arrives and each student at most once, so no grade is lost to two
writers and none is counted twice. A student whose submission cannot be graded gets 0 and
a status saying why; the rest of the class is graded regardless.

Re-running skips every student whose submission and kit are unchanged since their last
verdict (grades/<assignment>-hashes.json), so an interrupted run continues where it
stopped. A student left without a verdict by the machine (a worker without a sandbox, a
worker killed too often) is not recorded there, keeps their earlier grades, and is graded
again on the next run.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
import zlib
from collections import deque
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from grading import bundle, cluster, questions, sandbox, worker
from grading.errors import GradingError

REPORTS = "grades"
FIELDS = ("student", "status", "score", "max_score", "seconds", "worker", "graded_at", "notes")
RETRY = "no verdict, graded again on the next run"


def nbgrader(course: Path, *args: str, check: bool = True) -> str:
    """Run an nbgrader command in the course. On failure raise with its log tail, or with
    check=False return that tail ("" when it succeeded)."""
    command = [str(Path(sys.executable).parent / "nbgrader"), *args]
    result = subprocess.run(command, cwd=course, capture_output=True, text=True, check=False)
    if result.returncode == 0:
        return ""
    if check:
        raise GradingError(f"`nbgrader {' '.join(args)}` failed:\n{result.stderr[-2000:]}")
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


def template_gradebook(db_url: str, assignment: str, destination: Path) -> tuple[bytes, str]:
    """A copy of the class gradebook holding `assignment` and no student, for the workers,
    as zlib-compressed bytes; and the assignment's due date (it decides late penalties)."""
    import sqlite3

    from nbgrader.api import (
        Comment,
        Grade,
        Gradebook,
        Student,
        SubmittedAssignment,
        SubmittedNotebook,
    )

    shutil.copy(db_url.removeprefix("sqlite:///"), destination)
    with Gradebook(f"sqlite:///{destination}") as gradebook:
        # One DELETE per table, children first: remove_student, one at a time, took 87 s
        # for a class of 1,000 (84 ms each).
        for table in (Grade, Comment, SubmittedNotebook, SubmittedAssignment, Student):
            gradebook.db.query(table).delete(synchronize_session=False)
        gradebook.db.commit()
        for other in gradebook.assignments:
            if other.name != assignment:
                gradebook.remove_assignment(other.name)
        duedate = gradebook.find_assignment(assignment).duedate
    with sqlite3.connect(destination) as db:
        db.execute("VACUUM")  # the class's pages would travel with every task otherwise
    # Mostly empty pages: 180 KiB compress to 12; the kit goes with every task.
    return zlib.compress(destination.read_bytes()), duedate.isoformat() if duedate else ""


def make_kit(course: Path, assignment: str, db_url: str, *, cell_timeout: float | None,
             student_timeout: float) -> dict:
    """What a worker needs of the assignment, besides its own checkout of the course, and
    a hash of everything in it that can change a score (the resume check)."""
    source = course / "solutions" / assignment
    with tempfile.TemporaryDirectory() as tmp:
        gradebook, duedate = template_gradebook(db_url, assignment, Path(tmp) / "template.db")
    kit = {"assignment": assignment, "gradebook": gradebook,
           "config": (course / "nbgrader_config.py").read_text(),
           "assignment_files": bundle.pack(source, skip=lambda name: name.endswith(".ipynb"))[0],
           "cell_timeout": cell_timeout, "student_timeout": student_timeout,
           "sandbox": sandbox.enabled(), "code_version": worker.code_version(),
           # the seed of every student's questions: the same on every route and worker
           "secret": questions.course_secret(course)}
    kit["hash"] = bundle.digest(
        assignment, kit["config"], bundle.tree_digest(source, ("*",)), duedate, kit["secret"],
        repr((cell_timeout, student_timeout, kit["sandbox"])), kit["code_version"])
    return kit


class Verdicts:
    """grades/<assignment>-hashes.json: per student, the hash of the submission and kit
    last graded and that verdict's status row. Written after every merge (atomically, and
    after the gradebook), so whatever it records is in the gradebook."""

    def __init__(self, path: Path):
        self.path = path
        try:
            self.students = json.loads(path.read_text())["students"]
        except (OSError, ValueError, KeyError):
            self.students = {}

    def unchanged(self, student: str, digest: str, course: Path, assignment: str,
                  in_gradebook: set[str]) -> dict | None:
        """The earlier row when nothing changed and its results are all still there."""
        row = self.students.get(student)
        if not row or row["hash"] != digest or student not in in_gradebook:
            return None
        if row["autograded"] and not (course / "autograded" / student / assignment).is_dir():
            return None
        return row

    def record(self, student: str, digest: str, row: dict, autograded: bool) -> None:
        self.students[student] = {**row, "hash": digest, "autograded": autograded}
        temporary = self.path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps({"students": self.students}, indent=0))
        os.replace(temporary, self.path)


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


def _scores(gradebook, assignment: str) -> dict[str, tuple[float, float]]:
    """student -> (score, max_score) of every submission the gradebook holds."""
    return {s.student.id: (s.score, s.max_score)
            for s in gradebook.find_assignment(assignment).submissions}


def _duration(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def autograde(course: Path, assignment: str, *, jobs: int = 2, students=None,
              cell_timeout: float | None = None, student_timeout: float = 300,
              db_url: str | None = None, cluster_address: str | None = None,
              force: bool = False) -> list[dict]:
    """Autograde every submission of `assignment` (or only `students`) that changed since
    its last verdict (every one with `force`): on `jobs` local worker processes, or on the
    Dask cluster whose scheduler is at `cluster_address`.

    Prints one progress line per student and a summary table; writes the per-student
    status to grades/<assignment>-autograde.csv. Returns the rows of that table.
    """
    course = Path(course).resolve()
    db_url = db_url or f"sqlite:///{course / 'gradebook.db'}"
    everyone = submitted_students(course, assignment)
    if not (course / "solutions" / assignment).is_dir():
        raise GradingError(f"no assignment {assignment!r}: expected solutions/{assignment}/")
    missing = sorted(set(students or ()) - set(everyone))
    if missing:
        raise GradingError(f"{assignment}: no submission from {', '.join(missing)} under "
                         f"submitted/<student>/{assignment}/ (run `nbgrader collect` first?)")
    todo = sorted(students) if students else everyone
    if not todo:
        print(f"{assignment}: no submissions under submitted/*/{assignment}/", flush=True)
        return []
    if cluster_address:
        cluster.require_reachable(cluster_address)
    else:  # a cluster's workers check their own sandbox
        try:
            sandbox.require()
        except sandbox.SandboxUnavailable as error:
            raise GradingError(f"{assignment}: {error}") from None
    if not sandbox.enabled():
        print(f"{assignment}: WARNING: the sandbox is off ({sandbox.OFF_SWITCH}=off): student "
              "code runs with the workers' rights", flush=True)
    (course / REPORTS).mkdir(exist_ok=True)
    with _only_writer(course):
        return _autograde(course, assignment, todo, db_url, jobs=jobs, force=force,
                          cell_timeout=cell_timeout, student_timeout=student_timeout,
                          cluster_address=cluster_address)


@contextmanager
def _only_writer(course: Path):
    """Hold grades/.autograde.lock: a second run in the same course would merge beside this
    one (two writers of the gradebook, each student graded twice)."""
    import fcntl

    with open(course / REPORTS / ".autograde.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            raise GradingError(f"another autograde is running in {course} (pid "
                             f"{lock.read().strip() or '?'}): wait for it, or stop it") from None
        lock.truncate(0)
        lock.write(str(os.getpid()))
        lock.flush()
        yield


def _autograde(course: Path, assignment: str, todo: list[str], db_url: str, *, jobs: int,
               force: bool, cell_timeout: float | None, student_timeout: float,
               cluster_address: str | None) -> list[dict]:
    """`autograde` once this process is the course's only writer: skip the unchanged
    students, grade the others, report."""
    from nbgrader.api import Gradebook

    register_assignment(course, assignment, db_url)
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy notes on every merge
    kit = make_kit(course, assignment, db_url, cell_timeout=cell_timeout,
                   student_timeout=student_timeout)
    verdicts = Verdicts(course / REPORTS / f"{assignment}-hashes.json")
    began = time.monotonic()
    with Gradebook(db_url) as gradebook:
        scores = _scores(gradebook, assignment)
        skipped, fresh, in_gradebook = [], [], set(scores)
        for student in todo:
            data, _ = bundle.pack(course / "submitted" / student / assignment)
            earlier = None if force else verdicts.unchanged(
                student, bundle.digest(kit["hash"], data), course, assignment, in_gradebook)
            if earlier:
                score, max_score = scores[student]
                skipped.append({**{k: earlier[k] for k in FIELDS}, "score": score,
                                "max_score": max_score})
            else:
                fresh.append(student)
        graded: list[dict] = []  # filled as results are merged, also when interrupted
        if fresh:
            try:
                _grade(course, assignment, kit, fresh, len(skipped), gradebook, verdicts,
                       graded, jobs=jobs, cluster_address=cluster_address)
            except KeyboardInterrupt:
                _report(course, assignment, skipped + graded, len(skipped),
                        time.monotonic() - began)
                raise GradingError(f"{assignment}: interrupted after {len(graded)} of "
                                 f"{len(fresh)}; run the same command again to continue "
                                 "(the graded ones are kept and skipped)") from None
        else:
            print(f"{assignment}: all {len(todo)} submissions unchanged since they were "
                  "graded, skipped (--force regrades them)", flush=True)
    rows = sorted(skipped + graded, key=lambda row: row["student"])
    _report(course, assignment, rows, len(skipped), time.monotonic() - began)
    return rows


def _grade(course: Path, assignment: str, kit: dict, todo: list[str], skipped: int,
           gradebook, verdicts: Verdicts, rows: list[dict], *, jobs: int,
           cluster_address: str | None) -> None:
    """Send every student in `todo` to the workers, a bounded window at a time (memory
    stays flat however large the class), merge each result as it arrives and append its
    status row to `rows`."""
    from distributed import as_completed

    log = course / REPORTS / f"{assignment}-autograde.log"
    log.write_text("")
    failures, merged, run = 0, set(), uuid.uuid4().hex[:8]
    began = time.monotonic()
    local = max(1, min(jobs, len(todo)))
    where = cluster_address or f"{local} local worker process{'es' * (local > 1)}"
    with cluster.connect(cluster_address, local) as client:
        for address, problem in cluster.check_workers(client, kit["sandbox"],
                                                      kit["code_version"]).items():
            print(f"{assignment}: WARNING: {problem} ({address})", flush=True)
        print(f"{assignment}: autograding {len(todo)} submissions on {where} "
              f"({cluster.threads(client)} at a time); skipped {skipped} unchanged",
              flush=True)
        waiting, in_flight, sent = deque(todo), as_completed(loop=client.loop), {}

        def send() -> None:
            window = 2 * cluster.threads(client)  # one graded, one on its way, per worker
            while waiting and in_flight.count() < window:
                student = waiting.popleft()
                data, notes = bundle.pack(course / "submitted" / student / assignment)
                future = client.submit(worker.grade_submission, kit, student, data,
                                       key=f"autograde-{assignment}-{student}-{run}")
                sent[future.key] = (student, bundle.digest(kit["hash"], data), notes)
                in_flight.add(future)

        send()
        for future in in_flight:
            student, digest, notes = sent.pop(future.key)
            try:
                result = future.result()
            except Exception as error:  # noqa: BLE001 - a lost worker: no verdict, retried
                result = worker.machine_failure(
                    student, f"the grader failed ({type(error).__name__}: {error})")
                result["worker"], result["log"] = "?", ""
            future.release()
            if student in merged:  # a result delivered twice is counted once
                continue
            merged.add(student)
            row = _take(course, assignment, gradebook, verdicts, result, digest, notes, log)
            rows.append(row)
            failures += row["status"] != "ok"
            elapsed = time.monotonic() - began
            left = elapsed / len(rows) * (len(todo) - len(rows))
            print(f"[{len(rows):>{len(str(len(todo)))}}/{len(todo)}] {row['student']:<16} "
                  f"{row['status']:<6} {row['score']:5.1f}/{row['max_score']:g}  "
                  f"{row['seconds']:5.1f} s  {row['worker']}  | failed {failures}, "
                  f"skipped {skipped} unchanged, about {_duration(left)} left"
                  + (f"  ({row['notes']})" if row["notes"] else ""), flush=True)
            send()


def _take(course: Path, assignment: str, gradebook, verdicts: Verdicts, result: dict,
          digest: str, notes: list[str], log: Path) -> dict:
    """One result into the course: autograded/ and the gradebook for a verdict (then the
    hash, so a recorded hash always has its grades), only a status row otherwise."""
    student = result["student"]
    if result["log"].strip():
        with open(log, "a") as f:
            f.write(f"===== {student} (worker {result['worker']}) =====\n{result['log']}\n")
    note = "; ".join(filter(None, [result["failure"], *(f"submitted/: {n}" for n in notes),
                                   *result["notes"]]))
    row = {"student": student, "status": "FAILED" if result["failure"] else "ok",
           "seconds": result["seconds"], "worker": result["worker"],
           "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "notes": note}
    if result["machine"]:
        score, max_score = _scores(gradebook, assignment).get(
            student, (0.0, gradebook.find_assignment(assignment).max_score))
        return {**row, "score": score, "max_score": max_score,
                "notes": f"{note}; {RETRY}"}
    target = course / "autograded" / student / assignment
    shutil.rmtree(target, ignore_errors=True)  # no stale notebook beside a new verdict
    if result["autograded"]:
        bundle.unpack(result["autograded"], target)
    score, max_score = merge(gradebook, assignment, result)
    row = {**row, "score": score, "max_score": max_score}
    verdicts.record(student, digest, row, autograded=bool(result["autograded"]))
    return row


def _report(course: Path, assignment: str, rows: list[dict], skipped: int,
            seconds: float) -> None:
    rows = sorted(rows, key=lambda row: row["student"])
    path = course / REPORTS / f"{assignment}-autograde.csv"
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    if not rows:
        return
    width = max(len("student"), *(len(row["student"]) for row in rows))
    print(f"\n{'student':<{width}}  status  score        worker  notes")
    for row in rows:
        score = f"{row['score']:5.1f}/{row['max_score']:<5g}"
        print(f"{row['student']:<{width}}  {row['status']:<6}  {score}  {row['worker']}  "
              f"{row['notes']}")
    failed = sum(row["status"] != "ok" for row in rows)
    retry = sum(row["notes"].endswith(RETRY) for row in rows)
    mean = sum(row["score"] for row in rows) / len(rows)
    print(f"\n{assignment}: {len(rows) - skipped} graded in {_duration(seconds)}, {skipped} "
          f"skipped unchanged, {failed} failed"
          + (f" ({retry} for the machine's reasons: run again to grade them)" if retry else "")
          + f", mean score {mean:.2f}/{rows[0]['max_score']:g}; "
          f"status table: {path.relative_to(course)}", flush=True)
