"""Exercise 6's tests: confusion_counts, most_confused_pair, least_confident and
confident_accuracy.

Every input is made here from the student's seed, with NumPy only (no Keras: this
checker must start fast). Where a classic mistake could agree with the right answer on
an unlucky draw, the draw is repeated until it cannot: every mistake named below is
caught on every draw.
"""

from __future__ import annotations

import numpy as np

from grading.checks import Test
from grading.questions import call, drive

_UNREADABLE = (TypeError, ValueError)
INTS = ("int",)  # isinstance(x, int): a NumPy integer is not one
FLOATS = ("float", "float64")  # isinstance(x, float): np.float64 is one, np.float32 not


def _confusion(y_true, y_pred, num_classes):
    flat = np.asarray(y_true, np.int64) * num_classes + np.asarray(y_pred, np.int64)
    return np.bincount(flat, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def _typed(answers, name):
    """The value and its items' type names, from a `with_types` question."""
    result = answers[name]
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise AssertionError(f"{name}: the answer is malformed")
    return result


# Task 1: confusion_counts -------------------------------------------------------------

def _two_class_lists(rng):
    """Labels of classes 0 and 1 (both occur) whose matrix is not symmetric, so that a
    transposed matrix differs."""
    while True:
        n = int(rng.integers(3, 7))
        y_true, y_pred = rng.integers(0, 2, n), rng.integers(0, 2, n)
        matrix = _confusion(y_true, y_pred, 2)
        if matrix[0, 1] != matrix[1, 0] and {0, 1} <= set(y_true) | set(y_pred):
            return y_true.tolist(), y_pred.tolist()


def confusion_counts_format_questions(rng):
    # Like y_test (uint8) and predicted (int64): every class occurs, as it does there.
    n = int(rng.integers(150, 300))
    y_true = rng.permutation(np.concatenate([np.arange(10), rng.integers(0, 10, n - 10)]))
    y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, 10, n))
    small_true, small_pred = _two_class_lists(rng)
    return {
        f"{n} test labels": call("confusion_counts", y_true.astype(np.uint8), y_pred),
        f"true {small_true}, predicted {small_pred}, num_classes=2": call(
            "confusion_counts", small_true, small_pred, num_classes=2),
    }


def confusion_counts_format_check(asked, answers):
    (name, question), (small, small_question) = asked.items()
    matrix = answers[name]
    assert isinstance(matrix, np.ndarray), (
        f"return a NumPy array, got a {answers.type_name(name)}")
    assert matrix.shape == (10, 10), f"expected shape (10, 10), got {matrix.shape}"
    assert np.issubdtype(matrix.dtype, np.integer), f"counts are integers, got {matrix.dtype}"
    assert matrix.sum() == len(question.args[0]), "every image is counted exactly once"
    want = _confusion(*small_question.args, 2)
    got = answers[small]
    assert _equal(got, want), (
        f"{small} should give {want.tolist()} (rows: true classes), got {_show(got)}")
    return "format looks right"


def _absent_classes(rng):
    """Lists of labels of two classes out of num_classes: 0 and the top class never occur
    (a size taken from the labels, or classes renumbered by np.unique, go wrong)."""
    k = int(rng.integers(4, 8))
    present = np.sort(rng.choice(np.arange(1, k - 1), size=2, replace=False))
    while True:
        n = int(rng.integers(4, 8))
        y_true, y_pred = rng.choice(present, n), rng.choice(present, n)
        matrix = _confusion(y_true, y_pred, k)
        if not np.array_equal(matrix, matrix.T) and matrix.max() > 1:
            return k, y_true.tolist(), y_pred.tolist()


