"""ex04_feature_maps graded fairly: every correct variant earns full marks, every classic
mistake loses the value points (and keeps the format point where its format is right).

The students are written from the student notebook's statements only, then graded in one
real `nbgrader autograde` run; every graded cell's score is checked for every student.
"""

from exercise_tools import solution_answers, submission
from students import grade, mistake_students

A = "ex04_feature_maps"
CELLS = {"test_build_activation_model_format": 1, "test_build_activation_model_values": 2,
         "test_zero_fractions_format": 1, "test_zero_fractions_values": 1,
         "test_strongest_filter_format": 1, "test_strongest_filter_values": 2}
BLANK = "def {}(*args, **kwargs):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"

CORRECT = {  # other styles and precisions than the reference, each worth full marks
    "alternative": {  # re-applies the trained layers to a new input; loops; sums
        "build_activation_model": "def build_activation_model(model):\n"
                                  "    inputs = keras.Input((28, 28, 1))\n"
                                  "    x, outputs = inputs, []\n"
                                  "    for layer in model.layers:\n"
                                  "        x = layer(x)\n"
                                  "        if 'conv' in layer.name or 'pool' in layer.name:\n"
                                  "            outputs.append(x)\n"
                                  "    return keras.Model(inputs, outputs)\n",
        "zero_fractions": "def zero_fractions(feature_maps):\n"
                          "    result = []\n"
                          "    for m in feature_maps:\n"
                          "        values = np.ravel(m)\n"
                          "        zeros = sum(1 for v in values if v == 0)\n"
                          "        result.append(zeros / len(values))\n"
                          "    return result\n",
        "strongest_filter": "def strongest_filter(model, image):\n"
                            "    response = model.layers[0](image[None])\n"
                            "    return int(np.argmax(np.sum(response, axis=(0, 1, 2))))\n",
    },
    "first_layer_input_float64": {  # layers[0].input; class names; numpy results; float64
        "build_activation_model": "def build_activation_model(model):\n"
                                  "    wanted = ('Conv2D', 'MaxPooling2D')\n"
                                  "    outs = [l.output for l in model.layers\n"
                                  "            if type(l).__name__ in wanted]\n"
                                  "    return keras.Model(inputs=model.layers[0].input, outputs=outs)\n",
        "zero_fractions": "def zero_fractions(feature_maps):\n"
                          "    return np.array([1 - np.count_nonzero(m) / np.size(m)\n"
                          "                     for m in feature_maps])\n",
        "strongest_filter": "def strongest_filter(model, image):\n"
                            "    conv = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)][0]\n"
                            "    probe = keras.Model(model.inputs, conv.output)\n"
                            "    maps = probe.predict(image.reshape(1, 28, 28, 1), verbose=0)[0].astype(np.float64)\n"
                            "    means = [maps[:, :, k].mean() for k in range(maps.shape[-1])]\n"
                            "    print('means', np.round(means, 3))\n"
                            "    return np.argmax(means)\n",
    },
    "tuple_outputs_reuses_task1": {  # a tuple of outputs; task 3 through its own task 1
        "build_activation_model": "def build_activation_model(model):\n"
                                  "    kinds = (keras.layers.Conv2D, keras.layers.MaxPooling2D)\n"
                                  "    return keras.Model(model.inputs,\n"
                                  "                       tuple(l.output for l in model.layers\n"
                                  "                             if isinstance(l, kinds)))\n",
        "zero_fractions": "def zero_fractions(feature_maps):\n"
                          "    return [float((np.asarray(m) == 0).sum() / np.asarray(m).size)\n"
                          "            for m in feature_maps]\n",
        "strongest_filter": "def strongest_filter(model, image):\n"
                            "    first = build_activation_model(model).predict(image[None], verbose=0)[0]\n"
                            "    return int(first[0].mean(axis=(0, 1)).argmax())\n",
    },
    "overwrites_globals": {  # right answers, then reassigns and changes the set-up's data
        "zero_fractions": None,  # filled in from the reference below
        "strongest_filter": None,
    },
}
# Solves later tasks only, earlier ones left as handed out: each task's tests stand alone.
SKIPS = {"skips_task1": ("build_activation_model",),
         "skips_tasks1_2": ("build_activation_model", "zero_fractions")}

