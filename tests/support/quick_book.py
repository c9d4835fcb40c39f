"""Chapters executed in quick mode once per test run, and the book built from them.

The chapter tests and the browser test need the same quick runs (about four minutes of
training in all). Each chapter is executed once, into a folder all pytest-xdist workers
share, under a lock: a second test that needs a chapter another worker is running waits
for it instead of training it again.
"""

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import papermill
import yaml

from repo import ROOT
from course.execute import book_notebooks

CHAPTERS = [p.stem for p in book_notebooks(ROOT)]  # what `make book` executes


def shared_dir(tmp_path_factory) -> Path:
    """A folder for this test run: under xdist, the parent of every worker's temp dir."""
    base = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder = base / "quick-chapters"
    folder.mkdir(exist_ok=True)
    return folder


def quick_run(chapter: str, shared: Path) -> Path:
    """The chapter executed with QUICK = True (papermill), executed at most once per run."""
    done = shared / f"{chapter}.ipynb"
    with open(shared / f"{chapter}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            # Run a copy outside the repository: pages write files (TensorBoard logs).
            work = Path(tempfile.mkdtemp(prefix=f"{chapter}-", dir=shared))
            shutil.copytree(ROOT / "book", work / "book",
                            ignore=shutil.ignore_patterns("_build", "logs"))
            partial = work / f"{chapter}.ipynb"
            # The kernel draws figures inline, as in `make book` (the tests' MPLBACKEND=Agg
            # would leave the pages without them).
            backend = os.environ.pop("MPLBACKEND", None)
            try:
                papermill.execute_notebook(
                    str(work / "book" / f"{chapter}.ipynb"), str(partial),
                    parameters={"QUICK": True}, cwd=str(work / "book"),
                    kernel_name="python3", progress_bar=False)
            finally:
                if backend is not None:
                    os.environ["MPLBACKEND"] = backend
            hide_injected_parameters(partial)
            partial.replace(done)  # only a finished run is ever shared
    return done


def hide_injected_parameters(path: Path) -> None:
    """Hide papermill's injected cell on the page, as the parameters cell it follows."""
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        tags = cell.metadata.setdefault("tags", [])
        if "injected-parameters" in tags and "remove-cell" not in tags:
            tags.append("remove-cell")
    nbformat.write(nb, path)


def build_quick_book(shared: Path, site: Path, extra_outputs=None) -> Path:
    """The book as `make book` builds it, from the quick runs instead of full ones.

    The site gets the repository's own _config.yml and _toc.yml; only execution is
    turned off, since the chapters arrive executed. ``extra_outputs`` maps a chapter to
    outputs appended to its first visible code cell (to test how outputs are rendered).
    Returns the HTML folder.
    """
    for name in ("_toc.yml", "_static", "book", "exercises"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, site / name, ignore=shutil.ignore_patterns("logs"))
        else:
            shutil.copy(source, site / name)
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["execute"]["execute_notebooks"] = "off"
    (site / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    for chapter in CHAPTERS:
        nb = nbformat.read(quick_run(chapter, shared), as_version=4)
        for output in (extra_outputs or {}).get(chapter, []):
            next(c for c in nb.cells if c.cell_type == "code"
                 and "remove-cell" not in c.metadata.get("tags", [])).outputs.append(output)
        nbformat.write(nb, site / "book" / f"{chapter}.ipynb")
    return jupyter_book_build(site)


def jupyter_book_build(folder: Path) -> Path:
    """`jupyter-book build -W` of a folder, as `make book` runs it; returns its HTML."""
    build = subprocess.run(
        [str(Path(sys.executable).with_name("jupyter-book")), "build", str(folder), "-W",
         "--keep-going"], capture_output=True, text=True, timeout=600)
    assert build.returncode == 0, build.stdout[-4000:] + build.stderr[-2000:]
    return folder / "_build" / "html"
