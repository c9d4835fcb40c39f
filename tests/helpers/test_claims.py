"""Claims: a false one stops the page with a message, the claims run records them all,
and the committed record (package data: helpers/claims.json) covers every claim the
chapters make, held for every seed."""

import ast
import importlib.util
import json
import re
from pathlib import Path

import nbformat
import pytest

from repo import ROOT
from helpers import claims
from helpers.claims import ClaimError, claim, measure, seed_spread
from course.chapters import CHAPTERS as DECLARED
from course.notebooks import asserts_without_message

spec = importlib.util.spec_from_file_location("claims_run", ROOT / "benchmarks" / "claims.py")
claims_run = importlib.util.module_from_spec(spec)
spec.loader.exec_module(claims_run)

CHAPTERS = sorted((ROOT / "book").glob("[0-9][0-9]_*.ipynb"))


def _write(runs, seeds, folder):
    """The record and its page, written into `folder` instead of the course's."""
    return claims_run.write_record(runs, seeds, folder / "claims.json", folder / "claims.md")


def test_a_claim_that_holds_is_silent(monkeypatch):
    monkeypatch.delenv(claims.LOG_ENV, raising=False)
    claim("accuracy about 90%", 0.9012, above=0.885, below=0.92)
    claim("sizes", (60_000, 28), equals=[60_000, 28])  # tuples and lists are the same fact
    claim("a top", "Shirt", among={"Shirt", "Coat"})


@pytest.mark.parametrize("bounds, words", [
    ({"above": 0.905}, "not above 90.50%"),
    ({"below": 0.85}, "not below 85.00%"),
    ({"equals": 0.5}, "not equal to 50.00%"),
])
def test_a_false_claim_names_itself_its_value_and_its_bound(monkeypatch, bounds, words):
    monkeypatch.delenv(claims.LOG_ENV, raising=False)
    with pytest.raises(ClaimError) as failure:
        claim("2×Conv(64) test accuracy passes 90.5%", 0.9019, fmt=".2%", **bounds)
    message = str(failure.value)
    assert "'2×Conv(64) test accuracy passes 90.5%'" in message
    assert "measured 90.19%" in message and words in message
    assert isinstance(failure.value, AssertionError)  # a failing page, as before


def test_the_claims_run_records_every_claim_and_stops_on_none(monkeypatch, tmp_path):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv(claims.LOG_ENV, str(log))
    claim("holds", 3, above=2)
    claim("does not hold", 1, above=2)  # recorded, not raised
    claim("hardest class is a top", "Bag", among={"Shirt"})
    measure("dense test accuracy", 0.8677)
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["kind"], e["claim"], e.get("held")) for e in entries] == [
        ("claim", "holds", True), ("claim", "does not hold", False),
        ("claim", "hardest class is a top", False), ("measure", "dense test accuracy", None)]
    assert entries[0]["above"] == 2 and entries[2]["among"] == ["Shirt"]


def _run(chapter, seed, *entries):
    return {"chapter": chapter, "seed": seed, "seconds": 1.0, "error": None,
            "notebook": "x", "entries": list(entries)}


def _claim(name, value, **bounds):
    held = all((k != "above" or value > b) and (k != "below" or value < b)
               for k, b in bounds.items())
    return {"kind": "claim", "claim": name, "value": value, "held": held, **bounds}


def test_record_gives_each_claim_its_values_spread_and_margin(tmp_path):
    runs = [_run("05_x", seed, _claim("64 beat 32 (points)", gain, above=0),
                 {"kind": "measure", "claim": "2×Conv(64) test accuracy", "value": acc})
            for seed, gain, acc in ((42, 1.0, 0.88), (1, 2.0, 0.89), (2, -0.5, 0.87))]
    record = _write(runs, [42, 1, 2], tmp_path)
    (row,) = record["claims"]
    assert row["values"] == [1.0, 2.0, -0.5] and row["held"] == [True, True, False]
    # mean 0.8333, sd of (1, 2, -0.5) = 1.2583: the bound 0 sits 0.66 sd below the mean
    assert row["mean"] == pytest.approx(0.8333, abs=1e-4)
    assert row["sd"] == pytest.approx(1.2583, abs=1e-4)
    assert row["margin_sd"] == pytest.approx(0.6623, abs=1e-4)
    page = (tmp_path / "claims.md").read_text()
    assert "| 64 beat 32 (points) | > 0 | 1, 2, -0.5 (42, 1, 2) | 0.8333 ± 1.3 | 0.7 | 2/3 |" in page
    assert "1 did not; 1 sit closer than 3 sd" in page
    saved = json.loads((tmp_path / "claims.json").read_text())
    assert saved["seeds"] == [42, 1, 2] and saved["machine"]["cpu"]
    spread = seed_spread("05", "2×Conv(64) test accuracy", tmp_path / "claims.json")
    assert spread["n"] == 3 and spread["mean"] == pytest.approx(0.88)
    assert spread["sd"] == pytest.approx(0.01)


def test_a_value_that_never_varies_has_an_infinite_margin(tmp_path):
    runs = [_run("01_x", s, _claim("half the pixels are 0", 0.502, above=0.4, below=0.6))
            for s in (42, 1, 2)]
    record = _write(runs, [42, 1, 2], tmp_path)
    assert record["claims"][0]["margin_sd"] == float("inf")
    assert json.loads((tmp_path / "claims.json").read_text())["claims"][0]["margin_sd"] == "inf"


