"""Exercise 3's tests: a convolution and max pooling in NumPy, the shapes and parameter
counts of a stack of layers, a CNN built to a specification.

Every expected value is computed here: the convolution by an einsum over sliding
windows, the pooling by a reshape, the stacks' shapes and counts by hand-written
arithmetic. The CNN comes as a Keras model (helpers.handover's "portable_model") and is
inspected here: its layers, their output shapes, its parameters and its activations.
"""

from __future__ import annotations

import hashlib

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grading.checks import Test
from grading.questions import call, drive

# "NumPy only": any of these (helpers.handover's list of other libraries) breaks the rule.
# "Without building a model": only the libraries that build models do.
MODEL_LIBRARIES = {"keras", "tensorflow", "tf_keras", "torch", "jax", "jaxlib"}


def _picture(rng, h, w):
    """An image like the course's, (h, w, 1) float32 in [0, 1]: black, with one to three
    bright shaded patches, pixels in steps of 1/255."""
    image = np.zeros((h, w), np.float64)
    rows, cols = np.mgrid[0:h, 0:w] / max(h, w)
    for _ in range(int(rng.integers(1, 4))):
        top, left = int(rng.integers(0, h - 4)), int(rng.integers(0, w - 4))
        height, width = int(rng.integers(4, h - top + 1)), int(rng.integers(4, w - left + 1))
        angle = rng.uniform(0, 2 * np.pi)
        shade = 0.3 + 0.7 * (np.cos(angle) * rows + np.sin(angle) * cols + 1) / 2
        window = (slice(top, top + height), slice(left, left + width))
        image[window] = np.maximum(image[window], rng.uniform(0.5, 1.0) * shade[window])
    return (np.round(image * 255) / 255).astype(np.float32)[..., None]


def _shape(value):
    try:
        return np.shape(value)
    except ValueError:  # ragged lists
        return "a ragged nesting of lists"


# Task 1: conv2d ---------------------------------------------------------------------

def _conv(image, kernels):
    """Keras's Conv2D without bias or activation: valid padding, stride 1, no flip."""
    image, kernels = np.asarray(image, np.float64), np.asarray(kernels, np.float64)
    windows = sliding_window_view(image, kernels.shape[:2], axis=(0, 1))  # (h, w, c, kh, kw)
    return np.einsum("ijcab,abcf->ijf", windows, kernels)


def _edge_kernel():
    edge = np.full((3, 3), -1.0)
    edge[1, 1] = 8.0
    return edge[:, :, None, None]


def conv2d_format_questions(rng):
    # The visible test's edge kernel (symmetric: a flipped or transposed kernel gives the
    # same values) on a step from dark to bright of the grader's size and position.
    h, w = (int(v) for v in rng.integers(5, 10, 2))
    step = np.zeros((h, w, 1))
    step[:, int(rng.integers(2, w - 1)):, 0] = 1.0
    return {
        "the edge kernel on a step": call("conv2d", step, _edge_kernel()),
        "a 28×28 image and four 3×3 kernels": call(
            "conv2d", _picture(rng, 28, 28), rng.normal(size=(3, 3, 1, 4))),
    }


def conv2d_format_check(asked, answers):
    name = "the edge kernel on a step"
    step, kernels = asked[name].args
    want, result = _conv(step, kernels), answers[name]
    assert _shape(result) == want.shape, f"expected shape {want.shape}, got {_shape(result)}"
    got = np.asarray(result, dtype=np.float64)
    assert np.allclose(got, want), (
        f"wrong values for the edge kernel on the step, got\n{got[:, :, 0]}")
    name = "a 28×28 image and four 3×3 kernels"
    shape = _shape(answers[name])
    assert shape == (26, 26, 4), (
        f"a 28×28 image and four 3×3 kernels: expected (26, 26, 4), got {shape}")
    return "format looks right"


