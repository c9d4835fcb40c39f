"""Where the course is, and what an executed notebook holds: shared by the tests."""

import ast
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[2]


def glued(nb: nbformat.NotebookNode) -> dict:
    """Values a notebook stored with ``myst_nb.glue(..., display=False)``, parsed."""
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            for mime, data in output.get("data", {}).items():
                if mime.startswith("application/papermill.record/"):
                    key = output["metadata"]["scrapbook"]["name"]
                    values[key] = data if not isinstance(data, str) else _literal(data)
    return values


def _literal(text):
    """The value behind a glued repr (ints, floats, bools, strings); else the text itself."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def errors(nb: nbformat.NotebookNode) -> list[str]:
    """Every error output of an executed notebook, as 'Name: message'."""
    return [f"{o['ename']}: {o['evalue']}" for cell in nb.cells
            for o in cell.get("outputs", []) if o.get("output_type") == "error"]
