"""The benchmark's page: where a cold build's time went (the runs come from
`helpers.cache.trained_runs`, tested in test_cache.py)."""

import importlib.util

from repo import ROOT

spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


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
