"""Exercise 2's tests: parameters by hand, a dense network to a specification, a model
trained to 80%."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np

from grading.checks import Test, predict
from grading.questions import call, drive, value

ACTIVATIONS = ("relu", "tanh", "sigmoid")
# Libraries that build models: "without building a model" rules them out in Task 1.
MODEL_LIBRARIES = {"keras", "tensorflow", "tf_keras", "torch", "jax", "jaxlib"}


def _count(sizes) -> int:
    """Weights and biases of a chain of Dense layers, counted by hand."""
    return sum(a * b + b for a, b in itertools.pairwise(sizes))


def _distinct(rng, low, high, n) -> list[int]:
    return [int(v) for v in rng.choice(np.arange(low, high + 1), size=n, replace=False)]


def _images(rng, n):
    return rng.random((n, 28, 28)).astype(np.float32)


# Task 1: dense_param_count ------------------------------------------------------------

def param_count_format_questions(rng):
    # The visible test's baseline, and a chain of the same shape with other sizes for the
    # type (an int, whatever the sizes).
    return {"the baseline [784, 128, 10]": call("dense_param_count", [784, 128, 10]),
            "layer sizes of another network": call(
                "dense_param_count", [784, int(rng.integers(16, 300)), 10])}


def param_count_format_check(asked, answers):
    counts = {name: answers[name] for name in asked}  # raises where a call failed
    for name in asked:
        kind = answers.type_name(name)
        assert kind == "int", f"return an int, got {kind}"
    count = counts["the baseline [784, 128, 10]"]
    assert count == 101_770, f"the baseline has 101,770 parameters, you computed {count:,}"
    return "the baseline's count is right"


def param_count_values_questions(rng):
    # A formula for exactly three sizes (e.g. (s[0] + 1) * s[1] + (s[1] + 1) * s[2]) fails
    # on 2, 4 and 5 sizes; the output layer's 10 biases hard-coded on outputs other than
    # 10; the baseline's 101,770 returned for every input, biases forgotten or counted per
    # input (a * b + a) on every chain (no two neighbouring sizes are equal).
    chains = [
        [784, *_distinct(rng, 16, 512, 2), 10],
        _distinct(rng, 2, 9, 2),
        [int(rng.integers(20, 200)), 1, int(rng.integers(201, 400))],
        [784, *sorted(_distinct(rng, 40, 600, 3), reverse=True), int(rng.integers(2, 10))],
        [int(rng.integers(2, 6)), int(rng.integers(11, 40))],
    ]
    return {f"layer sizes {sizes}": drive("libraries_used", "dense_param_count", sizes)
            for sizes in chains}


def param_count_values_check(asked, answers):
    for name, question in asked.items():
        sizes = question.args[1]
        result = answers[name]
        count, used = result[0], sorted(set(result[1]) & MODEL_LIBRARIES)
        if isinstance(count, np.ndarray) and count.shape == ():  # a NumPy scalar's 0-d
            count = count.item()
        assert not used, (
            f"for {name}, dense_param_count used {', '.join(used)}: count the parameters "
            "by hand, without building a model")
        assert isinstance(count, (int, float)) and not isinstance(count, bool) \
            and count == _count(sizes), f"wrong parameter count for {name}"
    return "every count is right"


# Task 2: build_dense_model ------------------------------------------------------------

def _run(model, images, name):
    """The loaded model's outputs on `images` (built-in layers only, loaded safely)."""
    import keras

    assert isinstance(model, keras.Model), (
        f"{name} must return a Keras model, got a {type(model).__name__}")
    try:
        return np.asarray(model(images, training=False), dtype=np.float64)
    except Exception as error:  # noqa: BLE001 - any failure is the student's model's
        raise AssertionError(
            f"{name} does not take images of shape (28, 28): calling it on "
            f"{len(images)} images failed ({type(error).__name__}: {str(error)[:200]})"
        ) from None


def _probe(question, n=None):
    """Grader images to run a model on: drawn from the question's (seeded) arguments, so
    different for every student, and never sent to the kernel."""
    digest = hashlib.sha256(repr(question.args).encode()).digest()
    rng = np.random.default_rng(int.from_bytes(digest[:16], "big"))
    return _images(rng, n or int(rng.integers(2, 7)))


def build_model_format_questions(rng):
    hidden, activation = [int(rng.integers(16, 200))], str(rng.choice(ACTIVATIONS))
    return {f"{hidden}, {activation!r}": call("build_dense_model", hidden, activation)}


def build_model_format_check(asked, answers):
    ((name, question),) = asked.items()
    images = _probe(question)
    probabilities = _run(answers[name], images, f"build_dense_model({name})")
    n = len(images)
    assert probabilities.shape == (n, 10), (
        f"expected output shape ({n}, 10), got {probabilities.shape}")
    assert np.allclose(probabilities.sum(axis=1), 1.0, atol=1e-5), (
        "rows must sum to 1 (softmax)")
    return "the outputs are ten probabilities per image"


def build_model_values_questions(rng):
    # The hidden layers without their activation, or always "relu" whatever the argument
    # (there is always a tanh and a sigmoid network); only the first hidden size used; the
    # sizes in reverse order (all different); softmax on the hidden layers too; an extra
    # Dense layer; biases switched off.
    first, second, third = (str(a) for a in rng.permutation(ACTIVATIONS))
    specs = [
        (_distinct(rng, 32, 200, 1), first),
        (_distinct(rng, 10, 60, 2), second),
        (_distinct(rng, 8, 80, 3), third),
        (_distinct(rng, 3, 12, 2), str(rng.choice(ACTIVATIONS))),
    ]
    return {f"{hidden}, {activation!r}": call("build_dense_model", hidden, activation)
            for hidden, activation in specs}