# Every classic mistake listed at the top of a task's hidden tests, with the cells it
# loses (the format cell too where its format is wrong). Each mistake student makes one
# mistake per task (the tasks' tests are independent), the reference's answers otherwise.
MISTAKES = {
    "conv_layers_only": ({"build_activation_model":
                          "def build_activation_model(model):\n"
                          "    convs = [l.output for l in model.layers\n"
                          "             if isinstance(l, keras.layers.Conv2D)]\n"
                          "    return keras.Model(model.inputs, convs)\n"},
                         ["test_build_activation_model_format",
                          "test_build_activation_model_values"]),
    "first_four_layers": ({"build_activation_model":
                           "def build_activation_model(model):\n"
                           "    return keras.Model(model.inputs,\n"
                           "                       [l.output for l in model.layers[:4]])\n"},
                          ["test_build_activation_model_values"]),
    "layers_by_name": ({"build_activation_model":
                        "def build_activation_model(model):\n"
                        "    names = ['conv2d', 'max_pooling2d', 'conv2d_1', 'max_pooling2d_1']\n"
                        "    return keras.Model(model.inputs,\n"
                        "                       [model.get_layer(n).output for n in names])\n"},
                       ["test_build_activation_model_values"]),
    "cloned_new_weights": ({"build_activation_model":
                            "def build_activation_model(model):\n"
                            "    copy = keras.models.clone_model(model)\n"
                            "    kinds = (keras.layers.Conv2D, keras.layers.MaxPooling2D)\n"
                            "    return keras.Model(copy.inputs, [l.output for l in copy.layers\n"
                            "                                     if isinstance(l, kinds)])\n"},
                           ["test_build_activation_model_values"]),
    "every_layer": ({"build_activation_model":
                     "def build_activation_model(model):\n"
                     "    return keras.Model(model.inputs, [l.output for l in model.layers])\n"},
                    ["test_build_activation_model_format", "test_build_activation_model_values"]),
    "convs_then_pools": ({"build_activation_model":
                          "def build_activation_model(model):\n"
                          "    convs = [l.output for l in model.layers if isinstance(l, keras.layers.Conv2D)]\n"
                          "    pools = [l.output for l in model.layers\n"
                          "             if isinstance(l, keras.layers.MaxPooling2D)]\n"
                          "    return keras.Model(model.inputs, convs + pools)\n"},
                         ["test_build_activation_model_format",
                          "test_build_activation_model_values"]),
    "counts_non_positive": ({"zero_fractions": "def zero_fractions(feature_maps):\n"
                                               "    return [float(np.mean(m <= 0)) for m in feature_maps]\n"},
                            ["test_zero_fractions_values"]),
    "counts_near_zero": ({"zero_fractions": "def zero_fractions(feature_maps):\n"
                                            "    return [float(np.mean(np.isclose(m, 0))) for m in feature_maps]\n"},
                         ["test_zero_fractions_values"]),
    "divides_by_len": ({"zero_fractions": "def zero_fractions(feature_maps):\n"
                                          "    return [np.sum(m == 0) / len(m) for m in feature_maps]\n"},
                       ["test_zero_fractions_format", "test_zero_fractions_values"]),
    "non_zero_fraction": ({"zero_fractions": "def zero_fractions(feature_maps):\n"
                                             "    return [float(np.mean(m != 0)) for m in feature_maps]\n"},
                          ["test_zero_fractions_format", "test_zero_fractions_values"]),
    "one_fraction_for_all": ({"zero_fractions":
                              "def zero_fractions(feature_maps):\n"
                              "    zeros = sum(np.sum(m == 0) for m in feature_maps)\n"
                              "    return zeros / sum(np.size(m) for m in feature_maps)\n"},
                             ["test_zero_fractions_format", "test_zero_fractions_values"]),
    "max_not_mean": ({"strongest_filter":
                      "def strongest_filter(model, image):\n"
                      "    response = np.asarray(model.layers[0](image[None]))[0]\n"
                      "    return int(response.max(axis=(0, 1)).argmax())\n"},
                     ["test_strongest_filter_values"]),
    "before_relu": ({"strongest_filter":
                     "def strongest_filter(model, image):\n"
                     "    conv = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)][0]\n"
                     "    z = keras.ops.conv(image[None], conv.kernel, padding=conv.padding) + conv.bias\n"
                     "    return int(np.asarray(z)[0].mean(axis=(0, 1)).argmax())\n"},
                    ["test_strongest_filter_values"]),
    "last_conv_layer": ({"strongest_filter":
                         "def strongest_filter(model, image):\n"
                         "    conv = [l for l in model.layers if isinstance(l, keras.layers.Conv2D)][-1]\n"
                         "    maps = keras.Model(model.inputs, conv.output).predict(image[None], verbose=0)\n"
                         "    return int(maps[0].mean(axis=(0, 1)).argmax())\n"},
                        ["test_strongest_filter_format", "test_strongest_filter_values"]),
    "predicted_class": ({"strongest_filter":
                         "def strongest_filter(model, image):\n"
                         "    return int(model.predict(image[None], verbose=0).argmax())\n"},
                        ["test_strongest_filter_values"]),
    "weights_only": ({"strongest_filter":
                      "def strongest_filter(model, image):\n"
                      "    kernel = np.asarray(model.layers[0].kernel)\n"
                      "    return int(kernel.sum(axis=(0, 1, 2)).argmax())\n"},
                     ["test_strongest_filter_values"]),
}


def test_ex04_fairness(tmp_path):
    solution = solution_answers(A)
    CORRECT["overwrites_globals"] = {
        "zero_fractions": solution["zero_fractions"] + "\nimages = images[:2]\ncnn = None\n",
        "strongest_filter": solution["strongest_filter"]
        + "\nimages[:] = images[::-1]\nmaps = None\nactivation_model = None\n",
    }
    students = {"solution": submission(A, solution), "blank": submission(A)}
    for name, answers in CORRECT.items():
        students[name] = submission(A, {**solution, **answers})
    for name, skipped in SKIPS.items():
        students[name] = submission(A, {**solution, **{t: BLANK.format(t) for t in skipped}})
    mistakes = mistake_students(MISTAKES)
    for name, (answers, _) in mistakes.items():
        students[name] = submission(A, {**solution, **answers})

    scores, max_score = grade(tmp_path, A, students)

    assert max_score == sum(CELLS.values()) == 8, max_score
    for name in ("solution", *CORRECT):
        assert scores[name] == CELLS, f"{name}, a correct answer, scored {scores[name]}"
    assert all(v == 0 for v in scores["blank"].values()), f"blank scored {scores['blank']}"
    for name, skipped in SKIPS.items():
        want = {cell: 0 if any(cell == f"test_{t}_{kind}" for t in skipped
                               for kind in ("format", "values")) else points
                for cell, points in CELLS.items()}
        assert scores[name] == want, f"{name}: scored {scores[name]}, expected {want}"
    for name, (_, lost) in mistakes.items():
        want = {cell: 0 if cell in lost else points for cell, points in CELLS.items()}
        assert scores[name] == want, f"{name}: scored {scores[name]}, expected {want}"
