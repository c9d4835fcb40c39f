"""`make bench`: how fast this machine trains each chapter's model, next to its ceiling.

Measures the float32 matrix-multiply throughput (the practical ceiling of a CPU), then for
each chapter model its training throughput in images per second and achieved FLOP/s (from
the layer shapes, `helpers.shapes.layer_costs`) at the sources' batch size (Keras's default,
32) and at the one its chapter uses. `--book` adds `make book` with nothing changed,
`--cold-book` a cold `make book` (and which models it trained, for how long), `--tests`
adds `make test`. Not part of the tests. Writes benchmarks/results.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SOURCE_BATCH = 32  # what the source articles' model.fit(...) calls used


def models():
    """(chapter, label, builder, batch size the chapter trains it with)."""
    from helpers.models import (batchnorm_network, conv_network, deep_network, dense_network,
                                lenet_network, two_conv_network)

    return [
        ("2", "dense 128 (baseline)", lambda: dense_network((128,)), 32),
        ("3", "2×Conv(64)", two_conv_network, 32),
        ("3", "LeNet-5", lenet_network, 32),
        ("5", "3×Conv(64) (sweep)", lambda: conv_network((64, 64, 64)), 128),
        ("7", "deeper CNN (source 002)", deep_network, 32),
        ("7", "batch-norm CNN (best)", lambda: batchnorm_network((32, 64, 128), flip=False), 128),
    ]


def matmul_ceiling(n: int = 2048, repeats: int = 5, trials: int = 12) -> float:
    """float32 FLOP/s of an n×n matrix product: the best of ``trials`` timings. This
    machine's speed comes and goes (one core's worth at times, see "cores busy"), so
    many short trials are more likely to catch it at full speed than a few long ones."""
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    tf.linalg.matmul(a, b).numpy()  # warm-up
    best = float("inf")
    for _ in range(trials):
        began = time.perf_counter()
        for _ in range(repeats):
            c = tf.linalg.matmul(a, b)
        c.numpy()
        best = min(best, (time.perf_counter() - began) / repeats)
    return 2 * n ** 3 / best


def training_throughput(build, batch_size: int, seconds: float,
                        steps_per_execution: int = 1, trials: int = 3) -> tuple[float, float]:
    """Images per second of model.fit on random images after a warm-up epoch, the best
    of ``trials`` timings of about seconds/trials each (as for the ceiling), and the cores
    kept busy during that timing (process CPU time / wall time)."""
    import keras

    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  steps_per_execution=steps_per_execution)
    rng = np.random.default_rng(0)
    n = batch_size * 8
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, n)
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)  # traces the graph
    began = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    speed = n / (time.perf_counter() - began)
    n = max(n, int(speed * seconds / trials) // batch_size * batch_size)
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, n)
    best = (0.0, 0.0)
    for _ in range(trials):
        began, cpu = time.perf_counter(), time.process_time()
        model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
        wall = time.perf_counter() - began
        best = max(best, (n / wall, (time.process_time() - cpu) / wall))
    keras.backend.clear_session()
    return best


def side_by_side(label: str, seconds: float) -> dict:
    """Images per second of one training process alone, and of two at once (the way
    `make book BOOK_JOBS=2` executes two chapters at once), each in its own process."""
    def launch():
        return subprocess.Popen([sys.executable, __file__, "--worker", label,
                                 "--seconds", str(seconds)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    alone = float(launch().communicate()[0].split()[0])
    pair = [launch(), launch()]
    together = [float(p.communicate()[0].split()[0]) for p in pair]
    return {"model": label, "seconds": seconds, "one_process": round(alone, 1),
            "two_processes": [round(v, 1) for v in together],
            "gain": round(sum(together) / alone, 2)}


def cold_book(jobs: int) -> dict:
    """`make book` from nothing (no page cache, no trained weights), built into a
    temporary folder so the course's own caches are untouched; then the rebuild with
    nothing changed. Per-chapter seconds come from Jupyter Book's cache records."""
    from jupyter_cache import get_cache

    from helpers.cache import trained_runs

    with tempfile.TemporaryDirectory(prefix="cold-book-") as tmp:
        env = {**os.environ, "COURSE_CACHE_DIR": str(Path(tmp) / "weights")}
        command = ["make", "book", f"BOOK_JOBS={jobs}", f"BOOK_OUTPUT={tmp}"]
        # its progress lines stay on the console: this takes about 40 minutes
        cold, rebuild = timed(command, env, quiet=False), timed(command, env)
        records = get_cache(str(Path(tmp) / "_build" / ".jupyter_cache")).list_cache_records()
        chapters = {Path(r.uri).stem: round(r.data["execution_seconds"], 1) for r in records}
        trained = trained_runs(Path(tmp) / "weights")
    return {"jobs": jobs, "cold_s": round(cold, 1), "rebuild_s": round(rebuild, 1),
            "chapters": dict(sorted(chapters.items())), "trainings": trained}


