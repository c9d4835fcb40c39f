"""The claims a chapter's prose makes, checked on the run that states them.

A sentence such as "the CNN beats the dense network" is followed by a hidden cell that
calls `claim` with the measured value and the bound the sentence implies. In `make book`
a claim that does not hold stops the build with a message naming the claim, the value
and the bound. In `make claims` (``COURSE_CLAIMS_LOG`` names a file) every claim is
recorded instead, held or not, so one run shows all of them for its seed; `measure`
records a number the page compares with others (its spread over seeds goes on the page,
read back by `seed_spread` from the committed record, ``helpers/claims.json``: package
data, so it is there wherever the course is installed, a wheel on Colab included).
"""

from __future__ import annotations

import json
import math
import os
import statistics
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

LOG_ENV = "COURSE_CLAIMS_LOG"
# Written by `make claims` (benchmarks/claims.py).
RECORD = files("helpers") / "claims.json"


class ClaimError(AssertionError):
    """A sentence of the chapter is contradicted by the numbers of this run."""


def _plain(value):
    """JSON-friendly copy of a value (NumPy scalars and tuples included)."""
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):
        return value.item()
    return value


def _show(value, fmt: str) -> str:
    if isinstance(value, (list, tuple)):
        return "(" + ", ".join(_show(v, fmt) for v in value) + ")"
    if isinstance(value, str):
        return repr(value)
    return format(value, fmt)


def _log(kind: str, name: str, value, **extra) -> None:
    path = os.environ.get(LOG_ENV)
    if path:
        entry = {"kind": kind, "claim": name, "value": _plain(value), **extra}
        with open(path, "a", encoding="utf-8") as log:
            log.write(json.dumps(entry) + "\n")


def claim(name: str, value, *, above=None, below=None, equals=None, among=None,
          fmt: str = "") -> None:
    """Check that `value` (what this run measured) supports the sentence `name`.

    `above`/`below` are strict bounds, `equals` an exact fact, `among` a set of allowed
    values; `fmt` formats the numbers in the message (e.g. ".2%").
    """
    failures = []
    if above is not None and not value > above:
        failures.append(f"not above {_show(above, fmt)}")
    if below is not None and not value < below:
        failures.append(f"not below {_show(below, fmt)}")
    if equals is not None and not _plain(value) == _plain(equals):
        failures.append(f"not equal to {_show(equals, fmt)}")
    if among is not None and value not in among:
        failures.append(f"not one of {sorted(among)}")
    bounds = {key: _plain(bound) for key, bound in
              (("above", above), ("below", below), ("equals", equals)) if bound is not None}
    if among is not None:
        bounds["among"] = sorted(among)
    _log("claim", name, value, held=not failures, **bounds)
    if failures and not os.environ.get(LOG_ENV):
        raise ClaimError(f"claim '{name}' does not hold: this run measured "
                         f"{_show(value, fmt)}, {' and '.join(failures)}. The prose states "
                         "it; see benchmarks/claims.md for its spread over seeds.")


def measure(name: str, value) -> None:
    """Record a number the page compares with others, for its spread over seeds."""
    _log("measure", name, value)


def _read(record: Traversable | str) -> dict:
    record = Path(record) if isinstance(record, str) else record
    if not record.is_file():
        return {"claims": []}
    return json.loads(record.read_text(encoding="utf-8"))


def seed_spread(chapter: str, name: str, record: Traversable | str = RECORD) -> dict:
    """Mean, sd and seeds of one recorded claim or measurement of `chapter` ("05")."""
    data = _read(record)
    for entry in data["claims"] + data.get("measurements", []):
        if entry["chapter"].startswith(chapter) and entry["claim"] == name:
            values = [v for v in entry["values"] if v is not None]
            if len(values) >= 2:
                return {"mean": statistics.fmean(values), "sd": statistics.stdev(values),
                        "n": len(values), "values": values, "seeds": entry["seeds"]}
    if os.environ.get(LOG_ENV):  # the claims run itself is writing the record
        return {"mean": math.nan, "sd": math.nan, "n": 0, "values": [], "seeds": []}
    raise KeyError(f"{name!r} of chapter {chapter} has fewer than 2 seeds in {record}: "
                   "run `make claims`")


def paired_difference(chapter: str, first: str, second: str, scale: float = 1.0,
                      record: Traversable | str = RECORD) -> dict:
    """`first` minus `second`, seed by seed (same seeds), times `scale` (100: points)."""
    a, b = seed_spread(chapter, first, record), seed_spread(chapter, second, record)
    second_by_seed = dict(zip(b["seeds"], b["values"]))
    values = [scale * (va - second_by_seed[seed]) for seed, va in zip(a["seeds"], a["values"])
              if seed in second_by_seed]
    if len(values) < 2:
        return {"mean": math.nan, "sd": math.nan, "n": 0, "values": [], "seeds": []}
    return {"mean": statistics.fmean(values), "sd": statistics.stdev(values),
            "n": len(values), "values": values,
            "seeds": [s for s in a["seeds"] if s in second_by_seed]}


def spread_table(chapter: str, names: dict[str, str], record: Traversable | str = RECORD):
    """A table of recorded measurements over seeds: {row label: recorded name}."""
    import pandas as pd

    rows = {}
    for label, name in names.items():
        spread = seed_spread(chapter, name, record)
        rows[label] = {"mean": spread["mean"], "sd": spread["sd"],
                       "lowest": min(spread["values"], default=math.nan),
                       "highest": max(spread["values"], default=math.nan),
                       "seeds": spread["n"]}
    return pd.DataFrame(rows).T.astype({"seeds": int})


def is_real(spread: dict) -> bool:
    """A difference measured seed by seed is real when every seed agrees on its sign and
    its mean is at least 3 of its sds from zero (the course's margin for a claim)."""
    values = spread["values"]
    same_sign = all(v > 0 for v in values) or all(v < 0 for v in values)
    return bool(values) and same_sign and abs(spread["mean"]) >= 3 * spread["sd"]


def verdict(spread: dict) -> str:
    """The words a page uses for a difference measured seed by seed."""
    if is_real(spread):
        return "a real difference, with every seed agreeing by more than three sds"
    return "within the run-to-run spread"


def glue(name: str, value, display: bool = False):
    """Keep `value` for the prose's ``{glue:text}`name``` roles and return it.

    In the book this is myst_nb's glue. Opened on Colab or in a plain Jupyter, where
    myst_nb is not installed and no role is rendered, the value is only returned.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        return value
    myst_glue(name, value, display=display)
    return value
