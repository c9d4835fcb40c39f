"""What the tools need to know about each chapter, declared once.

The chapter tests (tests/book/test_chapters.py) and `make claims` (benchmarks/claims.py)
read these; a test fails when a chapter of the book has no declaration here, or a
declaration names no chapter, so a new chapter cannot be forgotten by either.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Chapter:
    """One chapter of the book (`stem`: its notebook's name in book/, no suffix).

    quick_sentinel: a glued (name, value) that only a quick-mode run produces, so the
        tests know quick mode really shrank the work.
    claims_seeds: how many seeds `make claims` runs it with: 3 where its models train
        for more than 2 minutes each, else 5 (a spread needs at least 3).
    quick_minutes: about how long its quick run takes in the tests, so the slowest
        start first.
    """

    stem: str
    quick_sentinel: tuple[str, object]
    claims_seeds: int
    quick_minutes: int


CHAPTERS = (
    Chapter("01_dataset", ("n_analysed", 2_000), claims_seeds=5, quick_minutes=1),
    Chapter("02_dense", ("n_train_used", 2_000), claims_seeds=5, quick_minutes=2),
    Chapter("03_convolutions", ("n_train_used", 2_000), claims_seeds=3, quick_minutes=3),
    Chapter("04_feature_maps", ("n_train_used", 2_000), claims_seeds=3, quick_minutes=2),
    Chapter("05_how_many_convolutions", ("n_train_used", 2_000), claims_seeds=5,
            quick_minutes=3),
    Chapter("06_reading_a_classifier", ("n_train_used", 2_000), claims_seeds=5,
            quick_minutes=3),
    Chapter("07_going_deeper", ("n_train_used", 2_000), claims_seeds=3, quick_minutes=3),
)

BY_STEM = {chapter.stem: chapter for chapter in CHAPTERS}
