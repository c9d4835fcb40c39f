"""Every committed notebook is stored without outputs and in canonical form."""

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from repo import ROOT
from course.notebooks import canonical_text, is_canonical

NOTEBOOKS = subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()


def test_there_are_notebooks():
    assert any(p.startswith("book/") for p in NOTEBOOKS)
    assert any(p.startswith("solutions/") for p in NOTEBOOKS)
    assert any(p.startswith("exercises/") for p in NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_notebook_is_clean_and_canonical(path):
    nb = nbformat.read(ROOT / path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert not cell.outputs and cell.execution_count is None, f"{path}: run `make clean-notebooks`"
    assert is_canonical(ROOT / path), f"{path} is not canonical: run `make clean-notebooks`"


def test_canonical_form_strips_run_state():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1", id="a")
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"})]
    cell.execution_count = 3
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01"}
    cell.metadata["tags"] = ["parameters"]
    nb.cells.append(cell)
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7"}
    clean = nbformat.reads(canonical_text(nb), as_version=4)
    assert clean.cells[0].outputs == [] and clean.cells[0].execution_count is None
    assert clean.cells[0].metadata == {"tags": ["parameters"]}
    assert clean.metadata.language_info == {"name": "python"}


@pytest.mark.parametrize("folder", ["book", "exercises"])
def test_code_the_book_shows_fits_its_column(folder):
    """The book's column shows 80 characters of code; <folder>/ruff.toml sets that limit
    for the chapters and the exercises as handed out."""
    ruff = subprocess.run(
        [str(Path(sys.executable).with_name("ruff")), "check", "--select", "E501",
         "--output-format", "concise", *sorted(str(p) for p in (ROOT / folder).rglob("*.ipynb"))],
        cwd=ROOT, capture_output=True, text=True)
    assert "line-length = 80" in (ROOT / folder / "ruff.toml").read_text(), (
        f"{folder}/ruff.toml no longer limits the code to 80 characters")
    assert ruff.returncode == 0, f"lines too long for the book's column:\n{ruff.stdout}"


def test_a_long_line_in_a_chapter_is_caught(tmp_path):
    """The limit is enforced for notebooks under book/, not just configured."""
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "ruff.toml").write_text(
        (ROOT / "book" / "ruff.toml").read_text().replace("../pyproject.toml",
                                                          str(ROOT / "pyproject.toml")))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = " + "1" * 80)])
    nbformat.write(nb, tmp_path / "book" / "long.ipynb")
    ruff = subprocess.run([str(Path(sys.executable).with_name("ruff")), "check",
                           str(tmp_path / "book" / "long.ipynb")], capture_output=True, text=True)
    assert ruff.returncode == 1 and "E501" in ruff.stdout, (
        f"an 84-character line in a chapter passed ruff: {ruff.stdout}")
