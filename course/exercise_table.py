"""The table of exercises that book/exercises.md includes, written from solutions/ by
`make exercises`: adding an exercise never means editing that page by hand, and its
points are the notebook's own."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

from course.execute import book_notebooks

TABLE = Path("book") / "exercise_table.md"
HEADER = ("| exercise | chapter | autograded points | written answer |\n"
          "|---|---|---|---|\n")


def _points(notebook: Path) -> tuple[float, float]:
    """(points of the autograded tests, points graded by hand) of a solution notebook."""
    auto = manual = 0.0
    for cell in nbformat.read(notebook, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade"):
            if cell.cell_type == "code" and not meta.get("solution"):
                auto += meta.get("points", 0)
            else:
                manual += meta.get("points", 0)
    return auto, manual


def _number(points: float) -> str:
    return f"{points:g}"


def table_text(root: Path) -> str:
    """The markdown table: one row per folder of solutions/, beside the chapter that
    shares its number (ex07_deeper goes with 07_going_deeper)."""
    chapters = {p.stem.split("_")[0]: p.stem for p in book_notebooks(root)}
    rows = []
    for folder in sorted(p for p in (root / "solutions").iterdir() if p.is_dir()):
        name = folder.name
        chapter = chapters.get(name[2:4])
        if chapter is None:
            raise ValueError(f"solutions/{name}: no chapter of the book starts with "
                             f"{name[2:4]!r}; name an exercise exNN_topic after its chapter NN")
        auto, manual = _points(folder / f"{name}.ipynb")
        written = f"{_number(manual)} points" if manual else "none"
        rows.append(f"| {{doc}}`../exercises/{name}/{name}` | {{doc}}`{chapter}` | "
                    f"{_number(auto)} | {written} |\n")
    return HEADER + "".join(rows)


def write(root: Path) -> Path:
    path = root / TABLE
    path.write_text(table_text(root), encoding="utf-8")
    return path


if __name__ == "__main__":
    print(f"wrote {write(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())}")