def timed(command: list[str], env: dict | None = None, quiet: bool = True) -> float:
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True,
                   stdout=subprocess.DEVNULL if quiet else None)
    return time.perf_counter() - began


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="timed work per measurement")
    parser.add_argument("--book", action="store_true", help="also time `make book` (warm)")
    parser.add_argument("--cold-book", action="store_true",
                        help="also time a cold `make book` and the rebuild after it "
                             "(in a temporary folder: about 40 minutes)")
    parser.add_argument("--jobs", type=int, default=1, help="chapters at once (--cold-book)")
    parser.add_argument("--tests", action="store_true", help="also time `make test`")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # side_by_side's processes
    args = parser.parse_args(argv)
    from helpers.shapes import layer_costs
    from helpers.training import STEPS_PER_EXECUTION

    if args.worker:
        build = {label: b for _, label, b, _ in models()}[args.worker]
        print(training_throughput(build, SOURCE_BATCH, args.seconds, trials=1)[0])
        return

    ceiling = matmul_ceiling()
    print(f"float32 matmul ceiling: {ceiling / 1e9:.1f} GFLOP/s", flush=True)
    rows = []
    for chapter, label, build, course_batch in models():
        macs = sum(row[3] for row in layer_costs(build()))
        flops = 6 * macs  # forward 2 per multiply-add; backward about twice the forward
        # the sources: Keras's defaults; the course: its batch, 32 batches per graph call
        for setting, batch, steps in (("sources", SOURCE_BATCH, 1),
                                      ("course", course_batch, STEPS_PER_EXECUTION)):
            speed, cores = training_throughput(build, batch, args.seconds, steps)
            rows.append({"chapter": chapter, "model": label, "setting": setting,
                         "batch": batch, "steps_per_execution": steps,
                         "images_per_s": round(speed, 1), "cores_busy": round(cores, 2),
                         "train_mflop_per_image": round(flops / 1e6, 2),
                         "gflop_per_s": round(speed * flops / 1e9, 2),
                         "share_of_ceiling": round(speed * flops / ceiling, 4)})
            print(f"ch{chapter} {label:<26} {setting:<7} batch {batch:>3}: "
                  f"{speed:8.1f} img/s, {rows[-1]['gflop_per_s']:6.2f} GFLOP/s "
                  f"({rows[-1]['share_of_ceiling']:.1%} of the ceiling), "
                  f"{cores:.2f} cores busy", flush=True)

    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": f"{platform.processor() or platform.machine()}, "
                         f"{os.cpu_count()} cores",
              "matmul_gflop_per_s": round(ceiling / 1e9, 2), "models": rows}
    result["side_by_side"] = side_by_side("2×Conv(64)", 3 * args.seconds)
    print("one process vs two at once (2×Conv(64), images/s):", result["side_by_side"],
          flush=True)
    results_json = ROOT / "benchmarks" / "results.json"
    if args.cold_book:
        result["cold_book"] = {"date": result["date"], **cold_book(args.jobs)}
    elif results_json.is_file() and "cold_book" in json.loads(results_json.read_text()):
        # half an hour to measure: keep the last one, with its own date
        result["cold_book"] = json.loads(results_json.read_text())["cold_book"]
    if args.book:
        result["make_book_warm_s"] = round(timed(["make", "book"]), 1)
    if args.tests:
        result["make_test_s"] = round(timed(["make", "test"]), 1)
    (ROOT / "benchmarks" / "results.json").write_text(json.dumps(result, indent=1) + "\n")
    (ROOT / "benchmarks" / "results.md").write_text(_markdown(result))
    print("written: benchmarks/results.md, benchmarks/results.json")


