"""Exercise 5's tests: a callback that stops at a target accuracy, and the cheapest
configuration of a sweep that is good enough."""

from __future__ import annotations

import ast

import numpy as np

from grading.answers import Raised, Table
from grading.checks import Test
from grading.questions import drive, value

CALLBACK, CHOOSE = "StopAtAccuracy", "cheapest_good"
TARGET = 0.70  # the notebook's, as given
CONFIGS = [  # the notebook's CONFIGS, as given (RunConfig options)
    {"filters": 8, "conv_layers": 1, "epochs": 1, "batch_size": 64, "dense_units": 32},
    {"filters": 16, "conv_layers": 2, "epochs": 1, "batch_size": 64, "dense_units": 32},
]
N_TRAIN, N_CHECK = 5_000, 2_000  # x_small: the first 5,000 training images; x_check: 2,000
COLUMNS = ("label", "test accuracy", "training seconds")


def _label(config):
    return f"{config['conv_layers']}×Conv({config['filters']})"


def _uniform(rng, low, high, digits=3):
    return round(float(rng.uniform(low, high)), digits)


# Task 1: StopAtAccuracy ---------------------------------------------------------------

def _stops(threshold, *epochs_logs):
    return drive("callback_stops", CALLBACK, threshold, list(epochs_logs))


def _should_stop(threshold, logs):
    return isinstance(logs, dict) and "accuracy" in logs and logs["accuracy"] >= threshold


def _check_stops(question, result, hint):
    """The stop flags after each epoch are what the logs imply (each sequence of logs
    ends at the first epoch that stops, as a real fit does)."""
    threshold, epochs_logs = question.args[1:]
    called = f"{CALLBACK}({threshold}) with the logs {epochs_logs}"
    assert not isinstance(result, Raised), f"{called} raised {result.message}: {hint}"
    assert isinstance(result, list) and len(result) == len(epochs_logs), (
        f"{called}: the grader could not follow the callback")
    for epoch, (flag, logs) in enumerate(zip(result, epochs_logs)):
        assert isinstance(flag, bool), (
            f"{called}: model.stop_training must be True or False, got {flag}")
        assert flag == _should_stop(threshold, logs), (
            f"{called}: stop_training is {flag} after epoch {epoch} ({logs}): {hint}")


def stop_format_questions(rng):
    # As the visible test: one epoch below the threshold, one above (a threshold near 0.9).
    threshold = _uniform(rng, 0.85, 0.95)
    return {"an epoch below, then one above": _stops(
        threshold, {"accuracy": _uniform(rng, 0.70, 0.84), "loss": _uniform(rng, 0.3, 0.6)},
        {"accuracy": _uniform(rng, 0.96, 0.99), "loss": _uniform(rng, 0.05, 0.3)})}


def stop_format_check(asked, answers):
    ((name, question),) = asked.items()
    threshold = question.args[1]
    below, above = (logs["accuracy"] for logs in question.args[2])
    _check_stops(question, answers.raw(name),
                 f"{below} is below {threshold}: keep training; {above} reaches it: stop")
    return "keeps training below the threshold and stops above it"


