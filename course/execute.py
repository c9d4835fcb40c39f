"""Execute the book's chapters into the cache `jupyter-book build` reads.

`make book` runs this before `jupyter-book build`, because Jupyter Book's cache is keyed
by a notebook's own code: a change in `helpers/` (or in the pinned requirements) would
leave pages showing the old code's results. When their fingerprint changed, every page
is executed again (trained weights stay cached, so that costs minutes, not a cold
build). It also prints one line per chapter with its time, a heartbeat every minute,
and names the chapters that failed, with the end of their traceback.

`--jobs N` executes N chapters at once. Chapters that need the same trained model do not
train it twice: the weights cache locks each entry while it is being trained. On the
course's 2-core machine two at once did not pay (see `make bench`), so `make book` uses
one unless told otherwise (`BOOK_JOBS=2`).

Each chapter is executed exactly as myst-nb's "cache" mode does (same runner, the
notebook's folder as working directory, the timeout of `_config.yml`), and stored under
the same key, so the build that follows only renders.

    python -m course.execute [--jobs 1] [--path-output DIR]
"""

from __future__ import annotations

import argparse
import concurrent.futures as futures
import fnmatch
import hashlib
import json
import multiprocessing
import os
import sys
import time
from pathlib import Path

import nbformat
import yaml

ROOT = Path(__file__).resolve().parents[1]
FINGERPRINT_FILE = "course-code.fingerprint"