def test_the_claims_run_resumes_and_reruns_an_edited_chapter(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("QUICK = False\nSEED = 0", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("from helpers.claims import claim\n"
                                  "claim('seed is small', SEED, below=10)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    chapter = tmp_path / "09_toy.ipynb"
    nbformat.write(nb, chapter)
    lines = []
    kwargs = {"runs_dir": tmp_path / "runs", "out": tmp_path / "claims.json",
              "page": tmp_path / "claims.md", "log": lines.append}
    runs = claims_run.collect([chapter], [1, 2, 30], **kwargs)
    assert [r["seed"] for r in runs] == [1, 2, 30] and not any(r["error"] for r in runs)
    row = claims_run.merge(runs)[0][0]
    assert row["values"] == [1, 2, 30] and row["held"] == [True, True, False]
    assert "not held: seed is small" in "\n".join(lines)

    lines.clear()
    assert len(claims_run.collect([chapter], [1, 2, 30], **kwargs)) == 3
    assert lines == []  # nothing ran again
    nb.cells[1].source += "\nclaim('seed is not negative', SEED, above=-1)"
    nbformat.write(nb, chapter)
    runs = claims_run.collect([chapter], [1, 2, 30], **kwargs)
    assert sum("running" in line for line in lines) == 3
    assert len(claims_run.merge(runs)[0]) == 2


# --- the chapters and the committed record ---

def _claim_names(path):
    """Each claim(...) call's name in a chapter: a string, or a regex for an f-string."""
    names = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code" or "claim(" not in cell.source:
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "claim":
                first = node.args[0]
                if isinstance(first, ast.Constant):
                    names.append(re.escape(first.value))
                else:
                    names.append("".join(re.escape(p.value) if isinstance(p, ast.Constant)
                                         else ".+" for p in first.values))
    return names


def test_every_assertion_in_the_chapters_has_a_message():
    bare = {path.name: asserts_without_message(nbformat.read(path, as_version=4))
            for path in CHAPTERS}
    assert not any(bare.values()), f"assertions without a message (use claim()): {bare}"


def test_the_claims_run_writes_the_record_the_pages_read():
    read = Path(str(claims.RECORD)).resolve()
    assert claims_run.OUT == read == ROOT / "helpers" / "claims.json" and read.is_file()


def test_each_chapter_runs_the_seeds_its_declaration_gives():
    seeds = list(claims_run.SEEDS)
    for chapter in DECLARED:
        assert chapter.claims_seeds >= 3, f"{chapter.stem}: a spread needs 3 seeds"
        assert claims_run.seeds_for(chapter.stem, seeds) == seeds[:chapter.claims_seeds]
    assert claims_run.seeds_for("09_toy", seeds) == seeds  # a test's chapter: all of them


def test_the_record_covers_every_claim_with_3_seeds_and_each_held():
    record = json.loads(claims.RECORD.read_text(encoding="utf-8"))
    for path in CHAPTERS:
        recorded = [c for c in record["claims"] if c["chapter"] == path.stem]
        for pattern in _claim_names(path):
            matching = [c for c in recorded if re.fullmatch(pattern, c["claim"])]
            assert matching, (f"{path.stem}: claim /{pattern}/ is not in helpers/claims."
                              "json; run `make claims` after editing a chapter's claims")
            for c in matching:
                assert len(c["seeds"]) >= 3, f"{path.stem}: {c['claim']}: {c['seeds']}"
                assert all(c["held"]), f"{path.stem}: '{c['claim']}' failed for a seed"
    assert not [r for r in record["runs"] if r["error"]]


def test_a_difference_is_real_only_when_every_seed_agrees_by_three_sds(tmp_path):
    runs = [_run("05_x", seed, {"kind": "measure", "claim": "64 beat 16", "value": big},
                 {"kind": "measure", "claim": "32 beat 16", "value": small},
                 {"kind": "measure", "claim": "2×Conv(16) test accuracy", "value": acc})
            for seed, big, small, acc in ((42, 2.1, 0.9, 0.857), (1, 2.4, -0.2, 0.861),
                                          (2, 2.2, 0.6, 0.853))]
    _write(runs, [42, 1, 2], tmp_path)
    record = tmp_path / "claims.json"
    big = seed_spread("05", "64 beat 16", record)  # 2.23 ± 0.15: far from 0
    small = seed_spread("05", "32 beat 16", record)  # one seed disagrees
    assert claims.is_real(big) and claims.verdict(big).startswith("a real difference")
    assert not claims.is_real(small) and claims.verdict(small) == "within the run-to-run spread"
    paired = claims.paired_difference("05", "64 beat 16", "32 beat 16", record=record)
    assert paired["values"] == pytest.approx([1.2, 2.6, 1.6])  # seed by seed
    table = claims.spread_table("05", {"2×Conv(16)": "2×Conv(16) test accuracy"}, record)
    row = table.loc["2×Conv(16)"]
    assert (row["lowest"], row["highest"], row["seeds"]) == (0.853, 0.861, 3)
    assert row["mean"] == pytest.approx(0.857) and row["sd"] == pytest.approx(0.004)


def test_a_page_without_its_record_says_to_run_make_claims(tmp_path, monkeypatch):
    monkeypatch.delenv(claims.LOG_ENV, raising=False)
    with pytest.raises(KeyError, match="make claims"):
        seed_spread("05", "not recorded", tmp_path / "claims.json")
