"""Every chapter runs top to bottom in quick mode, and quick mode really was on."""

import nbformat
import pytest

from repo import ROOT, errors, glued
from quick_book import CHAPTERS, quick_run, shared_dir
from course.chapters import BY_STEM, CHAPTERS as DECLARED


def test_every_chapter_is_declared_once_with_a_quick_sentinel():
    stems = [chapter.stem for chapter in DECLARED]
    assert len(stems) == len(set(stems)), f"declared twice in course/chapters.py: {stems}"
    assert CHAPTERS, "no chapters found in _toc.yml"
    assert not set(CHAPTERS) - set(stems), (
        f"chapters without a declaration in course/chapters.py: {set(CHAPTERS) - set(stems)}")
    assert not set(stems) - set(CHAPTERS), (
        f"declarations in course/chapters.py that name no chapter: {set(stems) - set(CHAPTERS)}")
    assert all(len(c.quick_sentinel) == 2 for c in DECLARED)


# Slowest first (the minutes marker orders them), so the longest runs start at once. Every
# chapter runs: an undeclared one fails on its missing sentinel (and the test above).
@pytest.mark.parametrize("chapter", [
    pytest.param(stem, marks=pytest.mark.minutes(
        BY_STEM[stem].quick_minutes if stem in BY_STEM else 0)) for stem in CHAPTERS])
def test_chapter_runs_in_quick_mode(chapter, tmp_path_factory):
    assert chapter in BY_STEM, f"declare {chapter} in course/chapters.py"
    source = ROOT / "book" / f"{chapter}.ipynb"
    nb = nbformat.read(source, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and "QUICK = False" in tagged[0].source

    executed = nbformat.read(quick_run(chapter, shared_dir(tmp_path_factory)), as_version=4)
    assert errors(executed) == []
    values = glued(executed)
    unformattable = [name for name, value in values.items()
                     if isinstance(value, str) and value.startswith("np.")]
    assert not unformattable, (  # myst-nb's {glue:text}`x:.1%` cannot format these
        f"glue Python numbers, not NumPy scalars (wrap in float()): {unformattable}")
    key, quick_size = BY_STEM[chapter].quick_sentinel
    assert values["quick_mode"] is True
    assert values[key] == quick_size, f"{chapter} did not shrink its work in quick mode"