def stop_values_questions(rng):
    # Classic mistakes this catches: ">" instead of ">=" (the exact threshold does not
    # stop); logs["accuracy"] unguarded (KeyError or TypeError without it), or logs.get
    # without `logs is None`; a missing accuracy taken as reached (logs.get("accuracy",
    # 1)); a fixed threshold (0.9) instead of the one given (every threshold here but one
    # is far from 0.9, and that one's accuracies lie between 0.9 and it); the accuracy
    # rounded (just below a threshold of two decimals); val_accuracy or loss instead of
    # accuracy; on_train_batch_end instead of on_epoch_end; a callback that works on
    # made-up logs only (a real fit, reported by the kernel).
    low = [_uniform(rng, 0.3, 0.75) for _ in range(6)]
    two_decimals = int(rng.integers(60, 96)) / 100
    high = _uniform(rng, 0.93, 0.99)
    x = rng.random((256, 8)).astype(np.float32)
    y = (x[:, int(rng.integers(0, 8))] > 0.5).astype(np.int64)
    return {
        "no logs at all (logs=None): training goes on": _stops(low[0], None),
        "logs without 'accuracy': training goes on": _stops(
            low[1], {"loss": _uniform(rng, 0.2, 2.0)}),
        "an accuracy exactly equal to the threshold stops": _stops(
            low[2], {"accuracy": low[2], "loss": _uniform(rng, 0.2, 0.8)}),
        "after epochs without an accuracy, one above the threshold stops": _stops(
            low[3], None, {"loss": _uniform(rng, 0.5, 1.0)},
            {"accuracy": round(low[3] + _uniform(rng, 0.01, 0.1), 3),
             "loss": _uniform(rng, 0.2, 0.5)}),
        "just below a threshold of two decimals: training goes on": _stops(
            two_decimals, {"accuracy": round(two_decimals - int(rng.integers(1, 5)) / 1e4, 4)}),
        "a threshold never reached: training goes on": _stops(
            high, *({"accuracy": a, "loss": _uniform(rng, 0.2, 0.6)} for a in sorted(
                [_uniform(rng, 0.6, 0.85), _uniform(rng, 0.6, 0.85),
                 _uniform(rng, 0.9, high - 0.005)]))),
        "the training accuracy (logs['accuracy']) decides, not the validation accuracy": _stops(
            low[4], {"accuracy": round(low[4] - _uniform(rng, 0.01, 0.1), 3),
                     "loss": _uniform(rng, 1.0, 2.0),
                     "val_accuracy": round(low[4] + _uniform(rng, 0.01, 0.1), 3),
                     "val_loss": _uniform(rng, 1.0, 2.0)}),
        "the training accuracy decides, not the validation accuracy or the loss": _stops(
            low[5], {"accuracy": round(low[5] + _uniform(rng, 0.01, 0.1), 3),
                     "loss": _uniform(rng, 0.01, 0.2),
                     "val_accuracy": round(low[5] - _uniform(rng, 0.01, 0.1), 3),
                     "val_loss": _uniform(rng, 0.01, 0.2)}),
        "a real fit with the threshold 0": drive("callback_fit", CALLBACK, 0.0, x, y, 3),
        "a real fit with the threshold 1.01": drive("callback_fit", CALLBACK, 1.01, x, y, 3),
    }


def stop_values_check(asked, answers):
    for name, question in asked.items():
        result = answers.raw(name)
        if question.target == "callback_stops":
            _check_stops(question, result, name)
            continue
        threshold, epochs = question.args[1], question.args[4]
        called = f"a real fit of {epochs} epochs with callbacks=[{CALLBACK}({threshold})]"
        assert not isinstance(result, Raised), f"{called} raised {result.message}"
        want = 1 if threshold <= 0 else epochs  # accuracies lie in [0, 1]
        assert result == want, f"{called} ran {result} epochs, expected {want}"
    return "stops exactly when the training accuracy reaches the threshold"


# Task 2: choose_config ----------------------------------------------------------------

_POOL = [f"{layers}×Conv({filters})" for layers in (1, 2, 3)
         for filters in (4, 8, 12, 16, 24, 32, 48, 64, 96, 128)]
_POOL = [label for label in _POOL if label not in {_label(c) for c in CONFIGS}]


def _labels(rng, n):
    """n labels like the sweep's, drawn at random (never the notebook's own), so a label
    typed in or a constant fails."""
    return [_POOL[i] for i in rng.choice(len(_POOL), n, replace=False)]


def _runs(rng, target, tie_first=True):
    """Six made-up runs for `target`: the answer E reaches it exactly; B, below it, takes
    exactly as long as E (and comes first with tie_first); F is the fastest, below the
    target but with the highest train accuracy (and at least TARGET when target is
    above it); D is good with the fewest seconds per epoch but slower; M is the most
    accurate and the slowest; G is below the target and slow. Rows come unsorted, with
    row labels that are not positions. As ({column: values}, index)."""
    seconds = _uniform(rng, 3, 6)
    fast_low = max(TARGET, target - 0.1) if target > TARGET else target - 0.15
    runs = {  # name: (epochs, train accuracy, test accuracy, training seconds)
        "E": (int(rng.integers(1, 3)), _uniform(rng, 0.6, 0.9), target, seconds),
        "B": (int(rng.integers(1, 4)), _uniform(rng, 0.6, 0.9),
              _uniform(rng, target - 0.2, target - 0.01), seconds),
        "F": (int(rng.integers(1, 3)), _uniform(rng, 0.95, 0.99),
              _uniform(rng, fast_low, target - 0.01), _uniform(rng, 0.5, seconds - 0.5)),
        "D": (int(rng.integers(6, 11)), _uniform(rng, 0.8, 0.99),
              _uniform(rng, target + 0.01, target + 0.04),
              round(seconds + _uniform(rng, 0.5, 2), 3)),
        "M": (1, _uniform(rng, 0.8, 0.99), _uniform(rng, target + 0.06, min(0.99, target + 0.12)),
              round(seconds + _uniform(rng, 3, 6), 3)),
        "G": (int(rng.integers(1, 6)), _uniform(rng, 0.6, 0.9),
              _uniform(rng, target - 0.3, target - 0.02), round(seconds + _uniform(rng, 2, 5), 3)),
    }
    order = [str(name) for name in rng.permutation(list(runs))]
    b, e = order.index("B"), order.index("E")
    if (b < e) != tie_first:
        order[b], order[e] = order[e], order[b]
    rows = [runs[name] for name in order]
    columns = {"label": _labels(rng, len(rows)),
               "epochs": [row[0] for row in rows],
               "train accuracy": [row[1] for row in rows],
               "test accuracy": [row[2] for row in rows],
               "training seconds": [row[3] for row in rows],
               "seconds per epoch": [round(row[3] / row[0], 4) for row in rows]}
    index = [int(i) for i in rng.choice(np.arange(10, 100), len(rows), replace=False)]
    return columns, index


