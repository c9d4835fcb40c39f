"""Exercise 1's tests: images to model input, one-hot labels, class means."""

from __future__ import annotations

import numpy as np

from grading.checks import Test
from grading.questions import call, drive


def _images(rng, n, low=0, high=255):
    return rng.integers(low, high + 1, size=(n, 28, 28), dtype=np.uint8)


# Task 1: to_model_input ---------------------------------------------------------------

def to_model_input_format_questions(rng):
    return {"batch": call("to_model_input", _images(rng, 5))}


def to_model_input_format_check(asked, answers):
    batch = answers["batch"]
    assert answers.type_name("batch") == "ndarray", (
        f"return a NumPy array, got a {answers.type_name('batch')}")
    assert batch.dtype == np.float32, f"expected float32, got {batch.dtype}"
    assert batch.shape == (5, 28, 28, 1), f"expected shape (5, 28, 28, 1), got {batch.shape}"
    assert 0.0 <= batch.min() and batch.max() <= 1.0, "values must lie in [0, 1]"
    return "format looks right"


def to_model_input_values_questions(rng):
    # Dividing by 256, by the batch's largest pixel or min-max scaling agree with x / 255
    # only on a batch holding both a 0 and a 255: the dark batch has neither.
    n = int(rng.integers(20, 60))
    return {
        "random images": call("to_model_input", _images(rng, n), keep_args=True),
        "dark images (pixels 10 to 100)": call(
            "to_model_input", _images(rng, int(rng.integers(3, 9)), 10, 100), keep_args=True),
        "one image of 0s and 255s": call(
            "to_model_input", np.array([[[0, 255] * 14] * 28], dtype=np.uint8),
            keep_args=True),
    }


def to_model_input_values_check(asked, answers):
    for name, question in asked.items():
        raw = question.args[0]
        out = np.asarray(answers[name])
        after = answers.args_after(name)
        assert after and np.array_equal(np.asarray(after[0]), raw), (
            "to_model_input changed the array it was given: return a new array instead")
        assert out.shape == raw.shape + (1,), (
            f"for {name} of shape {raw.shape}, expected shape (n, 28, 28, 1), got {out.shape}")
        assert np.allclose(out[..., 0], raw / 255.0, rtol=1e-3, atol=1e-6), (
            f"the values are wrong for {name}: each must be its pixel divided by 255")
    return "values right on every batch"


# Task 2: one_hot ----------------------------------------------------------------------

def one_hot_format_questions(rng):
    # Six labels holding a 9, as the visible test's y_train[:6] does: the format is
    # (6, 10) for any answer that gives num_classes columns.
    labels = rng.integers(0, 10, 6).astype(np.uint8)
    labels[rng.integers(6)] = 9
    return {"encoded": call("one_hot", labels)}


def one_hot_format_check(asked, answers):
    encoded = np.asarray(answers["encoded"])
    assert encoded.shape == (6, 10), f"expected shape (6, 10), got {encoded.shape}"
    assert encoded.dtype == np.float32, f"expected float32, got {encoded.dtype}"
    assert np.array_equal(encoded.sum(axis=1), np.ones(6)), "each row must hold exactly one 1"
    return "format looks right"


def one_hot_values_questions(rng):
    # Always 10 columns, or as many as the largest label + 1, fail where num_classes is
    # given or the top classes are absent; lists must work as well as arrays.
    k1, k2 = int(rng.integers(3, 7)), int(rng.integers(11, 15))
    return {
        "500 random labels (a uint8 array)": drive(
            "libraries_used", "one_hot", rng.integers(0, 10, 500).astype(np.uint8)),
        "labels 0, 1, 2 only (an int64 array)": drive(
            "libraries_used", "one_hot", rng.integers(0, 3, 9).astype(np.int64)),
        f"a list of labels with num_classes={k1}": drive(
            "libraries_used", "one_hot", [int(v) for v in rng.permutation(k1)],
            num_classes=k1),
        f"a list of labels with num_classes={k2}": drive(
            "libraries_used", "one_hot", [9, 9, int(rng.integers(0, 9))], num_classes=k2),
    }


def one_hot_values_check(asked, answers):
    for name, question in asked.items():
        labels = np.asarray(question.args[1], dtype=np.int64)
        want = np.eye(question.kwargs.get("num_classes", 10))[labels]
        result = answers[name]
        got, used = np.asarray(result[0]), result[1]
        assert not used, f"use NumPy only: one_hot called {', '.join(used)}"
        assert got.shape == want.shape, (
            f"for {name}, expected shape (n, num_classes) = {want.shape}, got {got.shape}")
        assert np.array_equal(got, want), f"for {name}, the 1.0s are not all in the right columns"
    return "the ones are in the right columns"


# Task 3: class_means ------------------------------------------------------------------

def class_means_format_questions(rng):
    return {"means": call("class_means", _images(rng, 300), np.tile(np.arange(10), 30))}


def class_means_format_check(asked, answers):
    means = np.asarray(answers["means"])
    assert means.shape == (10, 28, 28), f"expected shape (10, 28, 28), got {means.shape}"
    assert np.issubdtype(means.dtype, np.floating), "means are fractional: return floats"
    assert 0 <= means.min() and means.max() <= 255, (
        "means must lie in the pixels' range, 0 to 255")
    return "format looks right"


def class_means_values_questions(rng):
    # Unequal class counts (dividing by n / 10 fails), uint8 sums overflow, float images
    # must keep their scale, and labels that first appear from 9 down to 0.
    weights = np.arange(1, 11) / np.arange(1, 11).sum()
    toy = np.arange(10, dtype=np.uint8)[::-1, None, None] * np.ones((1, 28, 28), np.uint8)
    return {
        "uint8 images (0 to 255)": call(
            "class_means", _images(rng, 600), rng.choice(10, size=600, p=weights)),
        "float32 images (0 to 1)": call(
            "class_means", rng.random((300, 28, 28)).astype(np.float32),
            rng.choice(10, size=300, p=weights[::-1]).astype(np.uint8)),
        "images whose pixels all equal their label, labels from 9 down to 0": call(
            "class_means", np.concatenate([toy, toy]), np.tile(np.arange(10)[::-1], 2)),
    }


def class_means_values_check(asked, answers):
    for name, question in asked.items():
        images, labels = question.args
        want = np.stack([images[labels == c].astype(np.float64).mean(axis=0)
                         for c in range(10)])
        got = np.asarray(answers[name])
        assert got.shape == (10, 28, 28), (
            f"for {name}, expected shape (10, 28, 28), got {got.shape}")
        for c in range(10):
            assert np.allclose(got[c], want[c], rtol=1e-3, atol=1e-6), (
                f"for {name}, the mean image of class {c} is wrong")
    return "every class mean is right"


TESTS = {
    "test_to_model_input_format": Test(to_model_input_format_questions,
                                       to_model_input_format_check),
    "test_to_model_input_values": Test(to_model_input_values_questions,
                                       to_model_input_values_check),
    "test_one_hot_format": Test(one_hot_format_questions, one_hot_format_check),
    "test_one_hot_values": Test(one_hot_values_questions, one_hot_values_check),
    "test_class_means_format": Test(class_means_format_questions, class_means_format_check),
    "test_class_means_values": Test(class_means_values_questions, class_means_values_check),
}
