"""course.execute: chapters executed in parallel into the cache Jupyter Book reads."""

from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache

from repo import ROOT
from course import execute
from quick_book import jupyter_book_build


def _notebook(*sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_markdown_cell("# A page")]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


@pytest.fixture
def course(tmp_path):
    """A tiny course: two chapters that count their runs in runs-<name>.txt, a student
    notebook that must never run, and the helpers/ and requirements.txt that count."""
    (tmp_path / "_toc.yml").write_text(
        "format: jb-book\nroot: intro\nparts:\n  - caption: Chapters\n    chapters:\n"
        "      - file: book/one\n      - file: book/two\n"
        "      - file: exercises/ex/ex\n")
    (tmp_path / "_config.yml").write_text(
        "title: tiny\nonly_build_toc_files: true\nexclude_patterns: [_build]\n"
        "execute:\n  execute_notebooks: cache\n  timeout: 60\n"
        "  exclude_patterns:\n    - \"exercises/*/*.ipynb\"\n")
    (tmp_path / "intro.md").write_text("# Tiny\n")
    (tmp_path / "requirements.txt").write_text("numpy\n")
    (tmp_path / "helpers").mkdir()
    (tmp_path / "helpers" / "__init__.py").write_text("VERSION = 1\n")
    (tmp_path / "book").mkdir()
    for name in ("one", "two"):
        nbformat.write(_notebook(f"open('runs-{name}.txt', 'a').write('run\\n')",
                                 f"print('result of {name}', 6 * 7)",
                                 "import sys; sys.path.insert(0, '..'); import helpers\n"
                                 "print('helpers version', helpers.VERSION)"),
                       tmp_path / "book" / f"{name}.ipynb")
    (tmp_path / "exercises" / "ex").mkdir(parents=True)
    nbformat.write(_notebook("raise SystemExit('a student notebook was executed')"),
                   tmp_path / "exercises" / "ex" / "ex.ipynb")
    return tmp_path


def _runs(course, name):
    path = course / "book" / f"runs-{name}.txt"
    return len(path.read_text().splitlines()) if path.is_file() else 0


def test_the_book_notebooks_are_the_toc_minus_excluded(course):
    assert execute.toc_pages(course) == [course / "intro.md", course / "book" / "one.ipynb",
                                         course / "book" / "two.ipynb",
                                         course / "exercises" / "ex" / "ex.ipynb"]
    assert execute.book_notebooks(course) == [course / "book" / "one.ipynb",
                                              course / "book" / "two.ipynb"]
    real = [p.name for p in execute.book_notebooks(ROOT)]
    assert real[0] == "01_dataset.ipynb" and len(real) == 7
    assert not any(p.parent.name.startswith("ex") for p in execute.book_notebooks(ROOT))


def test_executes_once_then_only_when_code_or_helpers_change(course):
    lines = []
    took = execute.execute_book(course, jobs=2, log=lines.append)
    assert set(took) == {"one", "two"}
    assert _runs(course, "one") == _runs(course, "two") == 1
    assert any(line.startswith("[2/2]") and "executed in" in line for line in lines)
    assert (course / "_build" / "execute-logs" / "one.log").is_file()

    assert execute.execute_book(course, jobs=2, log=lines.append) == {}  # nothing changed
    assert "up to date" in lines[-1]
    (course / "course").mkdir()  # the build's own tools: no page imports them
    (course / "course" / "execute.py").write_text("# edited\n")
    assert execute.execute_book(course, jobs=2, log=lines.append) == {}

    nb = nbformat.read(course / "book" / "two.ipynb", as_version=4)
    nb.cells[-1].source = "print('changed')"
    nbformat.write(nb, course / "book" / "two.ipynb")
    assert set(execute.execute_book(course, jobs=1, log=lines.append)) == {"two"}

    (course / "helpers" / "plots.py").write_text("# a module no page of this course uses\n")
    assert set(execute.execute_book(course, jobs=2, log=lines.append)) == {"one", "two"}
    (course / "helpers" / "__init__.py").write_text("VERSION = 2\n")
    assert set(execute.execute_book(course, jobs=2, log=lines.append)) == {"one", "two"}
    assert any("helpers/ or requirements.txt changed" in line for line in lines)
    assert (_runs(course, "one"), _runs(course, "two")) == (3, 4)


def test_a_failing_chapter_is_named_and_the_others_are_kept(course):
    nbformat.write(_notebook("1 / 0"), course / "book" / "two.ipynb")
    lines = []
    with pytest.raises(RuntimeError, match="1 chapter\\(s\\) failed: two"):
        execute.execute_book(course, jobs=2, log=lines.append)
    assert any("two FAILED" in line for line in lines)
    assert any("ZeroDivisionError" in line for line in lines)
    cache = get_cache(str(course / "_build" / ".jupyter_cache"))
    assert [Path(r.uri).name for r in cache.list_cache_records()] == ["one.ipynb"]


def _build_book(course):
    return (jupyter_book_build(course) / "book" / "one.html").read_text()


def test_jupyter_book_renders_the_cached_pages_without_executing_them(course):
    execute.execute_book(course, jobs=2, log=lambda line: None)
    page = _build_book(course)
    assert _runs(course, "one") == _runs(course, "two") == 1  # not executed again
    assert "result of one 42" in page and "helpers version 1" in page

    # helpers/ changed, the notebooks did not: the page must still show the new result
    (course / "helpers" / "__init__.py").write_text("VERSION = 2\n")
    execute.execute_book(course, jobs=2, log=lambda line: None)
    page = _build_book(course)
    assert _runs(course, "one") == 2
    assert "helpers version 2" in page and "helpers version 1" not in page