def _cheapest(labels, accuracy, seconds, target):
    """The labels the statement allows: those of the good runs with the fewest seconds,
    or {None}."""
    good = [i for i in range(len(labels)) if accuracy[i] >= target]
    if not good:
        return {None}
    best = min(seconds[i] for i in good)
    return {labels[i] for i in good if seconds[i] == best}


def _ask(table, target):
    columns, index = table
    return drive("table_call", CHOOSE, columns, index, target)


def _check_cheapest(name, question, result):
    columns, _, target = question.args[1:]
    want = _cheapest(*(columns[c] for c in COLUMNS), target)
    called = f"cheapest_good on {name}"
    assert not isinstance(result, Raised), f"{called} raised {result.message}"
    if want == {None}:
        assert result is None, f"{called}: no run reaches {target}: return None, not {result!r}"
        return
    assert isinstance(result, str), f"{called}: return a label (a str), got {result!r}"
    assert result in want, (
        f"{called}: {result!r} is not the run with the fewest training seconds among those "
        "whose test accuracy is at least the target")


def _table(answers):
    table = answers["table"]
    assert isinstance(table, Table), (
        f"table is the DataFrame that run_sweep returns, not a {answers.type_name('table')}")
    return table


def _choice(answers):
    choice = answers["choice"]
    assert choice is None or isinstance(choice, str), (
        f"choice is a label (a str) or None, got a {answers.type_name('choice')}")
    return choice


def choose_config_format_questions(rng):
    # As the visible test: `table` and `choice`, and two runs, the slower one more
    # accurate, in the default row order and index; one target between them, one below.
    slow, fast = _uniform(rng, 0.86, 0.97), _uniform(rng, 0.72, 0.84)
    columns = {"label": _labels(rng, 2), "test accuracy": [slow, fast],
               "training seconds": [_uniform(rng, 4, 9), _uniform(rng, 1, 3.5)]}
    between = _uniform(rng, fast + 0.005, slow - 0.005)
    below = _uniform(rng, 0.4, fast - 0.05)
    return {"table": value("table"), "choice": value("choice"),
            f"two runs, target {between}": _ask((columns, [0, 1]), between),
            f"two runs, target {below}": _ask((columns, [0, 1]), below)}


def choose_config_format_check(asked, answers):
    table = _table(answers)
    assert len(table) == 2, f"table has one row per configuration (2), got {len(table)}"
    missing = sorted(set(COLUMNS) - set(table.columns))
    assert not missing, f"table lacks the columns {missing}"
    choice = _choice(answers)
    assert choice is None or choice in table.column("label"), (
        f"{choice!r} is not a label in table")
    for name, question in asked.items():
        if question.kind == "drive":
            _check_cheapest(name, question, answers.raw(name))
    return "table, choice and cheapest_good have the right form"


