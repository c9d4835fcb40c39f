"""The checker: decides every test cell's score from the answers a student's kernel
handed over, in a process that never ran student code.

`run` starts ``python -m grading.checker`` (grading/checker/__main__.py) once per student, in bubblewrap (no network,
everything read-only, the answers included), and returns one verdict per test cell.
The process regenerates the questions from the student's seed (it trusts no file of
the kernel's for them), loads the answers with safe loaders (grading/answers.py), runs
the exercise's checks (grading/checks/) and prints the verdicts as one JSON line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

from grading import questions as questions_module
from grading import sandbox
from grading.answers import Answers
from grading.checks import FOLDER, tests_for
from grading.errors import GradingError

MARKER = "COURSE-VERDICTS "
TIMEOUT = 600  # seconds for all the checks of one student


class CheckerFailed(GradingError):
    """The checker process itself failed: no test cell of this student can score."""


def check_all(notebook: str, exchange: Path, student_seed: str,
              checks: Path = FOLDER) -> dict[str, dict]:
    """{cell: {"passed": bool, "message": str}} for every test of `notebook`."""
    verdicts = {}
    for cell, test in tests_for(notebook, checks).items():
        asked = test.questions(questions_module.rng_for(student_seed, cell))
        answers = Answers(Path(exchange) / "answers" / cell,
                          {name: _describe(name, q) for name, q in asked.items()})
        try:
            message = test.check(asked, answers)
            verdicts[cell] = {"passed": True, "message": message or "passed"}
        except AssertionError as failure:
            verdicts[cell] = {"passed": False, "message": str(failure) or "wrong answer"}
        except Exception as error:  # noqa: BLE001 - data a check did not expect
            verdicts[cell] = {"passed": False, "message":
                              "the grader could not read your answer "
                              f"({type(error).__name__}: {str(error)[:300]})"}
            print(traceback.format_exc(), file=sys.stderr)
    return verdicts


def _describe(name: str, question: questions_module.Question) -> str:
    """How a message names a question: "to_model_input on random images"."""
    if question.kind == "call":
        return f"{question.target} on {name}"
    if question.kind == "drive" and question.args and isinstance(question.args[0], str):
        return f"{question.args[0]} on {name}"
    return question.target


def run(notebook: str, exchange: Path, student_seed: str, *, checks: Path = FOLDER,
        timeout: float = TIMEOUT) -> dict[str, dict]:
    """The verdicts for one student, from a fresh checker process (sandboxed unless the
    sandbox is off). Raises CheckerFailed when that process gives none."""
    exchange, checks = Path(exchange).resolve(), Path(checks).resolve()
    command = [sys.executable, "-m", "grading.checker", notebook, str(exchange), str(checks)]
    env = {**os.environ, "COURSE_STUDENT_SEED": student_seed,
           "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(sandbox.ROOT)}
    if sandbox.enabled():
        sandbox.require()
        command = sandbox.bwrap_command(
            [sandbox.prlimit(), f"--as={16 * sandbox.GIB}", "--core=0", "--", *command],
            cwd=exchange, writable=[], read_only=[sandbox.ROOT / "grading", checks, exchange],
            tmp_bytes=256 * 1024 ** 2)
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                env=env, check=False)
    except subprocess.TimeoutExpired:
        raise CheckerFailed(f"the checks took longer than {timeout:.0f} s") from None
    for line in reversed(result.stdout.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    raise CheckerFailed(f"the checker gave no verdict (exit {result.returncode}): "
                        f"{result.stderr.strip()[-1500:]}")


def print_verdicts(argv: list[str]) -> None:
    """What the checker process does: the verdicts for NOTEBOOK EXCHANGE CHECKS, with the
    student's seed from ``COURSE_STUDENT_SEED``, printed as one marked JSON line."""
    if len(argv) != 3:
        raise GradingError("usage: python -m grading.checker NOTEBOOK EXCHANGE CHECKS "
                           "(with COURSE_STUDENT_SEED set); grading.checker.run starts it")
    seed = os.environ.get("COURSE_STUDENT_SEED")
    if not seed:
        raise GradingError("COURSE_STUDENT_SEED is not set: the checker regenerates the "
                           "student's questions from it")
    notebook, exchange, checks = argv
    verdicts = check_all(notebook, Path(exchange), seed, Path(checks))
    print(MARKER + json.dumps(verdicts), flush=True)