def confusion_counts_values_questions(rng):
    # A transposed matrix, a size taken from the labels (max + 1, or only the classes that
    # occur), classes renumbered by np.unique, `counts[t, p] += 1` with index arrays (a
    # repeated pair counted once) and float counts all fail.
    n = int(rng.integers(300, 600))
    y_true = rng.integers(0, 10, n)
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, 10, n))
    k, absent_true, absent_pred = _absent_classes(rng)
    k2 = int(rng.integers(4, 8))  # the top class occurs, the ones below it do not
    ends = [0, k2 - 1]
    ends_true, ends_pred = [*ends, k2 - 1, k2 - 1], [k2 - 1, 0, k2 - 1, 0]
    order = rng.permutation(4)
    k3 = int(rng.integers(4, 9))
    one = rng.choice(k3 - 1, size=2, replace=False)
    return {
        f"{n} made-up labels (int64)": call("confusion_counts", y_true, y_pred),
        f"{n} made-up labels (uint8)": call(
            "confusion_counts", y_true.astype(np.uint8), y_pred.astype(np.uint8)),
        f"true {absent_true}, predicted {absent_pred}, num_classes={k}": call(
            "confusion_counts", absent_true, absent_pred, num_classes=k),
        f"true {[ends_true[i] for i in order]}, predicted {[ends_pred[i] for i in order]}, "
        f"num_classes={k2}": call(
            "confusion_counts", [ends_true[i] for i in order], [ends_pred[i] for i in order],
            num_classes=k2),
        f"one image of class {one[0]} predicted as {one[1]}, num_classes={k3}": call(
            "confusion_counts", one[:1], one[1:], num_classes=k3),
    }


def confusion_counts_values_check(asked, answers):
    for name, question in asked.items():
        k = question.kwargs.get("num_classes", 10)
        want = _confusion(*question.args, k)
        got = np.asarray(answers[name])
        assert got.shape == (k, k), (
            f"{name}: shape {got.shape}, expected ({k}, {k}): num_classes={k} gives a "
            f"{k}x{k} matrix, whichever classes occur")
        assert np.issubdtype(got.dtype, np.integer), (
            f"counts should be integers, got {got.dtype}")
        if np.array_equal(got, want):
            continue
        if np.array_equal(got, want.T):
            hint = "the matrix is transposed: rows are the true classes, columns the predictions"
        elif "num_classes" in question.kwargs:
            hint = (f"expected {want.tolist()}; a class that never occurs gives a row and a "
                    "column of zeros, the others keep their index")
        elif got.sum() < want.sum():
            hint = ("some images are not counted: a pair that occurs several times counts "
                    "every time")
        elif not np.array_equal(got.sum(axis=1), want.sum(axis=1)):
            hint = "the row totals are not the number of images of each true class"
        else:
            hint = "some counts are wrong"
        raise AssertionError(f"{name}: {hint}")
    return "every count is right"


def _equal(got, want) -> bool:
    try:
        return np.array_equal(np.asarray(got), want)
    except _UNREADABLE:
        return False


def _show(value) -> str:
    return str(value.tolist() if isinstance(value, np.ndarray) else value)[:200]


# Task 2: most_confused_pair -----------------------------------------------------------

def _best(scores, rel=1e-9) -> set:
    """The off-diagonal cells whose score is within `rel` of the largest."""
    scores = np.array(scores, dtype=float)
    np.fill_diagonal(scores, -np.inf)
    best = scores.max()
    return {(int(t), int(p)) for t, p in zip(*np.nonzero(scores >= best - rel * abs(best)))}


def _right_pair(matrix):
    """The pair of the largest row share, when it beats the next by a clear margin."""
    portion = matrix / matrix.sum(axis=1, keepdims=True)
    portion[np.eye(len(matrix), dtype=bool)] = -1.0
    order = np.argsort(portion, axis=None)
    if portion.flat[order[-1]] - portion.flat[order[-2]] < 1e-3:
        return None
    return tuple(int(i) for i in divmod(int(order[-1]), len(matrix)))


def _mistaken_pairs(matrix) -> dict:
    """What the classic mistakes pick: {mistake: the cells it may pick}."""
    missed = matrix.astype(float)
    np.fill_diagonal(missed, 0.0)
    return {
        "raw counts": _best(matrix),
        "column shares": _best(matrix / matrix.sum(axis=0, keepdims=True)),
        "error shares": _best(missed / missed.sum(axis=1, keepdims=True)),
        "integer division": {(0, 1)},  # every share 0: the first off-diagonal cell
    }


