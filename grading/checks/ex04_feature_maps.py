"""Exercise 4's tests: an activation model, the sparsity of feature maps, the strongest
first-layer filter.

The test CNNs are described as plain data (their layers and weights, drawn here); the
student's kernel builds them (helpers.handover's "on_model") and applies the student's
function to them. Every expected value is computed here, from that description, by a
NumPy forward pass of the grader's own.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from grading.checks import Test
from grading.questions import call, drive

# The set-up's CNN: Conv(16) -> pool -> Conv(32) -> pool -> Dense(32) -> Dense(10).
SETUP_CNN = [["conv", 16, 3, "valid"], ["pool", "valid"], ["conv", 32, 3, "valid"],
             ["pool", "valid"], ["flatten"], ["dense", 32, "relu"], ["dense", 10, "softmax"]]
MAP_KINDS = ("conv", "pool")  # the layers whose outputs an activation model returns


# The grader's own CNN arithmetic --------------------------------------------------------

def _images(rng, n):
    """`n` images of shape (28, 28, 1), float32 in [0, 1]: one to three bright patches
    on a black background, like the course's images, each shaded along its own
    direction and grainy, so that different filters respond to different images."""
    images = np.zeros((n, 28, 28, 1), np.float32)
    rows, cols = np.mgrid[0:28, 0:28] / 27
    for image in images:
        for _ in range(int(rng.integers(1, 4))):
            top, left = rng.integers(0, 18, 2)
            height, width = rng.integers(6, 28 - max(top, left) + 1, 2)
            angle = rng.uniform(0, 2 * np.pi)
            shade = np.cos(angle) * rows + np.sin(angle) * cols
            shade = (shade - shade.min()) / (shade.max() - shade.min())
            patch = rng.uniform(0.3, 1.0) * (0.2 + 0.8 * shade) * rng.uniform(0.7, 1.0, (28, 28))
            window = (slice(top, top + height), slice(left, left + width))
            image[window] = np.maximum(image[window], patch[window][..., None])
    return np.round(images * 255) / np.float32(255)


def _weights(rng, layers, first_kernel=None):
    """Random weights for `layers`, as model.get_weights() lists them (float32); the
    first conv layer's kernel and bias drawn with scales `first_kernel` when given."""
    weights, channels, size = [], 1, (28, 28)
    for kind, *options in layers:
        if kind == "conv":
            filters, k, padding = options
            fan_in = k * k * channels
            scale, bias = first_kernel if first_kernel and not weights else (
                np.sqrt(2 / fan_in), 0.1)
            weights += [rng.normal(0, scale, (k, k, channels, filters)),
                        rng.normal(0, bias, filters)]
            channels = filters
            size = size if padding == "same" else (size[0] - k + 1, size[1] - k + 1)
        elif kind == "pool":
            size = tuple((s + 1) // 2 if options[0] == "same" else s // 2 for s in size)
        elif kind == "flatten":
            channels = size[0] * size[1] * channels
        elif kind == "dense":
            weights += [rng.normal(0, np.sqrt(2 / channels), (channels, options[0])),
                        rng.normal(0, 0.1, options[0])]
            channels = options[0]
    return [w.astype(np.float32) for w in weights]


def _conv(x, kernel, bias, padding):
    """Keras's Conv2D before its activation: stride 1, 'valid' or 'same' (odd sizes)."""
    k = kernel.shape[0]
    if padding == "same":
        x = np.pad(x, ((0, 0), ((k - 1) // 2, k // 2), ((k - 1) // 2, k // 2), (0, 0)))
    windows = sliding_window_view(x, (k, k), axis=(1, 2))  # (n, h, w, channels, k, k)
    return np.einsum("nhwcij,ijcf->nhwf", windows, kernel.astype(np.float64)) + bias


def _forward(layers, weights, images):
    """Every layer's output for `images`, in float64, and the first conv layer's output
    before its ReLU."""
    weights, x, outputs, first_z = iter(weights), np.asarray(images, np.float64), [], None
    for kind, *options in layers:
        if kind == "conv":
            z = _conv(x, next(weights), next(weights), options[2])
            first_z = z if first_z is None else first_z
            x = np.maximum(z, 0)
        elif kind == "pool":
            n, h, w, c = x.shape
            if options[0] == "same":
                x = np.pad(x, ((0, 0), (0, h % 2), (0, w % 2), (0, 0)),
                           constant_values=-np.inf)
            else:
                x = x[:, :h - h % 2, :w - w % 2]
            n, h, w, c = x.shape
            x = x.reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))
        elif kind == "flatten":
            x = x.reshape(len(x), -1)
        elif kind == "dense":
            x = x @ next(weights).astype(np.float64) + next(weights)
            if options[1] == "relu":
                x = np.maximum(x, 0)
            else:
                x = np.exp(x - x.max(axis=1, keepdims=True))
                x = x / x.sum(axis=1, keepdims=True)
        outputs.append(x)
    return outputs, first_z


def _on(function, layers, weights, **kwargs):
    return drive("on_model", function, layers, weights, **kwargs)


# Task 1: build_activation_model ---------------------------------------------------------

def build_activation_model_format_questions(rng):
    return {"the set-up's cnn": drive("on_model", "build_activation_model", "cnn")}


def _load_model(answers, name):
    import keras

    model = answers[name]
    assert isinstance(model, keras.Model), (
        f"build_activation_model on {name}: return a keras.Model, got a "
        f"{answers.type_name(name)}")
    return model


def _feature_maps(model, images, what):
    """The activation model's outputs for `images`, as a list of arrays."""
    try:
        maps = model.predict(images, verbose=0)
    except Exception as error:  # noqa: BLE001 - any failure is the student's
        raise AssertionError(
            f"{what}: the activation model failed on images of shape {images.shape} "
            f"({type(error).__name__}: {str(error)[:200]})") from None
    if isinstance(maps, dict):
        maps = list(maps.values())
    return [np.asarray(m) for m in maps] if isinstance(maps, (list, tuple)) else [
        np.asarray(maps)]


def build_activation_model_format_check(asked, answers):
    # The visible test's assertions, on images of the grader's (any images would do).
    images = _images(np.random.default_rng(4), 5)
    maps = _feature_maps(_load_model(answers, "the set-up's cnn"), images, "the set-up's cnn")
    assert len(maps) == 4, "one output per conv or pooling layer"
    n = len(images)
    shapes = [(n, 26, 26, 16), (n, 13, 13, 16), (n, 11, 11, 32), (n, 5, 5, 32)]
    assert [m.shape for m in maps] == shapes, (
        f"wrong output shapes {[m.shape for m in maps]} for {n} images, expected {shapes}")
    return "four outputs of the right shapes"


def _test_cnns(rng):
    """Four CNNs unlike the set-up's but for the first, which has its layers: the first
    four layers, layers picked by index or name, only the convolutions, every layer or
    the convolutions first all fit one of them at most."""
    f = [int(v) for v in rng.integers(4, 13, 4)]
    k = int(rng.choice([3, 5]))
    return [
        [["conv", 2 * f[0], 3, "valid"], ["pool", "valid"], ["conv", 2 * f[1], 3, "valid"],
         ["pool", "valid"], ["flatten"], ["dense", 16, "relu"], ["dense", 10, "softmax"]],
        [["conv", f[0], k, "valid"], ["pool", "valid"], ["flatten"],
         ["dense", 8, "relu"], ["dense", 10, "softmax"]],
        [["conv", f[1], 3, "same"], ["pool", "same"], ["conv", f[2], 3, "same"],
         ["pool", "same"], ["conv", f[3], 3, "same"], ["pool", "same"], ["flatten"],
         ["dense", 8, "relu"], ["dense", 10, "softmax"]],
        [["conv", f[2], 3, "valid"], ["conv", f[3], 3, "valid"], ["pool", "valid"],
         ["dropout", 0.2], ["conv", f[0], 5, "valid"], ["flatten"],
         ["dense", 10, "softmax"]],
    ]


def build_activation_model_values_questions(rng):
    # New weights (a clone, new layers) change every output; counting the parameters
    # catches weights of the activation model's own.
    return {f"test CNN {number}": _on("build_activation_model", layers,
                                      _weights(rng, layers))
            for number, layers in enumerate(_test_cnns(rng), 1)}


def build_activation_model_values_check(asked, answers):
    for name, question in asked.items():
        _, layers, weights = question.args
        images = _images(np.random.default_rng(weights[0].view(np.uint32).ravel()), 4)
        outputs, _ = _forward(layers, weights, images)
        want = [o for (kind, *_), o in zip(layers, outputs) if kind in MAP_KINDS]
        model = _load_model(answers, name)
        got = _feature_maps(model, images, name)
        assert len(got) == len(want), (
            f"{name} has {len(want)} conv and pooling layers, the model {len(got)} outputs")
        for k, (o, w) in enumerate(zip(got, want)):
            assert o.shape == w.shape, (
                f"{name}: output {k} has the wrong shape {o.shape}, expected {w.shape}")
            assert np.allclose(o, w, rtol=1e-3, atol=1e-4), (
                f"{name}: output {k} is not that layer's output with the model's weights")
        own = sum(w.size for w in weights[:2 * sum(kind == "conv" for kind, *_ in layers)])
        assert model.count_params() == own, (
            f"{name}: the activation model has weights of its own "
            f"({model.count_params()} parameters, the conv layers have {own})")
    return "every output is its layer's, with the trained weights"


# Task 2: zero_fractions -----------------------------------------------------------------

CASES = ("an array with negative values", "an array with tiny non-zero values",
         "a float32 ReLU output", "an integer matrix", "an array of zeros")

def zero_fractions_format_questions(rng):
    length = int(rng.integers(6, 11))
    example = rng.integers(1, 7, length) / 2
    example[rng.choice(length, int(rng.integers(1, length)), replace=False)] = 0
    ones = np.ones(tuple(int(v) for v in rng.integers(2, 5, 2)))
    return {"a small example": call("zero_fractions", [example, ones]),
            "images": call("zero_fractions", list(_images(rng, int(rng.integers(3, 7)))))}


def _fractions(answers, name, count):
    """The answer as a list of `count` floats."""
    got = answers[name]
    if isinstance(got, np.ndarray) and got.ndim == 1:
        got = list(got)
    assert isinstance(got, (list, tuple)), (
        f"zero_fractions on {name}: return a list with one fraction per array, got a "
        f"{answers.type_name(name)}")
    assert len(got) == count, f"zero_fractions on {name}: {count} arrays gave {len(got)} fractions"
    try:
        return [float(np.asarray(f, dtype=np.float64).item()) for f in got]
    except (TypeError, ValueError):
        raise AssertionError(
            f"zero_fractions on {name}: each fraction must be a number, got {got!r:.200}"
        ) from None


def zero_fractions_format_check(asked, answers):
    example, ones = asked["a small example"].args[0]
    want = [float(np.mean(example == 0)), 0.0]
    shown = f"zero_fractions([array({example.tolist()}), np.ones({ones.shape})])"
    got = answers["a small example"]
    try:
        right = np.allclose(np.asarray(got, dtype=np.float64), want)
    except (TypeError, ValueError):
        right = False
    assert right, f"{shown} should be {want}, got {got!r:.200}"
    images = asked["images"].args[0]
    fractions = _fractions(answers, "images", len(images))
    assert all(0 <= f <= 1 for f in fractions), (
        f"expected {len(images)} fractions between 0 and 1, got {fractions}")
    return "format looks right"


def zero_fractions_values_questions(rng):
    # Counting values <= 0 or close to zero, dividing by the first axis, the fraction of
    # non-zeros, one fraction for the whole list: each gets one of these wrong.
    signed = rng.normal(size=tuple(int(v) for v in rng.integers(2, 8, 4)))
    signed[rng.random(signed.shape) < rng.uniform(0.3, 0.5)] = 0
    tiny = np.concatenate([np.zeros(int(rng.integers(1, 4))), [1e-9, -1e-12, 2e-7],
                           rng.uniform(1, 5, int(rng.integers(1, 4)))])
    relu = np.maximum(rng.normal(size=tuple(int(v) for v in rng.integers(2, 10, 3))), 0)
    integers = rng.integers(-3, 4, tuple(int(v) for v in rng.integers(2, 6, 2)))
    integers.flat[0] = 0
    arrays = [signed, rng.permutation(tiny), relu.astype(np.float32), integers,
              np.zeros(tuple(int(v) for v in rng.integers(2, 6, 2)))]
    return {"arrays of other shapes, signs and types": call("zero_fractions", arrays)}


def zero_fractions_values_check(asked, answers):
    (name, question), = asked.items()
    arrays = question.args[0]
    got = _fractions(answers, name, len(arrays))
    for label, array, fraction in zip(CASES, arrays, got):
        assert abs(fraction - np.count_nonzero(array == 0) / array.size) < 1e-6, (
            f"wrong fraction of exact zeros for {label} of shape {array.shape}")
    return "every fraction is right"


# Task 3: strongest_filter ---------------------------------------------------------------

def _means(layers, weights, images):
    """The first conv layer's mean feature maps, (images, filters), and the answers of
    the classic mistakes: each one's filter per image."""
    outputs, z = _forward(layers, weights, images)
    first = outputs[0]
    last = [o for (kind, *_), o in zip(layers, outputs) if kind == "conv"][-1]
    mistakes = {"the maximum instead of the mean": first.max(axis=(1, 2)).argmax(axis=1),
                "the maps before the ReLU": z.mean(axis=(1, 2)).argmax(axis=1),
                "the last conv layer": last.mean(axis=(1, 2)).argmax(axis=1),
                "the predicted class": outputs[-1].argmax(axis=1)}
    return first.mean(axis=(1, 2)), mistakes


def _best(means, margin):
    """Per image, whether each filter's mean is within `margin` (relative) of the best."""
    top = means.max(axis=1, keepdims=True)
    return means >= top - margin * np.abs(top) - 1e-6


def _filter_test(rng, layers, images, first_kernel, caught):
    """Weights for `layers` on which every mistake in `caught` names a clearly wrong
    filter for at least one of `images` (any fixed filter too, with "a fixed filter"; the
    last conv layer one the first lacks, with "a filter the first layer lacks")."""
    for _ in range(200):
        weights = _weights(rng, layers, first_kernel)
        means, mistakes = _means(layers, weights, images)
        near = _best(means, 1e-3)
        if means.max(axis=1).min() <= 0.01:
            continue
        wrong = {what: any(f >= means.shape[1] or not near[i, f]
                           for i, f in enumerate(answer))
                 for what, answer in mistakes.items()}
        wrong["a fixed filter"] = not near.all(axis=0).any()
        wrong["a filter the first layer lacks"] = any(
            f >= means.shape[1] for f in mistakes["the last conv layer"])
        if all(wrong[what] for what in caught):
            return weights
    raise RuntimeError("no test CNN catches every mistake")  # never seen


def strongest_filter_format_questions(rng):
    # A CNN of the set-up's shape, on which the last conv layer (32 filters) names a
    # filter the first (16 filters) does not have.
    images = _images(rng, 3)
    weights = _filter_test(rng, SETUP_CNN, images, None, ["a filter the first layer lacks"])
    return {"a CNN like the set-up's": _on("strongest_filter", SETUP_CNN, weights,
                                           each=images)}


def _is_index(value, filters):
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < filters


def strongest_filter_format_check(asked, answers):
    (name, question), = asked.items()
    filters = question.args[1][0][1]
    for i, best in enumerate(answers[name]):
        assert isinstance(best, int) and not isinstance(best, bool), (
            f"return an int, got {type(best).__name__} (image {i})")
        assert 0 <= best < filters, f"{best} is not the index of one of the {filters} filters"
    return "an int that names one of the first layer's filters"


def strongest_filter_values_questions(rng):
    # The first conv layer's weights make the answer depend on the image; these weights
    # and images are drawn until the maximum, the maps before the ReLU, the last conv
    # layer, the predicted class and any fixed filter are each wrong for some image.
    asked = {}
    for filters, size, padding in ((int(rng.integers(6, 11)), 3, "valid"),
                                   (int(rng.integers(5, 9)), 5, "same")):
        layers = [["conv", filters, size, padding], ["pool", padding],
                  ["conv", int(rng.integers(4, 7)), size, padding], ["pool", padding],
                  ["flatten"], ["dense", 8, "relu"], ["dense", 10, "softmax"]]
        images = _images(rng, 10)
        weights = _filter_test(rng, layers, images, (0.4, 0.3),
                               ["the maximum instead of the mean", "the maps before the ReLU",
                                "the last conv layer", "the predicted class",
                                "a fixed filter"])
        asked[f"the {filters}-filter test CNN"] = _on("strongest_filter", layers, weights,
                                                      each=images)
    return asked


def strongest_filter_values_check(asked, answers):
    for name, question in asked.items():
        _, layers, weights = question.args
        images = question.kwargs["each"]
        means, _ = _means(layers, weights, images)
        near = _best(means, 1e-4)
        got = answers[name]
        assert isinstance(got, list) and len(got) == len(images), (
            f"strongest_filter on {name}: expected one answer per image")
        for i, best in enumerate(got):
            assert _is_index(best, means.shape[1]), (
                f"{name}, test image {i}: {best!r:.100} is no filter index")
            assert near[i, best], (
                f"{name}, test image {i}: filter {best} is not the one with the largest "
                "mean feature map")
    return "the strongest filter, image after image"


TESTS = {
    "test_build_activation_model_format": Test(build_activation_model_format_questions,
                                               build_activation_model_format_check),
    "test_build_activation_model_values": Test(build_activation_model_values_questions,
                                               build_activation_model_values_check),
    "test_zero_fractions_format": Test(zero_fractions_format_questions,
                                       zero_fractions_format_check),
    "test_zero_fractions_values": Test(zero_fractions_values_questions,
                                       zero_fractions_values_check),
    "test_strongest_filter_format": Test(strongest_filter_format_questions,
                                         strongest_filter_format_check),
    "test_strongest_filter_values": Test(strongest_filter_values_questions,
                                         strongest_filter_values_check),
}
