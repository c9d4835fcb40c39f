"""The benchmark's accounting of a cold build: which models it trained, for how long."""

import importlib.util
import json
import os

from conftest import ROOT

spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def write_record(folder, stem, epoch_seconds, mtime):
    path = folder / f"{stem}.json"
    path.write_text(json.dumps({"accuracy": [0.5] * len(epoch_seconds),
                                "epoch_seconds": epoch_seconds}))
    os.utime(path, (mtime, mtime))


def test_trainings_lists_each_trained_model_in_the_order_trained(tmp_path):
    write_record(tmp_path, "lenet-0123abcd", [10.0, 20.5], mtime=2_000)
    write_record(tmp_path, "sweep-2x64-89ef", [1.0, 1.0, 1.5], mtime=1_000)
    (tmp_path / "lenet-0123abcd.npz").write_bytes(b"weights, not a record")
    assert bench.trainings(tmp_path) == [
        {"model": "sweep-2x64", "epochs": 3, "seconds": 3.5},
        {"model": "lenet", "epochs": 2, "seconds": 30.5},
    ]


def test_results_page_shows_where_the_cold_build_went():
    result = {"date": "today", "machine": "x86_64, 2 cores", "matmul_gflop_per_s": 100.0,
              "models": [],
              "cold_book": {"jobs": 1, "cold_s": 600.0, "rebuild_s": 5.0,
                            "chapters": {"03_convolutions": 400.0},
                            "trainings": [{"model": "lenet", "epochs": 5, "seconds": 240.0},
                                          {"model": "two_conv64", "epochs": 5,
                                           "seconds": 120.0}]}}
    page = bench._markdown(result)
    assert "**6.0 minutes (60%) went to training the models" in page
    assert "| lenet | 5 | 240.0 | 40.0% |" in page
    assert page.index("| lenet |") < page.index("| two_conv64 |")
