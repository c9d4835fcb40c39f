"""`make claims`: run every chapter at full scale for several seeds and record its claims.

A trained network on another CPU is in effect another random draw, so a claim the prose
makes is only worth asserting when it holds for every seed, with margin. This runs each
chapter through papermill with ``SEED`` set, for the first `claims_seeds` of the seeds
its declaration in `course/chapters.py` gives (5, or 3 for the chapters whose models
take more than two minutes each to train), reusing the weights cache per seed (its key
includes the initial weights, so each seed trains once and a later `make book` with the
default seed finds its models). The hidden cells' `helpers.claims.claim` and `measure`
calls are recorded to a log instead of stopping the run. The record (the machine, the
seeds, every claim with its value and verdict per seed, its mean, sd and margin to its
bound in sds, and the measurements the pages read their spread from) is written to
``helpers/claims.json``, package data, so the pages find it wherever the course is
installed (Colab installs a wheel, which holds the packages only), and as a table to
``benchmarks/claims.md``.

It prints a line per run and resumes: a chapter and seed already run with the same
notebook code is read back from ``_build/claims/``, so an interrupted run goes on
where it stopped and an edited chapter is run again (from cached weights). ``--force``
runs everything again.

    python benchmarks/claims.py [--seeds 42,1,2,3,4] [--chapters 03,05] [--force]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from helpers.claims import LOG_ENV  # noqa: E402
from course.chapters import BY_STEM, CHAPTERS  # noqa: E402
from course.execute import book_notebooks  # noqa: E402

SEEDS = (42, 1, 2, 3, 4)  # 42 first: the book's default, so `make book` reuses its models
RUNS = ROOT / "_build" / "claims"
OUT = ROOT / "helpers" / "claims.json"  # what the pages read (helpers.claims.RECORD)
PAGE = ROOT / "benchmarks" / "claims.md"  # the same, for people
MARGIN_SDS = 3  # a bound must sit at least this many sds from the mean


def machine() -> dict:
    """CPU model and flags: results depend on which kernels oneDNN picks for them."""
    model, flags = platform.processor() or "unknown", []
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = value.split()
                break
    except OSError:
        pass
    vector = [f for f in ("avx2", "fma", "avx512f", "avx512_bf16", "amx_bf16") if f in flags]
    return {"cpu": model, "cores": os.cpu_count(), "vector flags": vector, "flags": flags,
            "python": platform.python_version()}


def seeds_for(stem: str, seeds: list[int]) -> list[int]:
    """The first `claims_seeds` of `seeds` (course/chapters.py): the slow chapters get
    fewer. A chapter declared nowhere (a test's toy chapter) gets them all."""
    declared = BY_STEM.get(stem)
    return seeds[:declared.claims_seeds] if declared else list(seeds)


def _digest(path: Path) -> str:
    """The notebook's code (its prose does not change what the claims measure)."""
    import nbformat

    code = [c.source for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == "code"]
    return hashlib.sha256(json.dumps(code).encode()).hexdigest()


def _unchanged(saved: dict, notebook: Path) -> bool:
    # Older records hashed the whole file.
    return saved["notebook"] in (_digest(notebook),
                                 hashlib.sha256(notebook.read_bytes()).hexdigest())


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def run_one(notebook: Path, seed: int, runs: Path) -> dict:
    """Execute one chapter at full scale with `seed`; its claims, time and any error."""
    import papermill

    runs.mkdir(parents=True, exist_ok=True)
    digest = _digest(notebook)  # of what papermill reads now, not after an edit
    log = runs / f"{notebook.stem}-seed{seed}.log.jsonl"
    log.unlink(missing_ok=True)
    os.environ[LOG_ENV] = str(log)
    start, error = time.monotonic(), None
    try:
        papermill.execute_notebook(
            str(notebook), str(runs / f"{notebook.stem}-seed{seed}.ipynb"),
            parameters={"QUICK": False, "SEED": seed}, cwd=str(notebook.parent),
            kernel_name="python3", progress_bar=False, log_output=False)
    except Exception as failure:  # recorded, and the chapter is run again on resume
        error = f"{type(failure).__name__}: {str(failure).strip()[-2000:]}"
    finally:
        del os.environ[LOG_ENV]
    entries = ([json.loads(line) for line in log.read_text().splitlines()]
               if log.exists() else [])
    return {"chapter": notebook.stem, "seed": seed, "notebook": digest,
            "seconds": round(time.monotonic() - start, 1), "error": error,
            "entries": entries}


def collect(notebooks: list[Path], seeds: list[int], *, force: bool = False,
            only: frozenset[str] = frozenset(), runs_dir: Path = RUNS, out: Path = OUT,
            page: Path = PAGE, log=print) -> list[dict]:
    """Every (chapter, seed) run, executing those not already recorded for this notebook.

    Seeds go round by round (every chapter for the first seed, then the next), so an
    interrupted run has full rounds to show; the record is rewritten after each run.
    """
    plan = [(nb, s) for s in seeds for nb in notebooks if s in seeds_for(nb.stem, seeds)]
    runs, begun = [], time.monotonic()
    for i, (notebook, seed) in enumerate(plan, 1):
        saved = runs_dir / f"{notebook.stem}-seed{seed}.json"
        old = json.loads(saved.read_text()) if saved.exists() else None
        wanted = not only or any(notebook.stem.startswith(c) for c in only)
        if old and (not wanted or (not force and not old["error"]
                                   and _unchanged(old, notebook))):
            runs.append(old)
            continue
        if not wanted:
            continue
        log(f"[{i}/{len(plan)}] {notebook.stem} seed {seed}: running "
            f"({_clock(time.monotonic() - begun)} into this claims run)")
        result = run_one(notebook, seed, runs_dir)
        saved.write_text(json.dumps(result, indent=1))
        runs.append(result)
        failed = [e["claim"] for e in result["entries"]
                  if e["kind"] == "claim" and not e["held"]]
        log(f"[{i}/{len(plan)}] {notebook.stem} seed {seed}: "
            f"{'ERROR' if result['error'] else 'done'} in {_clock(result['seconds'])}, "
            f"{sum(e['kind'] == 'claim' for e in result['entries'])} claims, "
            f"{len(failed)} did not hold" + "".join(f"\n    not held: {c}" for c in failed)
            + (f"\n    {result['error'][-500:]}" if result["error"] else ""))
        write_record(runs, seeds, out, page)
    return runs


def _stats(values: list) -> dict:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if len(numbers) < 2 or len(numbers) != len(values):
        return {}
    return {"mean": statistics.fmean(numbers), "sd": statistics.stdev(numbers)}


def margin_sds(entry: dict) -> float | None:
    """Distance from the mean to the nearest bound, in sds (inf when nothing varies)."""
    if "mean" not in entry or not ({"above", "below"} & entry.keys()):
        return None
    gaps = [entry["mean"] - entry["above"]] if "above" in entry else []
    gaps += [entry["below"] - entry["mean"]] if "below" in entry else []
    gap = min(gaps)
    if entry["sd"] == 0:
        return math.inf if gap > 0 else -math.inf
    return gap / entry["sd"]


def merge(runs: list[dict]) -> tuple[list[dict], list[dict]]:
    """One row per claim and per measurement: its values and verdicts, seed by seed."""
    rows: dict[tuple, dict] = {}
    for run in runs:
        for entry in run["entries"]:
            key = (run["chapter"], entry["kind"], entry["claim"])
            row = rows.setdefault(key, {
                "chapter": run["chapter"], "kind": entry["kind"], "claim": entry["claim"],
                "seeds": [], "values": [], "held": [],
                **{k: entry[k] for k in ("above", "below", "equals", "among") if k in entry}})
            row["seeds"].append(run["seed"])
            row["values"].append(entry["value"])
            row["held"].append(entry.get("held", True))
    claims, measurements = [], []
    for row in rows.values():
        row.update(_stats(row["values"]))
        if row.pop("kind") == "claim":
            row["margin_sd"] = margin_sds(row)
            claims.append(row)
        else:
            del row["held"]
            measurements.append(row)
    return claims, measurements


def _finite(value):
    """JSON has no infinity: a margin of "inf" means the value never varied."""
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _show(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _bound(row: dict) -> str:
    parts = [f"> {_show(row['above'])}"] if "above" in row else []
    parts += [f"< {_show(row['below'])}"] if "below" in row else []
    parts += [f"= {_show(row['equals'])}"] if "equals" in row else []
    parts += [f"in {row['among']}"] if "among" in row else []
    return ", ".join(parts)


def _fewer_seeds(seeds: list[int]) -> str:
    """Which chapters run fewer than all `seeds`, for the page: "the first 3 for ..."."""
    fewer: dict[int, list[str]] = {}
    for chapter in CHAPTERS:
        n = len(seeds_for(chapter.stem, seeds))
        if n < len(seeds):
            fewer.setdefault(n, []).append(chapter.stem)
    return "; ".join(f"the first {n} for {', '.join(sorted(stems))}"
                     for n, stems in sorted(fewer.items()))


def write_record(runs: list[dict], seeds: list[int], out: Path = OUT,
                 page: Path = PAGE) -> dict:
    """Write the record to `out` (JSON) and its table to `page` (Markdown); return it."""
    claims, measurements = merge(runs)
    info = machine()
    written = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    record = {"machine": info, "seeds": seeds, "written": written,
              "runs": [{k: r[k] for k in ("chapter", "seed", "seconds", "error")}
                       for r in runs],
              "claims": claims, "measurements": measurements}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(_finite(record), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    failing = [c for c in claims if not all(c["held"])]
    thin = [c for c in claims if c["margin_sd"] is not None and c["margin_sd"] < MARGIN_SDS]
    fewer = _fewer_seeds(seeds)
    fewer = f" ({fewer}, whose models train longest)" if fewer else ""
    lines = [
        "# Claims over seeds", "",
        f"Written by `make claims` on {written}: every claim the chapters assert, run at "
        f"full scale for the seeds {', '.join(map(str, seeds))}{fewer}. Machine: "
        f"{info['cpu']}, {info['cores']} cores, {', '.join(info['vector flags'])}. "
        f"Chapter runs: {len(runs)}, {_clock(sum(r['seconds'] for r in runs))} in all.", "",
        f"**{len(claims)} claims; {len(claims) - len(failing)} held for every seed, "
        f"{len(failing)} did not; {len(thin)} sit closer than {MARGIN_SDS} sd to their "
        "bound.**", "",
        "*margin*: (mean − bound) / sd for the nearest bound, ∞ when the value never "
        "varied. Values are in the claim's unit (fractions for accuracies unless the claim "
        "says points).", ""]
    for chapter in dict.fromkeys(c["chapter"] for c in claims):
        lines += [f"## {chapter}", "",
                  "| claim | bound | values (seeds) | mean ± sd | margin | held |",
                  "|---|---|---|---|---|---|"]
        for c in (c for c in claims if c["chapter"] == chapter):
            values = ", ".join(_show(v) for v in c["values"])
            spread = f"{c['mean']:.4g} ± {c['sd']:.2g}" if "mean" in c else ""
            margin = c["margin_sd"]
            margin = "" if margin is None else "∞" if math.isinf(margin) else f"{margin:.1f}"
            held = "all" if all(c["held"]) else f"{sum(c['held'])}/{len(c['held'])}"
            lines.append(f"| {c['claim']} | {_bound(c)} | {values} "
                         f"({', '.join(map(str, c['seeds']))}) | {spread} | {margin} | {held} |")
        lines.append("")
    lines += ["## Measurements the pages compare", "",
              "| chapter | measurement | mean ± sd | n | values |", "|---|---|---|---|---|"]
    for m in measurements:
        spread = f"{m['mean']:.4g} ± {m['sd']:.2g}" if "mean" in m else ""
        lines.append(f"| {m['chapter']} | {m['claim']} | {spread} | {len(m['values'])} | "
                     f"{', '.join(_show(v) for v in m['values'])} |")
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return record


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default=",".join(map(str, SEEDS)),
                        help="comma-separated seeds; each chapter runs the first "
                        "claims_seeds of them (course/chapters.py)")
    parser.add_argument("--chapters", default="", help="run only these (e.g. 03,05); the "
                        "others are read back from earlier runs")
    parser.add_argument("--force", action="store_true", help="run everything again")
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    if len(seeds) < 3:
        parser.error("give at least 3 seeds: a spread needs them")
    only = frozenset(c.strip() for c in args.chapters.split(",") if c.strip())
    runs = collect(book_notebooks(), seeds, force=args.force, only=only,
                   log=lambda line: print(line, flush=True))
    record = write_record(runs, seeds)
    failing = [c for c in record["claims"] if not all(c["held"])]
    errors = [r for r in runs if r["error"]]
    print(f"{len(record['claims'])} claims, {len(failing)} did not hold for every seed; "
          f"{len(errors)} chapter run(s) failed. Record: benchmarks/claims.md", flush=True)
    return 1 if failing or errors else 0


if __name__ == "__main__":
    sys.exit(main())