def toc_pages(root: Path = ROOT) -> list[Path]:
    """The source file of every page in _toc.yml (notebook or markdown), in book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    names = []

    def walk(node):
        if isinstance(node, dict):
            for key in ("root", "file"):
                if key in node:
                    names.append(node[key])
            for value in node.values():
                if isinstance(value, (list, dict)):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    pages = []
    for name in names:
        found = [root / f"{name}{suffix}" for suffix in (".ipynb", ".md")
                 if (root / f"{name}{suffix}").is_file()]
        pages += found[:1]
    return pages


def book_notebooks(root: Path = ROOT) -> list[Path]:
    """The notebooks `jupyter-book build` executes: those in _toc.yml, minus the
    `execute.exclude_patterns` of _config.yml (the student notebooks), in book order."""
    config = yaml.safe_load((root / "_config.yml").read_text())
    excluded = (config.get("execute") or {}).get("exclude_patterns") or []
    return [path for path in toc_pages(root) if path.suffix == ".ipynb" and not any(
        fnmatch.fnmatch(path.relative_to(root).as_posix(), p) for p in excluded)]


def code_fingerprint(root: Path = ROOT) -> str:
    """A hash of what every page's results depend on besides its own code: helpers/
    (all of it: the tools live in course/), requirements.txt and the claims record the
    pages read their seed spread from."""
    h = hashlib.blake2b(digest_size=16)
    modules = sorted((root / "helpers").rglob("*.py"))
    record = root / "helpers" / "claims.json"
    for path in modules + [root / "requirements.txt"] + ([record] if record.exists() else []):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _timeout(root: Path) -> int:
    config = yaml.safe_load((root / "_config.yml").read_text())
    return int((config.get("execute") or {}).get("timeout", 1800))


def expire_if_code_changed(cache, cache_path: Path, root: Path = ROOT, log=print) -> bool:
    """Empty the page cache when helpers/ or requirements.txt changed since it was filled."""
    stamp = cache_path / FINGERPRINT_FILE
    current = code_fingerprint(root)
    previous = stamp.read_text().strip() if stamp.is_file() else None
    expired = False
    if previous != current and cache.list_cache_records():
        log("helpers/ or requirements.txt changed since the pages were executed: "
            "executing every chapter again (trained weights stay cached)")
        cache.clear_cache()
        expired = True
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(current + "\n")
    return expired


def _matches(cache, path: Path) -> bool:
    try:
        cache.match_cache_notebook(nbformat.read(path, as_version=4))
    except KeyError:
        return False
    return True


def _expected_seconds(cache, notebooks, root: Path) -> dict[Path, float]:
    """How long each chapter took last time: from the cache's records, else from the
    cold build `make bench --cold-book` measured; unknown chapters count as 0."""
    seconds = {}
    for record in cache.list_cache_records():
        seconds.setdefault(Path(record.uri), record.data.get("execution_seconds", 0))
    bench = root / "benchmarks" / "results.json"
    cold = json.loads(bench.read_text()).get("cold_book", {}) if bench.is_file() else {}
    return {p: seconds.get(p) or cold.get("chapters", {}).get(p.stem, 0.0) for p in notebooks}


def _execute(path: Path, cache_path: Path, timeout: int) -> tuple[float, str | None]:
    """Run one notebook (in a worker process) and cache it; (seconds, error or None).

    The kernel's own stderr (TensorFlow's start-up lines) goes to
    ``_build/execute-logs/<chapter>.log`` instead of the console."""
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from jupyter_cache.executors.utils import single_nb_execution

    cache = get_cache(str(cache_path))
    notebook = nbformat.read(path, as_version=4)
    record = cache.add_nb_to_project(str(path))
    logs = cache_path.parent / "execute-logs"
    logs.mkdir(parents=True, exist_ok=True)
    saved_stderr = os.dup(2)
    with open(logs / f"{path.stem}.log", "w") as log:
        os.dup2(log.fileno(), 2)
        try:
            result = single_nb_execution(notebook, cwd=str(path.parent), allow_errors=False,
                                         timeout=timeout, meta_override=True)
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)
    if result.err is not None:
        return result.time, result.exc_string or repr(result.err)
    cache.cache_notebook_bundle(
        CacheBundleIn(notebook, record.uri, data={"execution_seconds": result.time}),
        check_validity=False, overwrite=True)
    # Sphinx re-reads only pages whose file is newer than its last read: without this, a
    # page executed again because helpers/ changed would keep its old HTML.
    path.touch()
    return result.time, None


def _clock(seconds: float) -> str:
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def execute_book(root: Path = ROOT, path_output: Path | None = None, jobs: int = 1,
                 log=print) -> dict[str, float]:
    """Execute every page whose cached outputs are missing or stale, ``jobs`` at a time.

    Returns the seconds each executed chapter took; raises RuntimeError naming the
    chapters that failed (the others are cached, so a re-run only repeats those).
    """
    from jupyter_cache import get_cache

    root = root.resolve()
    cache_path = (path_output or root).resolve() / "_build" / ".jupyter_cache"
    cache = get_cache(str(cache_path))
    notebooks = [p.resolve() for p in book_notebooks(root)]
    expected = _expected_seconds(cache, notebooks, root)  # before any record is dropped
    expire_if_code_changed(cache, cache_path, root, log)
    todo = [p for p in notebooks if not _matches(cache, p)]
    if not todo:
        log(f"all {len(notebooks)} chapters are up to date in {cache_path.parent.name}/")
        return {}
    if jobs > 1:
        # Longest first, so the lanes end together. With no timing known (a cold build),
        # book order reversed: the later chapters train the larger models.
        position = {p: i for i, p in enumerate(notebooks)}
        todo.sort(key=lambda p: (-expected[p], -position[p]))
    log(f"executing {len(todo)} of {len(notebooks)} chapters, {jobs} at a time: "
        + ", ".join(p.stem for p in todo))
    began = time.perf_counter()
    took, failed = {}, {}
    # spawn: each worker starts clean (the parent may have imported a lot already)
    context = multiprocessing.get_context("spawn")
    with futures.ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        running = {pool.submit(_execute, p, cache_path, _timeout(root)): p for p in todo}
        pending = set(running)
        while pending:
            done, pending = futures.wait(pending, timeout=60,
                                         return_when=futures.FIRST_COMPLETED)
            for future in done:
                path = running[future]
                seconds, error = future.result()
                took[path.stem] = round(seconds, 1)
                if error:
                    failed[path.stem] = error
                status = "FAILED" if error else "executed"
                log(f"[{len(took)}/{len(todo)}] {path.stem} {status} in {_clock(seconds)}")
                if error:
                    log("\n".join(error.strip().splitlines()[-15:]))
            if not done:
                log(f"... {_clock(time.perf_counter() - began)} elapsed, "
                    f"{len(pending)} chapters still executing")
    log(f"executed {len(took)} chapters in {_clock(time.perf_counter() - began)}")
    if failed:
        raise RuntimeError(f"{len(failed)} chapter(s) failed: {', '.join(failed)}. Fix the "
                           "error shown above and run `make book` again; the chapters "
                           "that succeeded are cached and will not run again.")
    return took


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1, help="chapters executed at once")
    parser.add_argument("--path-output", type=Path, default=None,
                        help="as jupyter-book build --path-output (default: the course)")
    args = parser.parse_args(argv)
    try:
        execute_book(ROOT, args.path_output, max(1, args.jobs),
                     log=lambda line: print(line, flush=True))
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
