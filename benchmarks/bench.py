"""`make bench`: how fast this machine trains each chapter's model, next to its ceiling.

Measures the float32 matrix-multiply throughput (the practical ceiling of a CPU), then for
each chapter model its training throughput in images per second and achieved FLOP/s (from
the layer shapes, `helpers.models.layer_costs`) at the sources' batch size (Keras's default,
32) and at the one its chapter uses. `--book` adds `make book` with nothing changed,
`--tests` adds `make test`. Not part of the tests. Writes benchmarks/results.{md,json}.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
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


def matmul_ceiling(n: int = 2048, repeats: int = 10) -> float:
    """float32 FLOP/s of an n×n matrix product, best of three timings."""
    import tensorflow as tf

    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    tf.linalg.matmul(a, b).numpy()  # warm-up
    best = float("inf")
    for _ in range(3):
        began = time.perf_counter()
        for _ in range(repeats):
            c = tf.linalg.matmul(a, b)
        c.numpy()
        best = min(best, (time.perf_counter() - began) / repeats)
    return 2 * n ** 3 / best


def training_throughput(build, batch_size: int, seconds: float) -> float:
    """Images per second of model.fit on random images, after a warm-up epoch."""
    import keras

    model = build()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    n = batch_size * 8
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, n)
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)  # traces the graph
    began = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    speed = n / (time.perf_counter() - began)
    n = max(n, int(speed * seconds) // batch_size * batch_size)  # about `seconds` of work
    x = rng.random((n, 28, 28, 1), dtype=np.float32)
    y = rng.integers(0, 10, n)
    began = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, epochs=1, verbose=0)
    keras.backend.clear_session()
    return n / (time.perf_counter() - began)


def timed(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8, help="timed work per measurement")
    parser.add_argument("--book", action="store_true", help="also time `make book` (warm)")
    parser.add_argument("--tests", action="store_true", help="also time `make test`")
    args = parser.parse_args(argv)
    from helpers.models import layer_costs

    ceiling = matmul_ceiling()
    print(f"float32 matmul ceiling: {ceiling / 1e9:.1f} GFLOP/s", flush=True)
    rows = []
    for chapter, label, build, course_batch in models():
        macs = sum(row[3] for row in layer_costs(build()))
        flops = 6 * macs  # forward 2 per multiply-add; backward about twice the forward
        for setting, batch in (("sources", SOURCE_BATCH), ("course", course_batch)):
            if setting == "course" and batch == SOURCE_BATCH:
                rows.append({**rows[-1], "setting": "course (same)"})
                continue
            speed = training_throughput(build, batch, args.seconds)
            rows.append({"chapter": chapter, "model": label, "setting": setting,
                         "batch": batch, "images_per_s": round(speed, 1),
                         "train_mflop_per_image": round(flops / 1e6, 2),
                         "gflop_per_s": round(speed * flops / 1e9, 2),
                         "share_of_ceiling": round(speed * flops / ceiling, 4)})
            print(f"ch{chapter} {label:<26} batch {batch:>3}: {speed:8.1f} img/s, "
                  f"{rows[-1]['gflop_per_s']:6.2f} GFLOP/s "
                  f"({rows[-1]['share_of_ceiling']:.1%} of the ceiling)", flush=True)

    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
              "machine": f"{platform.processor() or platform.machine()}, "
                         f"{os.cpu_count()} cores",
              "matmul_gflop_per_s": round(ceiling / 1e9, 2), "models": rows}
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
        "layers (`helpers.models.layer_costs`).", "",
        "| ch | model | setting | batch | images/s | MFLOP/image | GFLOP/s | share of ceiling |",
        "|---|---|---|---|---|---|---|---|"]
    for r in result["models"]:
        lines.append(f"| {r['chapter']} | {r['model']} | {r['setting']} | {r['batch']} | "
                     f"{r['images_per_s']:,} | {r['train_mflop_per_image']} | "
                     f"{r['gflop_per_s']} | {r['share_of_ceiling']:.1%} |")
    for key, label in (("make_book_warm_s", "`make book`, nothing changed"),
                       ("make_test_s", "`make test`")):
        if key in result:
            lines += ["", f"{label}: {result[key]} s"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
