"""nbgrader's autograde, with the verdicts decided outside the student's kernel.

`AskingExecute` is nbgrader's Execute in the sandbox (grading/sandbox.py) that, before
each test cell, asks the kernel that cell's questions (grading/questions.py): the
kernel answers with plain data into an exchange folder (helpers/handover.py). The test
cells themselves run as before, for what they print; hidden tests are no longer in
them. `CheckAnswers` then runs the checker (grading/checker/) in a fresh process and
makes its verdict the only thing nbgrader scores in each test cell.

Both are set in nbgrader_config.py, so plain `nbgrader autograde` and `python -m
grading` grade alike.
"""

from __future__ import annotations

import queue
import shutil
import tempfile
import time
from pathlib import Path

from nbclient.util import ensure_async, run_sync
from nbformat import NotebookNode
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import Unicode

from grading import checker, questions
from grading.checks import FOLDER, tests_for
from grading.sandbox import SandboxedKernelManager

EXCHANGE = "course_exchange"  # resources key: the folder, the notebook, the seed


def is_test_cell(cell) -> bool:
    return cell.cell_type == "code" and is_grade(cell) and not is_solution(cell)


class AskingExecute(Execute):
    """nbgrader's Execute, sandboxed, asking each test cell's questions before it runs."""

    checks = Unicode(str(FOLDER), help="The folder of the exercises' tests, one "
                     "<notebook>.py each (see grading/checks/__init__.py)").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("kernel_manager_class", SandboxedKernelManager)
        super().__init__(*args, **kwargs)

    def preprocess(self, nb, resources=None, km=None):
        info = resources["nbgrader"]
        root = CourseDirectory(config=self.config).root
        student_seed = questions.seed(questions.course_secret(Path(root)),
                                      info["assignment"], info["student"])
        exchange = Path(tempfile.mkdtemp(prefix="course-exchange-"))
        resources[EXCHANGE] = {"folder": exchange, "notebook": info["notebook"],
                               "seed": student_seed, "checks": self.checks,
                               "timed_out": []}
        try:
            tests = tests_for(info["notebook"], Path(self.checks))
            for cell, test in tests.items():
                asked = test.questions(questions.rng_for(student_seed, cell))
                questions.write(asked, exchange / "questions", cell)
            (exchange / "answers").mkdir()
            self._exchange, self._asked = exchange, set(tests)
            return super().preprocess(nb, resources, km=km)
        except BaseException:
            shutil.rmtree(exchange, ignore_errors=True)
            raise

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        if isinstance(km, SandboxedKernelManager):
            km.exchange = [self._exchange]
        return km

    async def _answer(self, cell) -> None:
        """Have the kernel answer the questions of test cell `cell` (its outputs go
        nowhere); code that runs past the cell's time limit is interrupted, as a cell
        would be, and its answers stay missing."""
        cell_id = cell.metadata["nbgrader"]["grade_id"]
        code = (f"__import__('helpers.handover').handover.answer("
                f"{str(self._exchange)!r}, {cell_id!r}, globals())")
        msg_id = self.kc.execute(code, silent=True, store_history=False)
        timeout = self._get_timeout(cell)
        try:
            await self._reply_to(msg_id, timeout)
        except (TimeoutError, queue.Empty):
            self.log.warning("answering the questions of %s took over %s s: interrupted",
                             cell_id, timeout)
            self.resources[EXCHANGE]["timed_out"].append(cell_id)
            await ensure_async(self.km.interrupt_kernel())
            await self._reply_to(msg_id, 30)  # raises when even that gets no reply

    async def _reply_to(self, msg_id: str, timeout) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if deadline is None else max(0.0, deadline - time.monotonic())
            reply = await ensure_async(self.kc.get_shell_msg(timeout=left))
            if reply["parent_header"].get("msg_id") == msg_id:
                return

    async def async_execute_cell(self, cell, cell_index, execution_count=None,
                                 store_history=True):
        if not is_test_cell(cell):
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        if cell.metadata["nbgrader"].get("grade_id") in self._asked:
            await self._answer(cell)
        source = cell.source  # hidden tests, if a notebook still has any, never run here
        cell.source = without_hidden_tests(source)
        try:
            return await super().async_execute_cell(cell, cell_index, execution_count,
                                                    store_history)
        finally:
            cell.source = source

    execute_cell = run_sync(async_execute_cell)


class CheckAnswers(NbGraderPreprocessor):
    """Each test cell's outputs become the checker's verdict (first), then what the
    kernel printed there, as text: errors and results from the kernel no longer count."""

    def preprocess(self, nb, resources):
        exchange = resources.get(EXCHANGE)
        if exchange is None:
            return nb, resources
        try:
            verdicts = checker.run(exchange["notebook"], exchange["folder"],
                                   exchange["seed"], checks=exchange["checks"])
            failure = None
        except checker.CheckerFailed as error:
            verdicts, failure = {}, str(error)
            self.log.error("checker failed: %s", error)
        finally:
            shutil.rmtree(exchange["folder"], ignore_errors=True)
        for cell in nb.cells:
            if is_test_cell(cell):
                grade_id = cell.metadata["nbgrader"]["grade_id"]
                verdict = verdicts.get(grade_id) or {
                    "passed": False,
                    "message": failure and f"the grader failed: {failure}" or
                    f"the grader has no test for the cell {grade_id}: tell your instructor"}
                if grade_id in exchange["timed_out"] and not verdict["passed"]:
                    verdict = {"passed": False, "timeout": True, "message":
                               "the code under test ran past the time limit and was stopped"}
                cell.outputs = [verdict_output(verdict), *map(as_text, cell.outputs)]
        return nb, resources


def without_hidden_tests(source: str) -> str:
    """`source` without its BEGIN/END HIDDEN TESTS blocks."""
    kept, hidden = [], False
    for line in source.splitlines():
        if line.strip() == "### BEGIN HIDDEN TESTS":
            hidden = True
        elif line.strip() == "### END HIDDEN TESTS":
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept)


def verdict_output(verdict: dict) -> NotebookNode:
    if verdict["passed"]:
        return NotebookNode(output_type="stream", name="stdout",
                            text=f"Grader: {verdict['message']}\n")
    name = "CellTimeoutError" if verdict.get("timeout") else "AssertionError"
    return NotebookNode(output_type="error", ename=name, evalue=verdict["message"],
                        traceback=[f"{name}: {verdict['message']}"])


def as_text(output: NotebookNode) -> NotebookNode:
    """A kernel output that cannot change a score: stderr and errors become stdout text,
    results become displays."""
    if output.output_type == "error":
        return NotebookNode(output_type="stream", name="stdout",
                            text=f"(your notebook: {output.ename}: {output.evalue})\n")
    if output.output_type == "stream":
        return NotebookNode(output_type="stream", name="stdout", text=output.text)
    if output.output_type == "execute_result":
        return NotebookNode(output_type="display_data", data=output.data,
                            metadata=output.get("metadata", {}))
    return output