def _counts_matrix(rng, k, catches):
    """A k x k matrix of counts, rows of very different sizes, every row with an error,
    whose largest share is clear and which every mistake in `catches` gets wrong."""
    while True:
        totals = 10 ** rng.uniform(1, 3, k)
        diagonal = rng.uniform(0.3, 0.95, k)
        off = rng.dirichlet(np.full(k - 1, 0.7), k) * (1 - diagonal)[:, None]
        portion = np.zeros((k, k))
        for t in range(k):
            portion[t] = np.insert(off[t], t, diagonal[t])
        matrix = np.rint(portion * totals[:, None]).astype(np.int64)
        np.fill_diagonal(matrix, np.maximum(np.diag(matrix), 1))
        if (matrix.sum(axis=1) - np.diag(matrix)).min() < 1:
            continue
        hits = _right_pair(matrix)
        mistaken = _mistaken_pairs(matrix)
        if hits is not None and all(hits not in mistaken[m] for m in catches):
            return matrix


def _two_by_two(rng):
    """[[a, b], [c, d]] whose largest confusion is (0, 1) by every measure, as in the
    visible example [[8, 2], [1, 9]]."""
    while True:
        a, d = rng.integers(5, 30, 2)
        c = int(rng.integers(1, 5))
        b = int(rng.integers(c + 1, 12))
        if b / (a + b) > c / (c + d) + 1e-3 and b / (b + d) > c / (a + c):
            return np.array([[a, b], [c, d]], dtype=np.int64)


def most_confused_pair_format_questions(rng):
    three = rng.integers(1, 15, (3, 3)) + np.diag(rng.integers(30, 60, 3))
    return {
        f"the matrix {three.tolist()}": drive("with_types", "most_confused_pair", three),
        "a 2x2 matrix": drive("with_types", "most_confused_pair", _two_by_two(rng)),
    }


def most_confused_pair_format_check(asked, answers):
    (three, _), (two, two_question) = asked.items()
    pair, types = _typed(answers, three)
    assert isinstance(pair, tuple) and len(pair) == 2, "return a tuple (true, predicted)"
    assert types is not None and all(name in INTS for name in types), (
        f"return Python ints, got {', '.join(map(str, types or ['?']))}: int(...) converts "
        "a NumPy integer")
    assert pair[0] != pair[1], "the diagonal holds the correct predictions, not confusions"
    matrix = two_question.args[1].tolist()
    pair, _ = _typed(answers, two)
    assert pair == (0, 1), (
        f"in {matrix} the largest confusion is class 0 predicted as 1, got {_show(pair)}")
    return "format looks right"


def most_confused_pair_values_questions(rng):
    # Raw counts instead of row shares; shares of the columns or of the whole matrix;
    # shares of a row's errors only; integer division (every share 0); (predicted, true)
    # reversed; a fixed size of 10: each fails at least one matrix on every draw.
    k1, k2, k3 = int(rng.integers(3, 6)), int(rng.integers(3, 6)), int(rng.integers(4, 10))
    sizes = _counts_matrix(rng, k1, ["raw counts"])
    missed = _counts_matrix(rng, k2, ["error shares"])
    while True:
        other = _counts_matrix(rng, k3, ["raw counts", "column shares", "error shares"])
        if _right_pair(other) != (0, 1):
            break
    return {
        f"a {k1}x{k1} matrix of classes of very different sizes": call(
            "most_confused_pair", sizes),
        f"a {k2}x{k2} matrix": call("most_confused_pair", missed),
        f"a made-up {k3}x{k3} matrix": call("most_confused_pair", other),
    }


_PAIR_HINTS = {  # what a wrong pair most likely comes from
    "raw counts": "classes have different sizes: compare the shares of each row, not the "
                  "counts",
    "column shares": "divide each row by its total (the images of a true class), not each "
                     "column",
    "error shares": "divide each row by its total (all its images), not by its errors only",
    "integer division": "are all your shares 0? Divide with /, not //",
}


def most_confused_pair_values_check(asked, answers):
    for name, question in asked.items():
        matrix = question.args[0]
        want = _right_pair(matrix)
        got = answers[name]
        assert isinstance(got, (tuple, list)) and all(
            isinstance(c, (int, float)) for c in got), (
            f"{name}: return a tuple (true, predicted), got {_show(got)}")
        got = tuple(int(c) for c in got)
        if got == want:
            continue
        hints = [_PAIR_HINTS[m] for m, pairs in _mistaken_pairs(matrix).items()
                 if got in pairs]
        if got == want[::-1]:
            hints.append("return (true class, predicted class), not the other way round")
        raise AssertionError(f"wrong pair on {name}: " + ("; or: ".join(hints) or
                             "(true class, predicted class) of the largest share of its row"))
    return "the right pair on every matrix"