def conv2d_values_questions(rng):
    # Classic mistakes this catches: flipping the kernel (a true convolution: the visible
    # test's symmetric edge kernel cannot tell); using only the first input channel;
    # assuming square kernels (kh for both sides) or reading the kernel as (width,
    # height), with one kernel taller than wide and one wider than tall; one output row or
    # column too few or too many (a kernel as large as its image leaves one position);
    # calling keras.ops.conv, TensorFlow or SciPy where NumPy only is asked. Float32 or
    # float64 arithmetic both pass (tolerance 1e-4).
    h1, k3 = int(rng.integers(4, 6)) * 2 + 1, int(rng.integers(4, 7))
    w2 = int(rng.integers(6, 9))
    cases = [
        ((h1, h1 + 2, 1), (3, 3, 1, int(rng.integers(2, 4)))),
        ((int(rng.integers(9, 13)), w2, 3), (2, w2 - 1, 3, 4)),
        ((k3, k3, 2), (k3, k3, 2, 1)),
        ((28, 28, 1), (5, 3, 1, 3)),
    ]
    questions = {
        f"a random image of shape {shape} with kernels of shape {kernel}": drive(
            "libraries_used", "conv2d", rng.normal(size=shape), rng.normal(size=kernel))
        for shape, kernel in cases
    }
    kernels = rng.normal(size=(3, 3, 1, 8))
    for i in range(2):
        questions[f"image-like picture {i} with random kernels of shape (3, 3, 1, 8)"] = drive(
            "libraries_used", "conv2d", _picture(rng, 28, 28), kernels)
    return questions


def conv2d_values_check(asked, answers):
    for name, question in asked.items():
        _, image, kernels = question.args
        want = _conv(image, kernels)
        got, used = answers[name]
        assert not used, f"use NumPy only: conv2d called {', '.join(sorted(used))}"
        assert _shape(got) == want.shape, (
            f"for {name}, expected shape (height - kh + 1, width - kw + 1, filters) = "
            f"{want.shape}, got {_shape(got)}")
        assert np.allclose(np.asarray(got, np.float64), want, rtol=1e-4, atol=1e-4), (
            f"the values are wrong for {name}")
    return "right on every image and kernel"


# Task 2: max_pool2x2 ----------------------------------------------------------------

def _pool(maps):
    maps = np.asarray(maps, np.float64)
    h, w, c = maps.shape[0] // 2, maps.shape[1] // 2, maps.shape[2]
    return maps[:2 * h, :2 * w].reshape(h, 2, w, 2, c).max(axis=(1, 3))


def max_pool2x2_format_questions(rng):
    # The visible test's kind of example: even sizes, one channel, values from 0 to 9.
    h, w = (2 * int(v) for v in rng.integers(2, 5, 2))
    return {
        f"a {h}×{w} example": call(
            "max_pool2x2", rng.integers(0, 10, (h, w, 1)).astype(np.float64)),
        "a 28×28 image": call("max_pool2x2", _picture(rng, 28, 28)),
    }


def max_pool2x2_format_check(asked, answers):
    name, image = asked
    block = asked[name].args[0]
    want, result = _pool(block), answers[name]
    assert _shape(result) == want.shape, f"expected shape {want.shape}, got {_shape(result)}"
    got = np.asarray(result, dtype=np.float64)
    assert np.array_equal(got, want), f"wrong values for the {name[2:]}, got\n{got[:, :, 0]}"
    shape = _shape(answers[image])
    assert shape == (14, 14, 1), f"a 28×28 image: expected shape (14, 14, 1), got {shape}"
    return "format looks right"


def max_pool2x2_values_questions(rng):
    # Classic mistakes this catches: padding odd sizes with zeros, or a running maximum
    # that starts at 0 (both wrong when every value is negative, as here); keeping the
    # odd last row or column as a block of its own (ceil instead of floor); the maximum
    # over all channels at once instead of per channel; calling keras.ops.max_pool or
    # another library where NumPy only is asked.
    odd = [int(v) * 2 + 1 for v in rng.integers(2, 8, 4)]
    even = [int(v) * 2 for v in rng.integers(3, 15, 3)]
    shapes = [(odd[0], odd[0], 1), (odd[1], even[0], int(rng.integers(2, 5))),
              (odd[2] + 6, odd[3] + 6, int(rng.integers(32, 65))), (2, 3, 2),
              (even[1], even[2], 1)]
    return {f"feature maps of shape {shape} (all negative)": drive(
        "libraries_used", "max_pool2x2", -rng.uniform(0.05, 6.0, shape)) for shape in shapes}