def _markdown(result: dict) -> str:
    lines = [
        "# Benchmark results", "",
        f"Written by `make bench` on {result['date']} ({result['machine']}). "
        f"float32 matrix-multiply ceiling: **{result['matmul_gflop_per_s']} GFLOP/s**. "
        "Training FLOPs per image = 6 × the multiply-adds of the convolutions and dense "
        "layers (`helpers.shapes.layer_costs`). *sources*: Keras's defaults (batch 32, one "
        "batch per graph call); *course*: the chapter's batch and 32 batches per call "
        "(`helpers.training.STEPS_PER_EXECUTION`). *images/s*: the best of three timings, "
        "since this machine's speed comes and goes; *cores busy*: process CPU time / wall "
        "time during that timing (about 1 when only one core's worth was available).", "",
        "| ch | model | setting | batch | images/s | cores busy | MFLOP/image | GFLOP/s "
        "| share of ceiling |",
        "|---|---|---|---|---|---|---|---|---|"]
    for r in result["models"]:
        lines.append(f"| {r['chapter']} | {r['model']} | {r['setting']} | {r['batch']} | "
                     f"{r['images_per_s']:,} | {r.get('cores_busy', '')} | "
                     f"{r['train_mflop_per_image']} | {r['gflop_per_s']} | "
                     f"{r['share_of_ceiling']:.1%} |")
    if "side_by_side" in result:
        s = result["side_by_side"]
        lines += ["", f"Two training processes at once ({s['model']}, batch 32, images/s): "
                  f"one alone {s['one_process']:,}; two together "
                  f"{' + '.join(f'{v:,}' for v in s['two_processes'])} = "
                  f"**{s['gain']}×** the throughput of one (sustained: one timing of "
                  f"about {s.get('seconds', 24):g} s each). `make book` executes one "
                  "chapter at a time unless "
                  "`BOOK_JOBS` says otherwise: below about 1.5× it does not pay for the "
                  "training times it inflates on the pages."]
    if "cold_book" in result:
        c = result["cold_book"]
        lines += ["", f"`make book` from a cold cache (measured {c.get('date', 'earlier')}, "
                  + ("one chapter at a time" if c["jobs"] == 1
                     else f"{c['jobs']} chapters at once") + ", no "
                  f"trained weights): **{c['cold_s'] / 60:.1f} minutes**; the rebuild "
                  f"after it, nothing changed: **{c['rebuild_s']} s**.", "",
                  "| chapter | seconds to execute (cold) |", "|---|---|"]
        lines += [f"| {name} | {seconds:,} |" for name, seconds in c["chapters"].items()]
        if c.get("trainings"):
            trained = sum(t["seconds"] for t in c["trainings"])
            lines += ["", f"Of the cold build, **{trained / 60:.1f} minutes "
                      f"({trained / c['cold_s']:.0%}) went to training the models that the "
                      "weights cache keeps**, model by model below (from the cache's "
                      "records, in the order trained). The rest: short demonstrations "
                      "trained without the cache, starting kernels, loading data, "
                      "evaluating, plotting and rendering.", "",
                      "| model | epochs | seconds of training | share of the cold build |",
                      "|---|---|---|---|"]
            lines += [f"| {t['model']} | {t['epochs']} | {t['seconds']:,} | "
                      f"{t['seconds'] / c['cold_s']:.1%} |" for t in c["trainings"]]
    for key, label in (("make_book_warm_s", "`make book`, nothing changed"),
                       ("make_test_s", "`make test`")):
        if key in result:
            lines += ["", f"{label}: {result[key]} s"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
