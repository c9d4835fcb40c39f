"""Keep committed notebooks clean: no outputs, no execution counts, one canonical layout.

Clean notebooks give readable diffs and make sure no page ships a stale result.
``python -m course.notebooks PATH...`` rewrites every .ipynb under the given paths;
tests call :func:`is_canonical` on every committed notebook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat

# Cell metadata that only records a past run; everything else (tags, nbgrader) is kept.
_RUN_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")


def canonical(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Return ``nb`` stripped of run state, with the metadata a clean notebook keeps."""
    nb = nbformat.from_dict(nb)
    nb.nbformat, nb.nbformat_minor = 4, 5
    for cell in nb.cells:
        for key in _RUN_METADATA:
            cell.metadata.pop(key, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    kept = {k: nb.metadata[k] for k in ("kernelspec", "nbgrader") if k in nb.metadata}
    kept["language_info"] = {"name": "python"}
    kept.setdefault("kernelspec", {"display_name": "Python 3", "language": "python",
                                   "name": "python3"})
    nb.metadata = nbformat.from_dict(kept)
    nbformat.validate(nb)
    return nb


def canonical_text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(canonical(nb)) + "\n"


def is_canonical(path: Path) -> bool:
    text = Path(path).read_text(encoding="utf-8")
    return text == canonical_text(nbformat.reads(text, as_version=4))


def clean(paths) -> list[Path]:
    """Rewrite the notebooks under ``paths`` in canonical form; return the ones changed."""
    changed = []
    for root in map(Path, paths):
        for path in sorted([root] if root.suffix == ".ipynb" else root.rglob("*.ipynb")):
            if ".ipynb_checkpoints" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            new = canonical_text(nbformat.reads(text, as_version=4))
            if new != text:
                path.write_text(new, encoding="utf-8")
                changed.append(path)
    return changed


if __name__ == "__main__":
    for changed_path in clean(sys.argv[1:] or ["."]):
        print(f"cleaned {changed_path}")


def asserts_without_message(nb: nbformat.NotebookNode) -> list[str]:
    """Each `assert` of a code cell that has no message, as 'cell N: source line': a
    failing claim or test must say what is wrong."""
    import ast

    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell  # `%pip ...` -> get_ipython().run_...
    bare = []
    for number, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        lines = python(cell.source).splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, ast.Assert) and node.msg is None:
                bare.append(f"cell {number}: {lines[node.lineno - 1].strip()}")
    return bare
