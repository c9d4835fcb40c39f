"""`python -m grading grade|autograde|feedback|export` - see `--help`."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from grading.autograde import REPORTS, autograde, nbgrader
from grading.errors import GradingError
from grading.sandbox import OFF_SWITCH


def _assignments(course: Path, names: list[str]) -> list[str]:
    known = sorted(p.name for p in (course / "solutions").iterdir() if p.is_dir())
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise GradingError(f"unknown assignment {', '.join(unknown)}; known: {', '.join(known)}")
    return names or known


def export(course: Path) -> Path:
    """Every student x assignment in the gradebook, as nbgrader's CSV."""
    path = course / REPORTS / "grades.csv"
    path.parent.mkdir(exist_ok=True)
    nbgrader(course, "export", f"--to={path}", "--log-level=ERROR")
    print(f"grades exported to {path.relative_to(course)}", flush=True)
    return path


def main(argv=None) -> None:
    """The command line: a GradingError from any step becomes one line and exit 1."""
    try:
        _run(argv)
    except GradingError as error:
        raise SystemExit(str(error)) from None


def _run(argv) -> None:
    parser = argparse.ArgumentParser(prog="python -m grading", description=__doc__)
    parser.add_argument("command", choices=("grade", "autograde", "feedback", "export"),
                        help="grade = autograde, then feedback, then export")
    parser.add_argument("assignments", nargs="*", help="default: every assignment")
    parser.add_argument("--students", default="", help="comma-separated ids (default: all)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="local worker processes (default: one per CPU core)")
    parser.add_argument("--cluster", metavar="tcp://HOST:8786", default=None,
                        help="grade on the workers of this Dask scheduler instead "
                             "(see book/instructors.md)")
    parser.add_argument("--force", action="store_true",
                        help="regrade students whose submission and assignment are unchanged "
                             "since their last autograde (skipped by default)")
    parser.add_argument("--cell-timeout", type=float, default=None,
                        help="seconds per cell (default: nbgrader_config.py)")
    parser.add_argument("--student-timeout", type=float, default=300,
                        help="seconds for one student's whole notebook (default 300)")
    parser.add_argument("--no-sandbox", action="store_true",
                        help="run student code without bubblewrap (trusted code only)")
    parser.add_argument("--course", type=Path, default=Path.cwd(),
                        help="course root, holding nbgrader_config.py (default: here)")
    args = parser.parse_args(argv)
    course = args.course.resolve()
    if not (course / "nbgrader_config.py").exists():
        raise GradingError(f"{course} has no nbgrader_config.py: run from the course root "
                         "or pass --course")
    students = [s for s in args.students.split(",") if s]
    if args.no_sandbox:  # read by grading.sandbox in this process and in the workers
        os.environ[OFF_SWITCH] = "off"
    os.chdir(course)
    if args.command != "export":
        for assignment in _assignments(course, args.assignments):
            if args.command in ("grade", "autograde"):
                autograde(course, assignment, jobs=args.jobs, students=students,
                          cell_timeout=args.cell_timeout, student_timeout=args.student_timeout,
                          cluster_address=args.cluster, force=args.force)
            if args.command in ("grade", "feedback"):
                from grading.feedback import generate_feedback
                generate_feedback(course, assignment)  # every page, so every page is checked
    if args.command in ("grade", "export"):
        export(course)


if __name__ == "__main__":
    sys.exit(main())