def choose_config_values_questions(rng):
    # Classic mistakes this catches: the fastest run whatever its accuracy (target
    # ignored); the most accurate good run instead of the fastest; ">" instead of ">=" at
    # the target; "train accuracy" or "seconds per epoch" instead of the columns named;
    # the global TARGET instead of the argument (one target above it, one below); no None
    # when nothing reaches the target (IndexError); a position used as an index label
    # (.loc with argmin); the fewest seconds among the good runs looked up in the whole
    # table (a run below the target takes exactly as long, and comes first); a label
    # typed in, or a constant (the labels are drawn at random); a table typed in, or a
    # sweep of other data or configurations (the grader evaluates the sweep's models
    # itself); a `choice` typed in.
    above, below = _uniform(rng, 0.75, 0.88), _uniform(rng, 0.55, 0.66)
    never = _runs(rng, _uniform(rng, 0.75, 0.88))
    out_of_reach = round(max(never[0]["test accuracy"]) + _uniform(rng, 0.005, 0.02), 3)
    one = _uniform(rng, 0.6, 0.9)
    single = ({"label": _labels(rng, 1), "epochs": [int(rng.integers(1, 6))],
               "train accuracy": [_uniform(rng, 0.6, 0.99)], "test accuracy": [one],
               "training seconds": [_uniform(rng, 1, 9)],
               "seconds per epoch": [_uniform(rng, 1, 9)]}, [int(rng.integers(10, 100))])
    return {
        f"six made-up runs, target {above}": _ask(_runs(rng, above), above),
        f"six other made-up runs, target {below}": _ask(
            _runs(rng, below, tie_first=bool(rng.integers(0, 2))), below),
        f"six runs none of which reaches {out_of_reach}": _ask(never, out_of_reach),
        f"one run that reaches the target {one}": _ask(single, one),
        "table": value("table"), "choice": value("choice"),
        "the sweep of CONFIGS": drive("sweep_runs", CONFIGS, N_TRAIN),
        "the notebook's code": drive("code_run"),
    }


def _check_table(table, runs):
    """Each row of `table` is the run of its configuration: the test accuracy as the
    grader measures it on x_check, the training seconds as the kernel's cache records."""
    import helpers

    assert isinstance(runs, list) and len(runs) == len(CONFIGS), (
        "the grader could not rebuild the sweep of CONFIGS")
    labels = table.column("label")
    assert sorted(map(str, labels)) == sorted(_label(c) for c in CONFIGS), (
        "table does not hold one row for each configuration of CONFIGS as given")
    _, (images, classes) = helpers.load_data(download=False)
    x_check = helpers.scale_images(images[:N_CHECK])[..., np.newaxis]
    accuracy, seconds = table.column("test accuracy"), table.column("training seconds")
    for config, (model, epoch_seconds) in zip(CONFIGS, runs):
        row = labels.index(_label(config))
        measured = float(np.mean(
            np.asarray(model.predict(x_check, verbose=0)).argmax(axis=1) == classes[:N_CHECK]))
        assert abs(accuracy[row] - measured) < 1e-3 and abs(
            seconds[row] - sum(epoch_seconds)) < 1e-3, (
            f"the row of {labels[row]} is not what run_sweep(CONFIGS, x_small, y_small, "
            "x_check, y_check) gives: other data, settings or numbers?")


def _typed_in(label: str, sources: list) -> bool:
    """Whether `label` appears as a string in the code the kernel ran (parsed, never
    run)."""
    for source in sources:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        if any(isinstance(node, ast.Constant) and isinstance(node.value, str)
               and node.value.strip() == label.strip() for node in ast.walk(tree)):
            return True
    return False


def choose_config_values_check(asked, answers):
    for name, question in asked.items():
        if question.target == "table_call":
            _check_cheapest(name, question, answers.raw(name))
    table = _table(answers)
    missing = sorted(set(COLUMNS) - set(table.columns))
    assert not missing, f"table lacks the columns {missing}"
    _check_table(table, answers["the sweep of CONFIGS"])
    choice = _choice(answers)
    assert choice in _cheapest(*(table.column(c) for c in COLUMNS), TARGET), (
        f"choice is {choice!r}: not the fastest run of the sweep with a test accuracy of at "
        f"least TARGET = {TARGET} (None if there is none)")
    code = answers["the notebook's code"]
    assert isinstance(code, list) and all(isinstance(cell, str) for cell in code), (
        "the grader could not read the code the notebook ran")
    assert choice is None or not _typed_in(choice, code), (
        f"choice is right, but {choice!r} is typed into your code: compute it from the "
        "table with cheapest_good, so that it stays right where the times differ")
    return f"cheapest_good is right on made-up tables, and choice = {choice!r} is right"


TESTS = {
    "test_StopAtAccuracy_format": Test(stop_format_questions, stop_format_check),
    "test_StopAtAccuracy_values": Test(stop_values_questions, stop_values_check),
    "test_choose_config_format": Test(choose_config_format_questions,
                                      choose_config_format_check),
    "test_choose_config_values": Test(choose_config_values_questions,
                                      choose_config_values_check),
}
