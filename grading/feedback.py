"""Feedback without hidden tests, and limits on what a graded notebook may hold.

The course's tests run in the checker (grading/checks/) and never enter the student's
kernel, so no feedback page should show them. Two guards remain: nbgrader's feedback
shows hidden-test source left in a notebook, and tracebacks repeat the failing hidden
line (upstream issues #917, #1363), which `HideHiddenTests` removes; `generate_feedback`
then checks every HTML file for every hidden line and every line of the exercise's tests,
and withholds any file that still contains one.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer

from grading.errors import GradingError

BEGIN, END = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
HIDDEN_NOTE = "# (hidden tests are not shown in feedback)"
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def split_hidden(source: str) -> tuple[str, list[str]]:
    """A cell's source without its hidden-test blocks (each replaced by HIDDEN_NOTE), and the
    non-blank lines those blocks held."""
    kept, hidden, inside = [], [], False
    for line in source.splitlines():
        if line.strip() == BEGIN:
            inside = True
            kept.append(line[:len(line) - len(line.lstrip())] + HIDDEN_NOTE)
        elif line.strip() == END:
            inside = False
        elif not inside:
            kept.append(line)
        elif line.strip():
            hidden.append(line.strip())
    return "\n".join(kept), hidden


class HideHiddenTests(NbGraderPreprocessor):
    """For feedback: drop hidden test source, and reduce a failing hidden test's traceback
    to its last line (the error and its message), which the instructor chose to show."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code" or BEGIN not in cell.source:
            return cell, resources
        cell.source = split_hidden(cell.source)[0]
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                output.traceback = [f"{output.ename}: {output.evalue}"]
        return cell, resources


class LimitOutputSize(NbGraderPreprocessor):
    """nbgrader's LimitOutput counts lines; one 50 MB line passes it. Cap the characters of
    every text output so a student who prints megabytes leaves a notebook of normal size."""

    max_chars = Integer(20_000, help="characters kept per text output").tag(config=True)

    def _cut(self, text: str) -> str:
        if len(text) <= self.max_chars:
            return text
        return text[:self.max_chars] + f"\n... output truncated ({len(text):,} characters) ..."

    def preprocess_cell(self, cell, resources, index):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream":
                output.text = self._cut(output.text)
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") and isinstance(value, str):
                    output.data[mime] = self._cut(value)
        return cell, resources


class _Text(HTMLParser):
    """The text a reader sees in an HTML page (highlighted code split into spans too)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)


def page_text(path: Path) -> str:
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return html.unescape("".join(parser.parts))


# A line of one name or number and punctuation: an argument of a call wrapped one per
# line ("k,"). It gives no test away, and as text it is found in any page ("network,").
_ONE_WORD = re.compile(r"[^\w]*\w+[^\w]*")


def secret_lines(notebooks) -> list[str]:
    """The hidden-test lines that would give a test away: those that students do not see
    anyway, as part of the notebook's visible cells (a lone `]` or a common argument
    list continuing a hidden call proves nothing), and that say more than one word."""
    hidden, visible = [], []
    for nb in notebooks:
        for cell in nb.cells:
            kept, lines = split_hidden(cell.source)
            hidden += lines
            visible.append(kept)
    shown = "\n".join(visible)
    return [line for line in hidden if line not in shown and not _ONE_WORD.fullmatch(line)]


def test_lines(path: Path) -> list[str]:
    """The lines of an exercise's tests (grading/checks/) that would give them away: code
    of more than a few words, not comments, docstrings or imports (an import line such as
    `from __future__ import annotations` is in every module a student may print)."""
    lines = [line.strip() for line in Path(path).read_text().splitlines()]
    return [line for line in lines if len(line) > 25
            and not line.startswith(("#", '"""', "import ", "from "))]


def assignment_hidden_lines(course: Path, assignment: str) -> list[str]:
    """Hidden-test lines left in the assignment's notebooks, and the lines of its tests."""
    import nbformat

    from grading.checks import FOLDER

    paths = sorted((course / "solutions" / assignment).glob("*.ipynb"))
    notebooks = [nbformat.read(path, as_version=4) for path in paths]
    lines = secret_lines(notebooks)
    shown = "\n".join(split_hidden(cell.source)[0] for nb in notebooks for cell in nb.cells)
    for path in paths:  # a test that repeats a visible assert gives nothing away
        if (FOLDER / f"{path.stem}.py").is_file():
            lines += [line for line in test_lines(FOLDER / f"{path.stem}.py")
                      if line not in shown]
    return lines


def leaks(page: Path, secret_lines: list[str]) -> list[str]:
    """The hidden lines that appear in a feedback page."""
    text = _ANSI.sub("", page_text(page))
    return [line for line in secret_lines if line in text]


def generate_feedback(course: Path, assignment: str) -> list[Path]:
    """nbgrader generate_feedback for every graded student, then a leak check of every page:
    one that shows any hidden test line is deleted and reported, so it cannot be released.
    Returns the pages kept."""
    from grading.autograde import nbgrader

    course = Path(course).resolve()
    if not any((course / "autograded").glob(f"*/{assignment}")):
        print(f"{assignment}: nothing autograded yet, so no feedback", flush=True)
        return []
    errors = nbgrader(course, "generate_feedback", assignment, "--force", "--log-level=ERROR",
                      check=False)
    secret = assignment_hidden_lines(course, assignment)
    kept, withheld = [], []
    for page in sorted((course / "feedback").glob(f"*/{assignment}/*.html")):
        if leaks(page, secret):
            page.unlink()
            withheld.append(page)
        else:
            kept.append(page)
    print(f"{assignment}: feedback for {len(kept)} students in feedback/*/{assignment}/",
          flush=True)
    if errors:
        print(f"nbgrader generate_feedback reported errors:\n{errors}", flush=True)
    if withheld:
        raise GradingError(f"{assignment}: withheld {len(withheld)} feedback pages that showed "
                         f"hidden test lines ({', '.join(str(p) for p in withheld[:3])}); check "
                         "GenerateFeedback.preprocessors in nbgrader_config.py")
    return kept
