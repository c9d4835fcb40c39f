"""Every chapter runs top to bottom in quick mode, and quick mode really was on."""

import nbformat
import pytest

from repo import ROOT, errors, glued
from quick_book import CHAPTERS, quick_run, shared_dir

# chapter -> the glued value that shows the run used quick-mode sizes
QUICK_SENTINELS = {
    "01_dataset": ("n_analysed", 2_000),
    "02_dense": ("n_train_used", 2_000),
    "03_convolutions": ("n_train_used", 2_000),
    "04_feature_maps": ("n_train_used", 2_000),
    "05_how_many_convolutions": ("n_train_used", 2_000),
    "06_reading_a_classifier": ("n_train_used", 2_000),
    "07_going_deeper": ("n_train_used", 2_000),
}


def test_every_chapter_has_a_sentinel():
    assert CHAPTERS and set(CHAPTERS) == set(QUICK_SENTINELS)


@pytest.mark.parametrize("chapter", CHAPTERS[::-1])  # later chapters train longer
def test_chapter_runs_in_quick_mode(chapter, tmp_path_factory):
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
    key, quick_size = QUICK_SENTINELS[chapter]
    assert values["quick_mode"] is True
    assert values[key] == quick_size, f"{chapter} did not shrink its work in quick mode"