# Task 3: least_confident --------------------------------------------------------------

def _probabilities(rng, n, classes=10, alpha=0.3):
    return rng.dirichlet(np.full(classes, alpha), n)


def _toy_rows(rng):
    """2-column rows with distinct confidences (any confidence measure orders them alike,
    and k=2 leaves even np.argpartition sorted: only the order is at stake)."""
    n = int(rng.integers(3, 7))
    conf_of = (50 + rng.choice(np.arange(1, 50), n, replace=False)) / 100
    first = rng.random(n) < 0.5
    return np.stack([np.where(first, conf_of, 1 - conf_of),
                     np.where(first, 1 - conf_of, conf_of)], axis=1)


def least_confident_format_questions(rng):
    n = int(rng.integers(60, 150))
    return {
        f"{n} rows of probabilities, k=6": call("least_confident", _probabilities(rng, n), 6),
        "a few rows of 2 probabilities, k=2": call("least_confident", _toy_rows(rng), 2),
    }


def least_confident_format_check(asked, answers):
    (name, question), (toy, toy_question) = asked.items()
    hesitant = answers[name]
    try:
        indices = np.asarray(hesitant)
    except _UNREADABLE:
        raise AssertionError(f"return an array of indices, got {_show(hesitant)}") from None
    assert indices.ndim == 1 and len(indices) == 6, (
        f"expected 6 indices, got {_show(hesitant)}")
    assert np.issubdtype(indices.dtype, np.integer), "return integer indices"
    n = len(question.args[0])
    assert indices.min() >= 0 and indices.max() < n, (
        f"the indices are rows of the probabilities it is given: 0 to {n - 1}, got "
        f"{_show(indices)}")
    table = toy_question.args[0]
    conf_of = table.max(axis=1)
    want = np.argsort(conf_of)[:2].tolist()
    got = answers[toy]
    assert _equal(got, want), (
        f"confidences {', '.join(f'{c:g}' for c in conf_of)}: the 2 least confident rows "
        f"are {want}, got {_show(got)}")
    return "format looks right"


def _orders(table):
    """The row order by confidence, and by the measures mistaken for it."""
    ranked = np.sort(table, axis=1)
    disorder = -(table * np.log(table)).sum(axis=1)
    measures = {"confidence": ranked[:, -1], "margin": ranked[:, -1] - ranked[:, -2],
                "entropy": -disorder, "smallest": ranked[:, 0]}
    return {m: np.argsort(v) for m, v in measures.items()}, list(measures.values())


def _made_up_rows(rng):
    """A few rows of 3 or 4 probabilities whose order by confidence is not their order by
    the margin, the entropy or the smallest probability, every measure without near-ties."""
    while True:
        table = rng.dirichlet(np.ones(int(rng.integers(3, 5))), int(rng.integers(4, 7)))
        orders, measures = _orders(table)
        if table.min() < 1e-3 or any(np.diff(np.sort(m)).min() < 1e-3 for m in measures):
            continue
        hits = orders["confidence"]
        if all(not np.array_equal(orders[m], hits) for m in ("margin", "entropy", "smallest")):
            return table


def _spread_rows(rng, n):
    """n rows of 10: confidences from 0.15 to 1, at least 1e-4 apart, on random classes;
    the others share the rest. The lower half by np.argpartition is not sorted (NumPy
    sorts arrays of up to 256 items whole, so n is larger)."""
    k = n // 2
    while True:
        conf_of = 0.15 + 0.85 * (rng.permutation(n) + rng.uniform(0.2, 0.8, n)) / n
        table = np.repeat(((1 - conf_of) / 9)[:, None], 10, axis=1)
        table[np.arange(n), rng.integers(0, 10, n)] = conf_of
        if all(np.diff(conf_of[np.argpartition(conf_of, kth)[:k]]).min() < 0
               for kth in (k - 1, k)):
            return table


