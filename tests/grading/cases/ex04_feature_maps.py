"""ex04_feature_maps: correct answers in other styles than the reference (re-applying the
trained layers, loops, class names, tuples of outputs, float64, a warning on stderr, a
task built on the student's own task 1, answers that then overwrite the set-up's globals)
earn full marks; students who skip task 1 or tasks 1-2 still earn the later tasks; and
every classic mistake of each task (wrong layers, cloned weights, counting non-positives,
near-zeros or non-zeros, dividing by the length, the wrong statistic, layer or weights
for the strongest filter) loses the value points, and the format point where its format
is wrong. Each mistake student packs one mistake per task, the tasks' tests being
independent."""

from exercise_tools import solution_answers

from cases import Student

_REFERENCE = solution_answers("ex04_feature_maps")


def _blank(task):
    """A task left unanswered: a stub that raises, as handed out."""
    return f"def {task}(*args, **kwargs):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"


# Correct answers ------------------------------------------------------------------------

REAPPLIES_LAYERS = ("def build_activation_model(model):\n"  # on a new keras.Input
                    "    inputs = keras.Input((28, 28, 1))\n"
                    "    x, outputs = inputs, []\n"
                    "    for layer in model.layers:\n"
                    "        x = layer(x)\n"
                    "        if 'conv' in layer.name or 'pool' in layer.name:\n"
                    "            outputs.append(x)\n"
                    "    return keras.Model(inputs, outputs)\n")
BY_CLASS_NAME = ("def build_activation_model(model):\n"
                 "    wanted = ('Conv2D', 'MaxPooling2D')\n"
                 "    outs = [l.output for l in model.layers\n"
                 "            if type(l).__name__ in wanted]\n"
                 "    return keras.Model(inputs=model.layers[0].input, outputs=outs)\n")
TUPLE_OUTPUTS = ("def build_activation_model(model):\n"
                 "    kinds = (keras.layers.Conv2D, keras.layers.MaxPooling2D)\n"
                 "    return keras.Model(model.inputs,\n"
                 "                       tuple(l.output for l in model.layers\n"
                 "                             if isinstance(l, kinds)))\n")

WARNS_ON_STDERR = ("import warnings\n"  # nbgrader would score stderr output as failed
                   "def zero_fractions(feature_maps):\n"
                   "    warnings.warn('np.mean on a list is slow', UserWarning)\n"
                   "    return [1 - np.count_nonzero(m) / np.size(m) for m in feature_maps]\n")
COUNTS_IN_A_LOOP = ("def zero_fractions(feature_maps):\n"
                    "    result = []\n"
                    "    for m in feature_maps:\n"
                    "        values = np.ravel(m)\n"
                    "        zeros = sum(1 for v in values if v == 0)\n"
                    "        result.append(zeros / len(values))\n"
                    "    return result\n")
NUMPY_ARRAY_RESULT = ("def zero_fractions(feature_maps):\n"
                      "    return np.array([1 - np.count_nonzero(m) / np.size(m)\n"
                      "                     for m in feature_maps])\n")
SUM_OVER_SIZE = ("def zero_fractions(feature_maps):\n"
                 "    return [float((np.asarray(m) == 0).sum() / np.asarray(m).size)\n"
                 "            for m in feature_maps]\n")
# the reference's answer, then the set-up's images cut and its model dropped
OVERWRITES_IMAGES = _REFERENCE["zero_fractions"] + "\nimages = images[:2]\ncnn = None\n"

FIRST_LAYER_MEAN = ("def strongest_filter(model, image):\n"
                    "    response = model.layers[0](image[None])\n"
                    "    return int(np.argmax(np.mean(response, axis=(0, 1, 2))))\n")
FIRST_LAYER_SUM = ("def strongest_filter(model, image):\n"
                   "    response = model.layers[0](image[None])\n"
                   "    return int(np.argmax(np.sum(response, axis=(0, 1, 2))))\n")
FLOAT64_NUMPY_INDEX = ("def strongest_filter(model, image):\n"  # prints; returns np.int64
                       "    conv = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)][0]\n"
                       "    probe = keras.Model(model.inputs, conv.output)\n"
                       "    maps = probe.predict(image.reshape(1, 28, 28, 1), verbose=0)[0].astype(np.float64)\n"
                       "    means = [maps[:, :, k].mean() for k in range(maps.shape[-1])]\n"
                       "    print('means', np.round(means, 3))\n"
                       "    return np.argmax(means)\n")
REUSES_TASK1 = ("def strongest_filter(model, image):\n"
                "    first = build_activation_model(model).predict(image[None], verbose=0)[0]\n"
                "    return int(first[0].mean(axis=(0, 1)).argmax())\n")