def max_pool2x2_values_check(asked, answers):
    for name, question in asked.items():
        want = _pool(question.args[1])
        got, used = answers[name]
        assert not used, f"use NumPy only: max_pool2x2 called {', '.join(sorted(used))}"
        assert _shape(got) == want.shape, (
            f"for {name}, expected shape (height // 2, width // 2, channels) = "
            f"{want.shape}, got {_shape(got)}")
        assert np.allclose(np.asarray(got, np.float64), want, rtol=1e-6, atol=1e-6), (
            f"the values are wrong for {name}")
    return "right on every feature map"


# Task 3: describe_stack -------------------------------------------------------------

def _describe(input_shape, stack):
    """[(output shape, parameters), ...] as Keras's model.summary lists them."""
    shape, rows = tuple(input_shape), []
    for kind, *options in stack:
        if kind == "conv":
            filters, k, padding = options
            h, w, channels = shape
            if padding == "valid":
                h, w = h - k + 1, w - k + 1
            shape, params = (h, w, filters), (k * k * channels + 1) * filters
        elif kind == "pool":
            shape, params = (shape[0] // 2, shape[1] // 2, shape[2]), 0
        elif kind == "flatten":
            shape, params = (int(np.prod(shape)),), 0
        else:
            shape, params = (options[0],), (shape[0] + 1) * options[0]
        rows.append((shape, params))
    return rows


def _rows(rows, where):
    """The student's rows as [(shape tuple, params), ...] of numbers, or why not."""
    assert isinstance(rows, (list, tuple)), (
        f"{where}: return a list of (shape, parameters) pairs, got a {type(rows).__name__}")
    for row in rows:
        assert isinstance(row, (list, tuple)) and len(row) == 2, (
            f"{where}: each row must be a pair (tuple of ints, int), got {row!r}")
    return rows


def describe_stack_format_questions(rng):
    # The visible test's stack, with other sizes: an even input and an odd kernel keep
    # the first conv's output even, so that only rows 0 and 1 are checked here.
    h, w = (2 * int(v) for v in rng.integers(10, 17, 2))
    stack = [("conv", int(rng.integers(8, 65)), int(rng.choice([3, 5])), "valid"), ("pool",),
             ("conv", int(rng.integers(8, 65)), 3, "same"), ("pool",), ("flatten",),
             ("dense", int(rng.integers(2, 20)))]
    return {f"the input shape {(h, w, 1)} and the stack {stack}": call(
        "describe_stack", (h, w, 1), stack)}


def describe_stack_format_check(asked, answers):
    ((name, question),) = asked.items()
    stack = question.args[1]
    rows = _rows(answers[name], f"for {name}")
    assert len(rows) == len(stack), f"one (shape, parameters) pair per layer, got {len(rows)}"
    for shape, params in rows:
        assert isinstance(shape, tuple) and isinstance(params, int) \
                and not isinstance(params, bool), (
            f"each row must be a pair (tuple of ints, int), got {(shape, params)}")
    want = _describe(*question.args)
    for i, label in enumerate(("first", "second")):
        assert tuple(rows[i]) == want[i], f"{label} layer of {name}: got {tuple(rows[i])}"
    return "format looks right"


def describe_stack_values_questions(rng):
    # Classic mistakes this catches: ignoring padding="same"; pooling an odd size up
    # (ceil) instead of down; a conv's parameters without its input channels, (k*k + 1)
    # * filters, right only on a one-channel input; weights without biases (conv or
    # dense); building a Keras model where the statement asks to work the numbers out.
    f = [int(v) for v in rng.integers(4, 65, 6)]
    units = [int(v) for v in rng.integers(2, 600, 3)]
    s, h, w = 2 * int(rng.integers(12, 19)), *(2 * int(v) + 1 for v in rng.integers(6, 11, 2))
    stacks = [
        ((28, 28, 1), [("conv", f[0], 3, "valid"), ("pool",), ("conv", f[1], 3, "same"),
                       ("pool",), ("flatten",), ("dense", units[0] % 20 + 2)]),
        ((28, 28, 1), [("conv", f[2], 5, "same"), ("pool",), ("conv", f[3], 5, "same"),
                       ("pool",), ("flatten",), ("dense", units[1]), ("dense", 10)]),
        ((s, s, 3), [("conv", f[4], 3, "valid"), ("conv", f[4], 3, "valid"), ("pool",),
                     ("flatten",), ("dense", int(rng.integers(2, 12)))]),
        ((h, w, 2), [("conv", f[5] % 8 + 2, 5, "valid"), ("pool",), ("conv", 3, 1, "same"),
                     ("pool",), ("flatten",), ("dense", units[2] % 8 + 2), ("dense", 2)]),
    ]
    return {f"the input shape {shape} and the stack {stack}": drive(
        "libraries_used", "describe_stack", shape, stack) for shape, stack in stacks}


def describe_stack_values_check(asked, answers):
    for name, question in asked.items():
        _, input_shape, stack = question.args
        want, where = _describe(input_shape, stack), f"for {name}"
        rows, used = answers[name]
        used = sorted(set(used) & MODEL_LIBRARIES)
        assert not used, ("work the numbers out without building a model: describe_stack "
                          f"called {', '.join(used)}")
        rows = _rows(rows, where)
        assert len(rows) == len(want), f"{where}: expected one row per layer, got {len(rows)}"
        for i, (spec, (shape, params), (want_shape, want_params)) in enumerate(
                zip(stack, rows, want)):
            assert isinstance(shape, (list, tuple)) and tuple(shape) == want_shape, (
                f"{where}: the output shape of layer {i}, {spec}, is wrong (got {shape})")
            assert not isinstance(params, bool) and params == want_params, (
                f"{where}: the parameter count of layer {i}, {spec}, is wrong "
                f"(got {params})")
    return "every layer's shape and parameters are right"


# Task 4: build_cnn ------------------------------------------------------------------

SPEC = [("Conv2D", (26, 26, 32)), ("MaxPooling2D", (13, 13, 32)), ("Conv2D", (11, 11, 64)),
        ("MaxPooling2D", (5, 5, 64)), ("Dense", (64,)), ("Dense", (10,))]
PARAMETERS = 121_930
NO_ARGUMENTS = "a call with no arguments"


def _cnn_question(rng):
    """build_cnn's model, and what activations of the student's own do to numbers from -8
    to 8 (drawn here)."""
    x = np.concatenate([np.linspace(-8, 8, 33), rng.uniform(-8, 8, 15)])
    return {NO_ARGUMENTS: drive("portable_model", "build_cnn",
                                rng.permutation(x).reshape(4, 12).astype(np.float32))}


def _cnn(asked, answers, n):
    """(the model, the student's own activations' values, the probe numbers, the model's
    outputs on n images of the grader's)."""
    import keras

    question = asked[NO_ARGUMENTS]
    x = question.args[1]
    model, own = answers[NO_ARGUMENTS]
    assert isinstance(model, keras.Model), (
        f"build_cnn must return a Keras model, got a {type(model).__name__}")
    digest = hashlib.sha256(x.tobytes()).digest()
    images = np.random.default_rng(int.from_bytes(digest[:16], "big")).random(
        (n, 28, 28, 1)).astype(np.float32)
    try:  # also builds a Sequential made without keras.Input
        out = np.asarray(model(images, training=False), dtype=np.float64)
    except Exception as error:  # noqa: BLE001 - any failure is the student's model's
        raise AssertionError(
            f"the model does not take images of shape (28, 28, 1): calling it on {n} "
            f"images failed ({type(error).__name__}: {str(error)[:200]})") from None
    layers = _layers(model)
    if layers and layers[-1].name in own:  # an output activation of the student's own
        out = _softmax(out) if _close(own[layers[-1].name], _softmax(x)) else out
    return model, own, x, out


def _layers(model):
    found = []
    for layer in model.layers:
        found += _layers(layer) if hasattr(layer, "layers") else [layer]
    return found


def _softmax(z):
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _close(values, want):
    try:
        values = np.asarray(values, np.float64)
    except (TypeError, ValueError):
        return False
    return values.shape == want.shape and np.allclose(values, want, atol=1e-5)


def _does(layer, own, x, want, whole=False):
    """Whether `layer`'s activation (or, `whole`, the layer itself) maps x to want; an
    activation of the student's own is judged by the values it handed over."""
    import keras

    if layer.name in own:
        return _close(own[layer.name], want)
    try:
        function = layer if whole else layer.activation
        return _close(function(keras.ops.convert_to_tensor(x)), want)
    except Exception:  # noqa: BLE001 - cannot be applied to x: does not do it
        return False


def build_cnn_format_questions(rng):
    return _cnn_question(rng)


def build_cnn_format_check(asked, answers):
    _, _, _, out = _cnn(asked, answers, 3)
    assert out.shape == (3, 10), f"expected output shape (3, 10), got {out.shape}"
    assert np.allclose(out.sum(axis=1), 1.0, atol=1e-5), "rows must sum to 1 (softmax)"
    return "ten class probabilities per image"


def build_cnn_structure_questions(rng):
    return _cnn_question(rng)


def build_cnn_structure_check(asked, answers):
    # Classic mistakes this catches: tanh, leaky relu or no activation where relu is
    # asked; padding="same" (every output shape changes); average instead of max
    # pooling; a missing or extra conv or dense layer, or other filter or unit counts
    # (121,930 parameters in all). Every usual way to write the model passes: Sequential
    # with or without keras.Input, the functional API, relu as a string, a function, a
    # lambda, or a ReLU/Activation layer after a linear one: each activation is judged by
    # what it does to numbers from -8 to 8.
    import keras

    model, own, x, out = _cnn(asked, answers, 4)
    assert out.shape == (4, 10), f"expected output shape (4, 10) for 4 images, got {out.shape}"
    assert np.allclose(out.sum(axis=1), 1.0, atol=1e-5) and (out >= 0).all(), (
        "the outputs must be class probabilities (softmax)")
    layers = _layers(model)
    kinds = (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.Dense)
    main = [layer for layer in layers if isinstance(layer, kinds)]
    got = [(type(layer).__name__, tuple(layer.output.shape[1:])) for layer in main]
    assert got == SPEC, (
        f"the conv, max-pooling and dense layers and their output shapes are not as "
        f"specified: got {got}")
    count = model.count_params()
    assert count == PARAMETERS, (
        f"the model has {count:,} parameters, not the specification's number")
    relu, linear = np.maximum(x, 0.0), x
    for layer in (main[0], main[2], main[4]):
        if _does(layer, own, x, relu):
            continue
        i = layers.index(layer)
        after = layers[i + 1] if i + 1 < len(layers) else None
        relu_after = after is not None and not after.weights and _does(
            after, own, x, relu, whole=True)
        assert _does(layer, own, x, linear) and relu_after, (
            f"{type(layer).__name__} layer {layer.name} needs a relu activation")
    return "the layers, shapes, parameters and activations are as specified"


TESTS = {
    "test_conv2d_format": Test(conv2d_format_questions, conv2d_format_check),
    "test_conv2d_values": Test(conv2d_values_questions, conv2d_values_check),
    "test_max_pool2x2_format": Test(max_pool2x2_format_questions, max_pool2x2_format_check),
    "test_max_pool2x2_values": Test(max_pool2x2_values_questions, max_pool2x2_values_check),
    "test_describe_stack_format": Test(describe_stack_format_questions,
                                       describe_stack_format_check),
    "test_describe_stack_values": Test(describe_stack_values_questions,
                                       describe_stack_values_check),
    "test_build_cnn_format": Test(build_cnn_format_questions, build_cnn_format_check),
    "test_build_cnn_structure": Test(build_cnn_structure_questions, build_cnn_structure_check),
}
