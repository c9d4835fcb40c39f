"""Exercise 7's tests: per-pixel statistics, standardizing with the training statistics
only, a CNN with batch normalization and dropout, trained by the rules to a target
accuracy."""

from __future__ import annotations

import numpy as np

from grading.answers import Raised
from grading.checks import Test, predict
from grading.questions import Question, call, drive

TARGET = 0.75  # accuracy on the grader's 2,000 held-out images (see the statement)
N_TRAIN = 3_000  # the notebook's x_small: the first 3,000 training images
HELD_OUT = slice(-3_000, -1_000)  # 2,000 training images the notebook never keeps
STATISTICS, PREPARED = "(mean, std)", "(train_ready, other_ready)"


def _pixels(rng, n, low=0, high=255):
    """n images of whole pixel values from low to high, as float32 like x_small, with a
    border that never changes (0, as in Fashion-MNIST)."""
    images = rng.integers(low, high + 1, size=(n, 28, 28)).astype(np.float32)
    images[:, 0, :] = images[:, :, 0] = 0
    return images


def _statistics(images):
    images = np.asarray(images, dtype=np.float64)
    return images.mean(axis=0), images.std(axis=0) + 1e-7


def _pair(result, what, names):
    """The two arrays a function returned, or the failure saying what it should return."""
    assert isinstance(result, (tuple, list)) and len(result) == 2, (
        f"{what}: return a tuple {names}")
    try:
        return tuple(np.asarray(r) for r in result)
    except Exception:  # noqa: BLE001 - ragged lists
        raise AssertionError(f"{what}: return a tuple {names} of two arrays") from None


# Task 1: pixel_statistics -------------------------------------------------------------

def pixel_statistics_format_questions(rng):
    n = int(rng.integers(100, 400))
    return {f"{n} float32 images": call("pixel_statistics", _pixels(rng, n))}


def pixel_statistics_format_check(asked, answers):
    ((what, _),) = asked.items()
    mean, std = _pair(answers[what], "pixel_statistics", STATISTICS)
    assert mean.shape == (28, 28) and std.shape == (28, 28), (
        f"expected two (28, 28) arrays, got {mean.shape} and {std.shape}")
    assert mean.dtype.kind in "iuf" and std.dtype.kind in "iuf", "return arrays of numbers"
    assert (std > 0).all(), "add 1e-7 so that no standard deviation is 0"
    return "two (28, 28) arrays, no standard deviation 0"


def pixel_statistics_values_questions(rng):
    # Classic mistakes this catches: the sample standard deviation (ddof=1); 1e-7
    # forgotten, or added to the variance under the square root (the constant images);
    # E[x^2] - E[x]^2 on uint8 images, whose squares overflow (pixels up to 255); integer
    # arithmetic on float images (all below 1); statistics over the wrong axis; the
    # global x_small used instead of the argument.
    value = int(rng.integers(1, 255))
    return {
        "200 uint8 images": call(
            "pixel_statistics", rng.integers(0, 256, size=(200, 28, 28), dtype=np.uint8)),
        "50 float32 images scaled to [0, 1]": call(
            "pixel_statistics", (rng.integers(0, 256, size=(50, 28, 28)) / 255).astype(
                np.float32)),
        f"5 images whose pixels are all {value}": call(
            "pixel_statistics", np.full((5, 28, 28), value, dtype=np.uint8)),
    }


def pixel_statistics_values_check(asked, answers):
    for what, question in asked.items():
        images = np.asarray(question.args[0], dtype=np.float64)
        mean, std = (a.astype(np.float64) for a in _pair(answers[what], what, STATISTICS))
        assert mean.shape == (28, 28) and std.shape == (28, 28), (
            f"{what}: expected two (28, 28) arrays, got {mean.shape} and {std.shape}")
        assert np.allclose(mean, images.mean(axis=0), rtol=1e-4, atol=1e-3), (
            f"{what}: the mean image is wrong")
        if what.startswith("5 images"):
            assert np.allclose(std, 1e-7, rtol=1e-3, atol=0), (
                "a pixel that never changes must get a standard deviation of 1e-7")
        else:
            assert np.allclose(std, images.std(axis=0) + 1e-7, rtol=1e-4, atol=1e-3), (
                f"{what}: the standard deviations are wrong")
    return "the means and standard deviations are right"


# Task 2: prepare ----------------------------------------------------------------------

def prepare_format_questions(rng):
    # The notebook's sizes (3,000 training and 1,000 held-out images), other pixels; the
    # other images are darker, so that statistics of both sets together are not those of
    # the training images.
    return {"3,000 training and 1,000 other images": call(
        "prepare", _pixels(rng, 3_000), _pixels(rng, 1_000, high=127))}


