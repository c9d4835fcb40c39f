"""ex02_dense graded fairly: every correct variant earns full marks, every classic mistake
loses the value points (and keeps the format point where its format is right).

The students are written from the student notebook's statements only, then graded in one
real `nbgrader autograde` run; every graded cell's score is checked for every student.
"""

from exercise_tools import solution_answers, submission
from students import ALTERNATIVE_EX02, grade, mistake_students

A = "ex02_dense"
CELLS = {"test_dense_param_count_format": 1, "test_dense_param_count_values": 2,
         "test_build_dense_model_format": 1, "test_build_dense_model_values": 2,
         "test_train_model": 3}


CORRECT = {  # other styles than the reference, each worth full marks
    "numpy_functional_dataset": {
        "dense_param_count": "def dense_param_count(layer_sizes):\n"
                             "    s = np.array(layer_sizes, dtype=np.int64)\n"
                             "    return np.int64(np.sum(s[:-1] * s[1:]) + np.sum(s[1:]))\n",
        "build_dense_model": "def build_dense_model(hidden_units, activation):\n"
                             "    inputs = keras.Input(shape=(28, 28))\n"
                             "    x = keras.layers.Reshape((28 * 28,))(inputs)\n"
                             "    for n in hidden_units:\n"
                             "        x = keras.layers.Dense(n)(x)\n"
                             "        x = keras.layers.Activation(activation)(x)\n"
                             "    x = keras.layers.Dense(10)(x)\n"
                             "    return keras.Model(inputs, keras.layers.Softmax()(x))\n",
        "train_model": "import tensorflow as tf\n"
                       "data = tf.data.Dataset.from_tensor_slices((x_small, y_small))\n"
                       "data = data.shuffle(5000, seed=1).batch(64)\n"
                       "model = build_dense_model([256], 'relu')\n"
                       "model.compile('adam', 'sparse_categorical_crossentropy',\n"
                       "              metrics=['accuracy'])\n"
                       "model.fit(data, epochs=5, verbose=0)\n"
                       "print('val accuracy', model.evaluate(x_val, y_val, verbose=0)[1])\n",
    },
    "loop_lazy_two_fits": {  # no keras.Input (built when first called); 2 + 3 epochs
        "dense_param_count": "def dense_param_count(layer_sizes):\n"
                             "    total = 0\n"
                             "    for i in range(len(layer_sizes) - 1):\n"
                             "        weights = layer_sizes[i] * layer_sizes[i + 1]\n"
                             "        total = total + weights + layer_sizes[i + 1]\n"
                             "    print('total', total)\n"
                             "    return total\n",
        "build_dense_model": "def build_dense_model(hidden_units, activation):\n"
                             "    model = keras.Sequential()\n"
                             "    model.add(keras.layers.Flatten())\n"
                             "    for units in hidden_units:\n"
                             "        model.add(keras.layers.Dense(units, activation=activation))\n"
                             "    model.add(keras.layers.Dense(10, activation=keras.activations.softmax))\n"
                             "    return model\n",
        "train_model": "model = build_dense_model([128], 'relu')\n"
                       "model.compile(optimizer=keras.optimizers.Adam(1e-3),\n"
                       "              loss='sparse_categorical_crossentropy')\n"
                       "model.fit(x_small, y_small, epochs=2, verbose=0)\n"
                       "model.fit(x_small, y_small, epochs=5, initial_epoch=2, verbose=0)\n",
    },
    "float64_subset_split": {  # float64 copies, shuffled, a validation split, early stopping
        "train_model": "order = np.random.default_rng(0).permutation(5000)\n"
                       "x64, y64 = x_small[order].astype('float64'), y_small[order]\n"
                       "model = build_dense_model([200], 'relu')\n"
                       "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                       "stop = keras.callbacks.EarlyStopping(patience=1,\n"
                       "                                     restore_best_weights=True)\n"
                       "model.fit(x64, y64, epochs=5, validation_split=0.1, callbacks=[stop],\n"
                       "          verbose=2)\n",
    },
    "overwrites_globals": {  # right answers, then reassigns the set-up's data
        "build_dense_model": "from helpers.models import dense_network\n\n"
                             "def build_dense_model(hidden_units, activation):\n"
                             "    return dense_network(hidden_units, activation)\n"
                             "\nx_train, y_train = None, None\n",
        "train_model": "model = build_dense_model([128], 'relu')\n"
                       "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                       "model.fit(x_small, y_small, epochs=5, verbose=0)\n"
                       "x_val, y_val = x_small[:2000], y_small[:2000]  # looks better\n"
                       "x_small = None\n",
    },
}

# Solves task 3 only, tasks 1 and 2 left as handed out: each task's tests stand alone.
SKIPS_TASKS_1_2 = {
    "train_model": "model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),\n"
                   "                          keras.layers.Dense(256, activation='relu'),\n"
                   "                          keras.layers.Dense(10, activation='softmax')])\n"
                   "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                   "model.fit(x_small, y_small, batch_size=32, epochs=5, verbose=0)\n",
}

# Every classic mistake listed at the top of a task's hidden tests, with the cells it
# loses (the format cell too where its format is wrong). Each mistake student makes one
# mistake per task (the tasks' tests are independent), so that grading trains less.
MISTAKES = {
    "three_sizes_only": ({"dense_param_count":
                          "def dense_param_count(layer_sizes):\n"
                          "    a, b, c = layer_sizes[0], layer_sizes[1], layer_sizes[2]\n"
                          "    return (a + 1) * b + (b + 1) * c\n"},
                         ["test_dense_param_count_values"]),
    "ten_biases_hardcoded": ({"dense_param_count":
                              "def dense_param_count(layer_sizes):\n"
                              "    pairs = zip(layer_sizes, layer_sizes[1:])\n"
                              "    return sum(a * b for a, b in pairs) + sum(layer_sizes[1:-1]) + 10\n"},
                             ["test_dense_param_count_values"]),
    "returns_baseline": ({"dense_param_count": "def dense_param_count(layer_sizes):\n"
                                               "    return 101_770\n"},
                         ["test_dense_param_count_values"]),
    "no_biases": ({"dense_param_count": "def dense_param_count(layer_sizes):\n"
                                        "    return sum(a * b for a, b in zip(layer_sizes, layer_sizes[1:]))\n"},
                  ["test_dense_param_count_format", "test_dense_param_count_values"]),
    # "without building a model": counts right, but from a Keras model
    "builds_a_model": ({"dense_param_count":
                        "def dense_param_count(layer_sizes):\n"
                        "    layers = [keras.Input((layer_sizes[0],))]\n"
                        "    layers += [keras.layers.Dense(n) for n in layer_sizes[1:]]\n"
                        "    return keras.Sequential(layers).count_params()\n"},
                       ["test_dense_param_count_values"]),
    "no_hidden_activation": ({"build_dense_model":
                              "def build_dense_model(hidden_units, activation):\n"
                              "    layers = [keras.Input((28, 28)), keras.layers.Flatten()]\n"
                              "    layers += [keras.layers.Dense(n) for n in hidden_units]\n"
                              "    layers.append(keras.layers.Dense(10, activation='softmax'))\n"
                              "    return keras.Sequential(layers)\n"},
                             ["test_build_dense_model_values"]),
    "always_relu": ({"build_dense_model":
                     "def build_dense_model(hidden_units, activation):\n"
                     "    layers = [keras.Input((28, 28)), keras.layers.Flatten()]\n"
                     "    layers += [keras.layers.Dense(n, activation='relu') for n in hidden_units]\n"
                     "    layers.append(keras.layers.Dense(10, activation='softmax'))\n"
                     "    return keras.Sequential(layers)\n"},
                    ["test_build_dense_model_values"]),
    "first_size_only": ({"build_dense_model":
                         "def build_dense_model(hidden_units, activation):\n"
                         "    return keras.Sequential([\n"
                         "        keras.Input((28, 28)), keras.layers.Flatten(),\n"
                         "        keras.layers.Dense(hidden_units[0], activation=activation),\n"
                         "        keras.layers.Dense(10, activation='softmax')])\n"},
                        ["test_build_dense_model_values"]),
    "sizes_reversed": ({"build_dense_model":
                        "def build_dense_model(hidden_units, activation):\n"
                        "    layers = [keras.Input((28, 28)), keras.layers.Flatten()]\n"
                        "    for n in reversed(hidden_units):\n"
                        "        layers.append(keras.layers.Dense(n, activation=activation))\n"
                        "    layers.append(keras.layers.Dense(10, activation='softmax'))\n"
                        "    return keras.Sequential(layers)\n"},
                       ["test_build_dense_model_values"]),
    "softmax_everywhere": ({"build_dense_model":
                            "def build_dense_model(hidden_units, activation):\n"
                            "    layers = [keras.Input((28, 28)), keras.layers.Flatten()]\n"
                            "    layers += [keras.layers.Dense(n, activation='softmax')\n"
                            "               for n in hidden_units]\n"
                            "    layers.append(keras.layers.Dense(10, activation='softmax'))\n"
                            "    return keras.Sequential(layers)\n"},
                           ["test_build_dense_model_values"]),
    "trains_on_all_images": ({"train_model":
                              "model = build_dense_model([128], 'relu')\n"
                              "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                              "model.fit(x_train, y_train, epochs=1, batch_size=64, verbose=0)\n"},
                             ["test_train_model"]),
    "trains_on_x_val_too": ({"train_model":
                             "model = build_dense_model([128], 'relu')\n"
                             "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                             "model.fit(np.concatenate([x_small, x_val]),\n"
                             "          np.concatenate([y_small, y_val]), epochs=5, verbose=0)\n"},
                            ["test_train_model"]),
    "trains_on_test_images": ({"train_model":
                               "(_, _), (x_test, y_test) = helpers.load_data()\n"
                               "x_more = np.concatenate([x_small, helpers.scale_images(x_test[:2000])])\n"
                               "y_more = np.concatenate([y_small, y_test[:2000]])\n"
                               "model = build_dense_model([128], 'relu')\n"
                               "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                               "model.fit(x_more, y_more, epochs=5, verbose=0)\n"},
                              ["test_train_model"]),
    "six_epochs": ({"train_model":
                    "model = build_dense_model([128], 'relu')\n"
                    "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                    "model.fit(x_small, y_small, epochs=6, verbose=0)\n"},
                   ["test_train_model"]),
    "two_fits_six_epochs": ({"train_model":
                             "model = build_dense_model([128], 'relu')\n"
                             "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                             "for _round in range(2):\n"
                             "    model.fit(x_small, y_small, epochs=3, verbose=0)\n"},
                            ["test_train_model"]),
    "undertrained": ({"train_model":
                      "model = build_dense_model([128], 'relu')\n"
                      "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')\n"
                      "model.fit(x_small[:500], y_small[:500], epochs=1, verbose=0)\n"},
                     ["test_train_model"]),
    "never_fitted": ({"train_model":  # trained with train_on_batch: no model.fit to check
                      "model = build_dense_model([128], 'relu')\n"
                      "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                      "for start in range(0, 5000, 32):\n"
                      "    model.train_on_batch(x_small[start:start + 32], y_small[start:start + 32])\n"},
                     ["test_train_model"]),
}




def test_ex02_fairness(tmp_path):
    solution = solution_answers(A)
    students = {"solution": submission(A, solution),
                "alternative": submission(A, {**solution, **ALTERNATIVE_EX02}),
                "blank": submission(A),
                "skips_tasks1_2": submission(A, SKIPS_TASKS_1_2)}
    for name, answers in CORRECT.items():
        students[name] = submission(A, {**solution, **answers})
    mistakes = mistake_students(MISTAKES)
    for name, (answers, _) in mistakes.items():
        students[name] = submission(A, {**solution, **answers})

    scores, max_score = grade(tmp_path, A, students)

    assert max_score == sum(CELLS.values()) == 9, f"maximum score {max_score}, expected 9"
    for name in ("solution", "alternative", *CORRECT):
        assert scores[name] == CELLS, f"{name}, a correct answer, scored {scores[name]}"
    assert all(v == 0 for v in scores["blank"].values()), f"blank scored {scores['blank']}"
    want = {cell: points if cell == "test_train_model" else 0 for cell, points in CELLS.items()}
    assert scores["skips_tasks1_2"] == want, f"skips_tasks1_2 scored {scores['skips_tasks1_2']}"
    for name, (_, lost) in mistakes.items():
        want = {cell: 0 if cell in lost else points for cell, points in CELLS.items()}
        assert scores[name] == want, f"{name}: scored {scores[name]}, expected {want}"