# the reference's answer, then the set-up's images reversed in place, its maps and
# activation model dropped
OVERWRITES_MAPS = (_REFERENCE["strongest_filter"]
                   + "\nimages[:] = images[::-1]\nmaps = None\nactivation_model = None\n")

# Classic mistakes -------------------------------------------------------------------------

CONV_LAYERS_ONLY = ("def build_activation_model(model):\n"
                    "    convs = [l.output for l in model.layers\n"
                    "             if isinstance(l, keras.layers.Conv2D)]\n"
                    "    return keras.Model(model.inputs, convs)\n")
FIRST_FOUR_LAYERS = ("def build_activation_model(model):\n"
                     "    return keras.Model(model.inputs,\n"
                     "                       [l.output for l in model.layers[:4]])\n")
LAYERS_BY_NAME = ("def build_activation_model(model):\n"
                  "    names = ['conv2d', 'max_pooling2d', 'conv2d_1', 'max_pooling2d_1']\n"
                  "    return keras.Model(model.inputs,\n"
                  "                       [model.get_layer(n).output for n in names])\n")
CLONED_NEW_WEIGHTS = ("def build_activation_model(model):\n"
                      "    copy = keras.models.clone_model(model)\n"
                      "    kinds = (keras.layers.Conv2D, keras.layers.MaxPooling2D)\n"
                      "    return keras.Model(copy.inputs, [l.output for l in copy.layers\n"
                      "                                     if isinstance(l, kinds)])\n")
EVERY_LAYER = ("def build_activation_model(model):\n"
               "    return keras.Model(model.inputs, [l.output for l in model.layers])\n")
CONVS_THEN_POOLS = ("def build_activation_model(model):\n"
                    "    convs = [l.output for l in model.layers if isinstance(l, keras.layers.Conv2D)]\n"
                    "    pools = [l.output for l in model.layers\n"
                    "             if isinstance(l, keras.layers.MaxPooling2D)]\n"
                    "    return keras.Model(model.inputs, convs + pools)\n")

COUNTS_NON_POSITIVE = ("def zero_fractions(feature_maps):\n"
                       "    return [float(np.mean(m <= 0)) for m in feature_maps]\n")
COUNTS_NEAR_ZERO = ("def zero_fractions(feature_maps):\n"
                    "    return [float(np.mean(np.isclose(m, 0))) for m in feature_maps]\n")
DIVIDES_BY_LEN = ("def zero_fractions(feature_maps):\n"
                  "    return [np.sum(m == 0) / len(m) for m in feature_maps]\n")
NON_ZERO_FRACTION = ("def zero_fractions(feature_maps):\n"
                     "    return [float(np.mean(m != 0)) for m in feature_maps]\n")
ONE_FRACTION_FOR_ALL = ("def zero_fractions(feature_maps):\n"
                        "    zeros = sum(np.sum(m == 0) for m in feature_maps)\n"
                        "    return zeros / sum(np.size(m) for m in feature_maps)\n")

MAX_NOT_MEAN = ("def strongest_filter(model, image):\n"
                "    response = np.asarray(model.layers[0](image[None]))[0]\n"
                "    return int(response.max(axis=(0, 1)).argmax())\n")
BEFORE_RELU = ("def strongest_filter(model, image):\n"
               "    conv = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)][0]\n"
               "    z = keras.ops.conv(image[None], conv.kernel, padding=conv.padding) + conv.bias\n"
               "    return int(np.asarray(z)[0].mean(axis=(0, 1)).argmax())\n")
LAST_CONV_LAYER = ("def strongest_filter(model, image):\n"
                   "    conv = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)][-1]\n"
                   "    maps = keras.Model(model.inputs, conv.output).predict(image[None], verbose=0)\n"
                   "    return int(maps[0].mean(axis=(0, 1)).argmax())\n")
PREDICTED_CLASS = ("def strongest_filter(model, image):\n"
                   "    return int(model.predict(image[None], verbose=0).argmax())\n")
WEIGHTS_ONLY = ("def strongest_filter(model, image):\n"
                "    kernel = np.asarray(model.layers[0].kernel)\n"
                "    return int(kernel.sum(axis=(0, 1, 2)).argmax())\n")