def prepare_format_check(asked, answers):
    ((what, _),) = asked.items()
    train, other = _pair(answers[what], "prepare", PREPARED)
    assert train.shape == (3000, 28, 28, 1), f"got {train.shape}"
    assert other.shape == (1000, 28, 28, 1), f"got {other.shape}"
    assert train.dtype == np.float32 and other.dtype == np.float32, (
        f"expected float32 arrays, got {train.dtype} and {other.dtype}")
    assert np.abs(train.astype(np.float64).mean(axis=0)).max() < 1e-3, (
        "training images: mean 0 per pixel")
    return "shapes, type and the training images' means are right"


def prepare_no_leak_questions(rng):
    # Classic mistakes this catches: the other images standardized with their own
    # statistics (the leak), or with those of both sets together (they come from another
    # distribution); the inputs changed in place (train_images -= mean); the global
    # x_small's statistics instead of the argument's; sizes hard-coded for the notebook's
    # 3,000 and 1,000 images. prepare runs with a correct pixel_statistics in place of the
    # student's, so that a task 1 mistake is graded in task 1 only.
    train = rng.integers(0, 256, size=(500, 28, 28)).astype(np.float32)
    train[:, 0, 0] = 0  # a pixel that never changes
    other = np.clip(rng.integers(0, 256, size=(300, 28, 28)) * 0.5 + 60, 0, 255)
    return {"500 training and 300 other images": Question(
        "drive", "prepare_with_statistics", (train, other.astype(np.float32)),
        keep_args=True)}


def prepare_no_leak_check(asked, answers):
    ((what, question),) = asked.items()
    train, other = question.args
    result = answers.raw(what)
    assert not isinstance(result, Raised), f"prepare failed on {what}: {result.message}"
    after = answers.args_after(what)
    assert len(after) == 2 and all(
        np.shape(a) == b.shape and np.array_equal(a, b) for a, b in zip(after, question.args)
    ), "prepare changed its input images"
    train_ready, other_ready = _pair(result, "prepare", PREPARED)
    assert train_ready.shape == (500, 28, 28, 1) and other_ready.shape == (300, 28, 28, 1), (
        f"for {what}, got shapes {train_ready.shape} and {other_ready.shape}")
    mean, std = _statistics(train)
    assert np.allclose(train_ready[..., 0], (train - mean) / std, rtol=1e-4, atol=1e-3), (
        "the training images are not standardized with their own per-pixel statistics")
    assert np.allclose(other_ready[..., 0], (other - mean) / std, rtol=1e-4, atol=1e-3), (
        "the other images must be standardized with the statistics of the training images")
    return "both sets standardized with the training statistics, inputs unchanged"


# Task 3: build_regularized_cnn ----------------------------------------------------------

def regularized_layers_questions(rng):
    # Classic mistakes this catches: BatchNormalization after the first Conv2D only, or
    # after a pooling layer; Dropout before Flatten instead of right before the output;
    # no Dropout; the ReLU dropped when BatchNormalization goes before it; layers
    # base_cnn has not (another Dense layer).
    return {"network": call("build_regularized_cnn")}


def regularized_layers_check(asked, answers):
    import keras

    model = answers.raw("network")
    assert not isinstance(model, Raised), f"build_regularized_cnn() failed: {model.message}"
    assert isinstance(model, keras.Model), (
        f"build_regularized_cnn must return a Keras model, got a {type(model).__name__}")
    layers = [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]
    kinds = [type(layer).__name__ for layer in layers]
    extra = ("BatchNormalization", "Dropout", "ReLU", "Activation", "Softmax")
    assert [kind for kind in kinds if kind not in extra] == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense"], (
        f"apart from BatchNormalization, Dropout and activations, keep base_cnn's layers: "
        f"got {kinds}")
    convs = [i for i, kind in enumerate(kinds) if kind == "Conv2D"]
    assert [layers[i].filters for i in convs] == [32, 64] and all(
        tuple(layers[i].kernel_size) == (3, 3) for i in convs), (
        "keep base_cnn's Conv2D layers (32, then 64 filters of 3x3)")
    for n, i in enumerate(convs, start=1):
        block = layers[i + 1:kinds.index("MaxPooling2D", i)]
        block_kinds = [type(layer).__name__ for layer in block]
        assert "BatchNormalization" in block_kinds, (
            f"no BatchNormalization between Conv2D layer {n} and its pooling layer")
        relus = [getattr(getattr(layer, "activation", None), "__name__", "")
                 for layer in [layers[i], *block]
                 if type(layer).__name__ in ("Conv2D", "Activation")]
        assert ("relu" in relus or "ReLU" in block_kinds) and set(relus) <= {"relu", "linear"}, (
            f"Conv2D layer {n} must keep its ReLU activation")
    output = kinds.index("Dense")
    assert kinds[output - 1] == "Dropout", "Dropout goes right before the output layer"
    assert all(kind in ("Activation", "Softmax") for kind in kinds[output + 1:]), (
        "nothing but an activation may follow the output layer")
    assert layers[output].units == 10, "the output layer needs 10 units"
    scores = predict(model, np.zeros((2, 28, 28, 1), np.float32),
                     "the network does not take images of shape (28, 28, 1)")
    assert scores.shape == (2, 10), (
        f"expected 10 class scores per image, got shape {scores.shape}")
    return "BatchNormalization and Dropout in the right places, in base_cnn's network"