FUNCTIONS = {
    "relu": lambda z: np.maximum(z, 0),
    "tanh": np.tanh,
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
}


def _dense_layers(model):
    import keras

    found = []
    for layer in model.layers:
        if hasattr(layer, "layers"):  # a model nested in the model
            found += _dense_layers(layer)
        elif isinstance(layer, keras.layers.Dense):
            found.append(layer)
    return found


def build_model_values_check(asked, answers):
    for spec, question in asked.items():
        hidden, activation = question.args
        name = f"build_dense_model({spec})"
        model = answers[spec]
        images = _probe(question, 4)
        # Calling it also builds a model made without keras.Input.
        probabilities = _run(model, images, name)
        assert probabilities.shape == (4, 10), (
            f"{name} gives outputs of shape {probabilities.shape} for 4 images")
        sizes = [784, *hidden, 10]
        assert sum(int(np.prod(w.shape)) for w in model.weights) == _count(sizes), (
            f"{name} has the wrong number of parameters")
        dense = _dense_layers(model)
        assert [layer.units for layer in dense] == [*hidden, 10], (
            f"{name}: its Dense layers do not have the sizes asked for, in order")
        z = images.reshape(4, -1).astype(np.float64)
        for k, layer in enumerate(dense):
            weights = [np.asarray(w, np.float64) for w in layer.get_weights()]
            assert len(weights) == 2, f"{name}: its Dense layers must have biases"
            z = z @ weights[0] + weights[1]
            z = (FUNCTIONS[activation](z) if k < len(hidden)
                 else np.exp(z - z.max(axis=1, keepdims=True)))
        want = z / z.sum(axis=1, keepdims=True)
        assert np.allclose(probabilities, want, atol=1e-4), (
            f"{name} does not compute flatten, Dense + {activation} per hidden size, "
            "Dense(10) + softmax")
    return "every network has the layers, sizes and outputs asked for"


# Task 3: a model trained to 80% -------------------------------------------------------

def train_model_questions(rng):
    # The model itself, evaluated here on test images that never enter the kernel, and
    # what the set-up cell noted of the model.fit calls that trained it (the rules: data,
    # epochs; reported by the student's process).
    return {"model": value("model"), "its model.fit calls": drive("fit_record", "model")}


def _pixel_rows(x):
    """The images given to fit as rows of pixel values 0..255; rows with values outside
    0..255 get -1, so that they match no image."""
    rows = np.rint(np.asarray(x, dtype=np.float64).reshape(len(x), -1) * 255)
    rows[~((rows >= 0) & (rows <= 255)).all(axis=1)] = -1
    return rows


def train_model_check(asked, answers):
    # Classic mistakes this catches: training on all 60,000 images (x_train), on x_val or
    # on test images; more than 5 epochs (epochs=20, or several fit calls that add up to
    # more); a model below 80% (too small, too few steps, plain SGD for one epoch); a
    # model trained without model.fit; x_val or other globals overwritten (nothing here
    # reads them).
    import keras

    import helpers

    model = answers["model"]
    assert isinstance(model, keras.Model), (
        f"`model` must be a Keras model, got a {type(model).__name__}")
    fits = answers.raw("its model.fit calls")
    assert not hasattr(fits, "message"), (
        "pass the training images to model.fit as an array (or a tf.data.Dataset) made "
        "from x_small")
    assert isinstance(fits, list) and all(
        isinstance(f, tuple) and len(f) == 2 for f in fits), "the fit notes are malformed"
    assert fits, "no model.fit call trained `model`: train it with model.fit"
    epochs = sum(int(n) for _, n in fits)
    assert epochs <= 5, f"model was trained for {epochs} epochs in all, more than the 5 allowed"
    (train_images, _), (test_images, test_labels) = helpers.load_data(download=False)
    allowed = {row.tobytes() for row in train_images[:5000].reshape(5000, -1)}
    for x, _ in fits:
        assert isinstance(x, np.ndarray) and x.ndim >= 1, (
            "pass the training images to model.fit as an array (or a tf.data.Dataset) "
            "made from x_small")
        outside = sum(row.min() < 0 or row.astype(np.uint8).tobytes() not in allowed
                      for row in _pixel_rows(x))
        assert outside == 0, (
            f"model.fit trained on {outside:,} images that are not in x_small: "
            "train on x_small only")
    predictions = predict(model, helpers.scale_images(test_images[:2000]),
                          "model.predict must take images shaped like x_small, (n, 28, 28): "
                          "on 2,000 test images it failed")
    assert predictions.shape == (2000, 10), (
        f"predictions for 2,000 test images have shape {predictions.shape}, not (2000, 10)")
    accuracy = float(np.mean(predictions.argmax(axis=1) == test_labels[:2000]))
    assert accuracy >= 0.80, f"accuracy on the 2,000 test images is {accuracy:.1%}, below 80%"
    return f"trained by the rules; accuracy on the 2,000 test images: {accuracy:.1%}"


TESTS = {
    "test_dense_param_count_format": Test(param_count_format_questions,
                                          param_count_format_check),
    "test_dense_param_count_values": Test(param_count_values_questions,
                                          param_count_values_check),
    "test_build_dense_model_format": Test(build_model_format_questions,
                                          build_model_format_check),
    "test_build_dense_model_values": Test(build_model_values_questions,
                                          build_model_values_check),
    "test_train_model": Test(train_model_questions, train_model_check),
}