STUDENTS = {
    # Correct answers: full marks.
    "reapplies_layers_warns": Student(  # and a warning on stderr, which costs no points
        answers={"build_activation_model": REAPPLIES_LAYERS,
                 "zero_fractions": WARNS_ON_STDERR,
                 "strongest_filter": FIRST_LAYER_MEAN}),
    "reapplies_layers_loops": Student(  # loops to count; sums instead of averaging
        answers={"build_activation_model": REAPPLIES_LAYERS,
                 "zero_fractions": COUNTS_IN_A_LOOP,
                 "strongest_filter": FIRST_LAYER_SUM}),
    "class_names_numpy_float64": Student(  # layers[0].input; numpy results; float64; prints
        answers={"build_activation_model": BY_CLASS_NAME,
                 "zero_fractions": NUMPY_ARRAY_RESULT,
                 "strongest_filter": FLOAT64_NUMPY_INDEX}),
    "tuple_outputs_reuses_task1": Student(  # task 3 through its own task 1
        answers={"build_activation_model": TUPLE_OUTPUTS,
                 "zero_fractions": SUM_OVER_SIZE,
                 "strongest_filter": REUSES_TASK1}),
    "overwrites_globals": Student(  # the reference's answers, then changes the set-up's data
        answers={"zero_fractions": OVERWRITES_IMAGES,
                 "strongest_filter": OVERWRITES_MAPS}),

    # Later tasks solved, earlier ones left unanswered: each task's tests stand alone.
    "skips_task1": Student(
        answers={"build_activation_model": _blank("build_activation_model")},
        scores={"test_build_activation_model_format": 0,
                "test_build_activation_model_values": 0}),
    "skips_tasks1_2": Student(
        answers={"build_activation_model": _blank("build_activation_model"),
                 "zero_fractions": _blank("zero_fractions")},
        scores={"test_build_activation_model_format": 0,
                "test_build_activation_model_values": 0,
                "test_zero_fractions_format": 0, "test_zero_fractions_values": 0}),

    # One classic mistake per task; the format point is kept where the format is right.
    "convs_only__non_zero__max": Student(  # the strongest filter's index is valid, wrong
        answers={"build_activation_model": CONV_LAYERS_ONLY,
                 "zero_fractions": NON_ZERO_FRACTION,
                 "strongest_filter": MAX_NOT_MEAN},
        scores={"test_build_activation_model_format": 0,
                "test_build_activation_model_values": 0,
                "test_zero_fractions_format": 0, "test_zero_fractions_values": 0,
                "test_strongest_filter_values": 0}),
    "convs_only__non_positive__max": Student(
        answers={"build_activation_model": CONV_LAYERS_ONLY,
                 "zero_fractions": COUNTS_NON_POSITIVE,
                 "strongest_filter": MAX_NOT_MEAN},
        scores={"test_build_activation_model_format": 0,
                "test_build_activation_model_values": 0,
                "test_zero_fractions_values": 0,
                "test_strongest_filter_values": 0}),
    "first_four__near_zero__before_relu": Student(
        answers={"build_activation_model": FIRST_FOUR_LAYERS,
                 "zero_fractions": COUNTS_NEAR_ZERO,
                 "strongest_filter": BEFORE_RELU},
        scores={"test_build_activation_model_values": 0,
                "test_zero_fractions_values": 0,
                "test_strongest_filter_values": 0}),
    "by_name__by_len__last_conv": Student(  # layers by Keras's default names
        answers={"build_activation_model": LAYERS_BY_NAME,
                 "zero_fractions": DIVIDES_BY_LEN,
                 "strongest_filter": LAST_CONV_LAYER},
        scores={"test_build_activation_model_values": 0,
                "test_zero_fractions_format": 0, "test_zero_fractions_values": 0,
                "test_strongest_filter_format": 0, "test_strongest_filter_values": 0}),
    "cloned__non_zero__predicted_class": Student(
        answers={"build_activation_model": CLONED_NEW_WEIGHTS,
                 "zero_fractions": NON_ZERO_FRACTION,
                 "strongest_filter": PREDICTED_CLASS},
        scores={"test_build_activation_model_values": 0,
                "test_zero_fractions_format": 0, "test_zero_fractions_values": 0,
                "test_strongest_filter_values": 0}),
    "every_layer__one_for_all__weights_only": Student(  # one fraction for all maps
        answers={"build_activation_model": EVERY_LAYER,
                 "zero_fractions": ONE_FRACTION_FOR_ALL,
                 "strongest_filter": WEIGHTS_ONLY},
        scores={"test_build_activation_model_format": 0,
                "test_build_activation_model_values": 0,
                "test_zero_fractions_format": 0, "test_zero_fractions_values": 0,
                "test_strongest_filter_values": 0}),
    "convs_then_pools": Student(  # the maps in the wrong order
        answers={"build_activation_model": CONVS_THEN_POOLS},
        scores={"test_build_activation_model_format": 0,
                "test_build_activation_model_values": 0}),
}

MAX_SCORE = 8
CELL_TIMEOUT = 60
MINUTES = 10
FEEDBACK = False