# Task 3: train ------------------------------------------------------------------------

def trained_model_questions(rng):
    # Classic mistakes this catches: more than 5 epochs (epochs=20, or fit called twice);
    # training on other images than the ones given (the global x_small_ready,
    # x_check_ready added, all 60,000 images, images re-scaled inside train); an
    # untrained or under-trained network; train returning the History, or nothing,
    # instead of the model. The rules are checked by running train on 64 other images
    # with a tiny model whose fit records what it is given (reported by the kernel); the
    # network trained by the locked cell is evaluated here, on held-out images that never
    # enter the kernel.
    images = rng.standard_normal((64, 28, 28, 1)).astype(np.float32)
    labels = rng.permutation(np.arange(64) % 10).astype(np.uint8)  # every class
    return {"train on 64 other images": drive("train_rules", images, labels),
            "model": drive("trained_model")}


def _rules_check(question, rules):
    assert not isinstance(rules, Raised), (
        f"train(model, images, labels) failed on 64 other images: {rules.message}")
    assert isinstance(rules, dict) and isinstance(rules.get("fits"), list) and isinstance(
        rules.get("epochs"), int), "the notes on train are malformed"
    assert rules["fits"], "train must train the model with model.fit"
    assert rules["epochs"] <= 5, f"train trained for {rules['epochs']} epochs, more than 5"
    images = question.args[0]
    known = {(row + 0.0).tobytes()
             for row in images.reshape(len(images), -1).astype(np.float64)}
    for given in rules["fits"]:
        assert isinstance(given, tuple) and isinstance(given[0], np.ndarray), (
            "train must give model.fit its images as an array")
        rows = given[0].astype(np.float64)
        rows = rows.reshape(len(rows), -1) + 0.0 if rows.ndim else rows
        assert rows.ndim == 2 and rows.shape[1] == 784 and all(
            row.tobytes() in known for row in rows), (
            "train must train on the images it is given, and only on them")
    assert rules.get("same model") is True, (
        "train must return the model it was given, trained (it returned "
        f"{rules.get('returned')})")


def _held_out():
    """The grader's 2,000 held-out images, standardized with the statistics of the
    notebook's 3,000 training images, and their labels (loaded here, never in the
    kernel)."""
    import helpers

    (images, labels), _ = helpers.load_data(download=False)
    mean, std = _statistics(images[:N_TRAIN])
    ready = ((images[HELD_OUT].astype(np.float64) - mean) / std)[..., np.newaxis]
    return ready.astype(np.float32), labels[HELD_OUT]


def trained_model_check(asked, answers):
    import keras

    rules, model = asked
    _rules_check(asked[rules], answers.raw(rules))
    try:
        network = answers[model]
    except AssertionError as failure:
        raise AssertionError(
            f"model is not a trained network: train must return it ({failure})") from None
    assert isinstance(network, keras.Model), (
        f"model is not a trained network (got {type(network).__name__}): train must return it")
    images, labels = _held_out()
    predictions = predict(network, images,
                          "the network does not take standardized images of shape (28, 28, 1)")
    assert predictions.shape == (2_000, 10), (
        f"expected 10 class scores per image, got shape {predictions.shape}")
    accuracy = float(np.mean(predictions.argmax(axis=1) == labels))
    assert accuracy >= TARGET, (
        f"the network classifies {accuracy:.1%} of the grader's held-out images correctly, "
        f"below {TARGET:.0%}")
    return (f"trained by the rules; the network classifies {accuracy:.1%} of the grader's "
            "2,000 held-out images correctly")


TESTS = {
    "test_pixel_statistics_format": Test(pixel_statistics_format_questions,
                                         pixel_statistics_format_check),
    "test_pixel_statistics_values": Test(pixel_statistics_values_questions,
                                         pixel_statistics_values_check),
    "test_prepare_format": Test(prepare_format_questions, prepare_format_check),
    "test_prepare_no_leak": Test(prepare_no_leak_questions, prepare_no_leak_check),
    "test_regularized_layers": Test(regularized_layers_questions, regularized_layers_check),
    "test_trained_model": Test(trained_model_questions, trained_model_check),
}