def least_confident_values_questions(rng):
    # The most confident first; the k lowest in any order (np.argpartition without
    # sorting); confidence taken as the smallest probability, the margin between the two
    # largest or the entropy; the notebook's `probabilities` instead of the argument.
    table = _made_up_rows(rng)
    n = int(rng.integers(800, 1200))
    spread = _spread_rows(rng, n)
    return {
        f"{len(table)} made-up rows, k={len(table)}": call("least_confident", table, len(table)),
        f"{len(table)} made-up rows, k=1": call("least_confident", table, 1),
        f"{n} made-up rows, k={n // 2}": call("least_confident", spread, n // 2),
    }


_ORDER_HINTS = {
    "margin": "the margin between the two largest probabilities is not the confidence",
    "entropy": "the entropy is not the confidence",
    "smallest": "the confidence is the largest probability of a row, not the smallest",
}


def least_confident_values_check(asked, answers):
    for name, question in asked.items():
        table, k = question.args
        orders, _ = _orders(table)
        want = orders["confidence"][:k].tolist()
        got = answers[name]
        try:
            got = [int(i) for i in np.asarray(got).reshape(-1)]
        except _UNREADABLE:
            raise AssertionError(f"{name}: return an array of indices, got "
                                 f"{_show(got)}") from None
        assert len(got) == k, f"{name}: expected {k} indices, got {len(got)}"
        if got == want:
            continue
        hint = next((hint for m, hint in _ORDER_HINTS.items()
                     if got == orders[m][:k].tolist()), None)
        if hint is None and got == orders["confidence"][::-1][:k].tolist():
            hint = "the least confident come first"
        elif hint is None and k < len(table) and sorted(got) == sorted(want):
            hint = "the right rows, in the wrong order: sort them, least confident first"
        elif hint is None and (min(got) < 0 or max(got) >= len(table)):
            hint = (f"the indices are rows of the probabilities it is given (0 to "
                    f"{len(table) - 1}), not of the notebook's")
        raise AssertionError(
            f"{name}: not the {k} lowest confidences, least confident first"
            + (f" ({hint})" if hint else " (confidence is the largest probability of a row)"))
    return "the right rows, in the right order"


# Task 4: confident_accuracy -----------------------------------------------------------

def _labelled(rng, n, cut):
    """n rows of 10 probabilities and labels (the prediction 70% of the time): some
    predictions above `cut` right, some below, none within 1e-4 of it, no near-tie on
    top."""
    while True:
        table = _probabilities(rng, n, alpha=0.2)
        truth = np.where(rng.random(n) < 0.7, table.argmax(axis=1), rng.integers(0, 10, n))
        ranked = np.sort(table, axis=1)
        reached = ranked[:, -1] > cut
        clear = (np.abs(ranked[:, -1] - cut).min() > 1e-4
                 and (ranked[:, -1] - ranked[:, -2]).min() > 1e-6)
        if clear and (reached & (table.argmax(axis=1) == truth)).any() and (~reached).any():
            return table, truth


def confident_accuracy_format_questions(rng):
    table, truth = _labelled(rng, int(rng.integers(100, 200)), 0.9)
    return {f"{len(table)} rows, threshold 0.9": drive(
        "with_types", "confident_accuracy", table, truth, 0.9)}


def confident_accuracy_format_check(asked, answers):
    (name, _), = asked.items()
    result, types = _typed(answers, name)
    assert isinstance(result, (tuple, list, np.ndarray)) and len(result) == 2, (
        f"return a tuple (coverage, accuracy), got {_show(result)}")
    assert types is not None and all(t in FLOATS for t in types), (
        f"return two floats, got {', '.join(map(str, types or ['?']))}")
    cov, acc = (float(v) for v in result)
    assert 0.0 <= cov <= 1.0, f"coverage is a share of the images, got {cov}"
    assert 0 <= acc <= 1, f"accuracy is a share of the confident images, got {acc}"
    return "format looks right"


def _coverage_accuracy(table, truth, cut):
    reached = table.max(axis=1) >= cut
    hits = table.argmax(axis=1) == truth
    return float(reached.mean()), float(hits[reached].mean()) if reached.any() else float("nan")


def _coverage_hint(cov, table, truth, cut) -> str:
    if np.isclose(cov, np.mean(table[np.arange(len(table)), truth] >= cut)):
        return "the confidence is the largest probability of a row, whatever its label"
    return "a confidence equal to the threshold counts"


def _exact_rows(rng):
    """Rows of 2 probabilities in sixteenths (exact in binary, so ">=" is exact) and a
    threshold equal to some confidences, with confident rows right and wrong, others
    below it, and a coverage that differs from the accuracy."""
    levels = np.array([v for v in range(1, 16) if v != 8]) / 16
    while True:
        n = int(rng.integers(5, 9))
        first = rng.choice(levels, n)
        table = np.stack([first, 1 - first], axis=1)
        truth = rng.integers(0, 2, n)
        conf_of = table.max(axis=1)
        cut = float(rng.choice(conf_of))
        reached = conf_of >= cut
        hits = table.argmax(axis=1) == truth
        cov, acc = _coverage_accuracy(table, truth, cut)
        if (~reached).any() and (reached & hits).any() and (reached & ~hits).any() \
                and abs(cov - acc) > 1e-9:
            lower = float(rng.choice(conf_of[~reached]))
            return table, truth, cut, lower


def confident_accuracy_values_questions(rng):
    # ">" instead of ">=" at the threshold; the accuracy over all n images (or
    # confident-and-right over n); the probability of the true class compared with the
    # threshold instead of the confidence; (accuracy, coverage) swapped; 0, an error or
    # a count instead of nan or a share.
    table, truth, cut, lower = _exact_rows(rng)
    above = float(table.max() + 1) / 2
    n = int(rng.integers(200, 400))
    big_threshold = float(np.round(rng.uniform(0.5, 0.8), 2))
    big_rows, big_labels = _labelled(rng, n, big_threshold)
    return {
        f"{len(table)} made-up rows, threshold {cut:g}": call(
            "confident_accuracy", table, truth, cut),
        f"{len(table)} made-up rows, threshold {lower:g}": call(
            "confident_accuracy", table, truth, lower),
        f"{len(table)} made-up rows, threshold {above:g}": call(
            "confident_accuracy", table, truth, above),
        f"{n} made-up rows, threshold {big_threshold:g}": call(
            "confident_accuracy", big_rows, big_labels, big_threshold),
    }


def confident_accuracy_values_check(asked, answers):
    for i, (name, question) in enumerate(asked.items()):
        result = answers[name]
        assert isinstance(result, tuple) and len(result) == 2, (
            f"{name}: return a tuple (coverage, accuracy), got {_show(result)}")
        assert all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in result), (
            f"{name}: return two floats, got {_show(result)}")
        cov, acc = map(float, result)
        want_coverage, want_accuracy = _coverage_accuracy(*question.args)
        if i == 0:
            assert not (np.isclose(cov, want_accuracy) and np.isclose(
                acc, want_coverage)), f"{name}: return (coverage, accuracy), in this order"
            assert np.isclose(cov, want_coverage), (
                f"{name}: wrong coverage ({_coverage_hint(cov, *question.args)})")
            assert np.isclose(acc, want_accuracy), (
                f"{name}: wrong accuracy among the confident predictions")
        elif i == 2:
            cut = question.args[2]
            assert cov == 0, f"no confidence reaches {cut:g}: the coverage is 0, got {cov}"
            assert np.isnan(acc), (
                f"no confidence reaches {cut:g}: the accuracy is nan, got {acc}")
        else:
            assert np.isclose(cov, want_coverage) and np.isclose(
                acc, want_accuracy), f"{name}: wrong (coverage, accuracy)"
    return "coverage and accuracy right at every threshold"


TESTS = {
    "test_confusion_counts_format": Test(confusion_counts_format_questions,
                                         confusion_counts_format_check),
    "test_confusion_counts_values": Test(confusion_counts_values_questions,
                                         confusion_counts_values_check),
    "test_most_confused_pair_format": Test(most_confused_pair_format_questions,
                                           most_confused_pair_format_check),
    "test_most_confused_pair_values": Test(most_confused_pair_values_questions,
                                           most_confused_pair_values_check),
    "test_least_confident_format": Test(least_confident_format_questions,
                                        least_confident_format_check),
    "test_least_confident_values": Test(least_confident_values_questions,
                                        least_confident_values_check),
    "test_confident_accuracy_format": Test(confident_accuracy_format_questions,
                                           confident_accuracy_format_check),
    "test_confident_accuracy_values": Test(confident_accuracy_values_questions,
                                           confident_accuracy_values_check),
}
