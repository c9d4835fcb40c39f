"""ex02_dense's students: correct answers in other styles than the reference (a loop, NumPy,
the functional API, a lazily built Sequential, tf.data, float64 copies, several fit calls,
early stopping, globals overwritten afterwards) earn full marks; a student who solves only
Task 3 earns its points alone; every classic mistake listed at the top of a task's hidden
tests (three mistakes packed per student, one per task, so that grading trains less) loses
the value points, and the format point too where its format is wrong."""

from cases import Student

# Task 1: dense_param_count ------------------------------------------------------------

LOOP_COUNT = ("def dense_param_count(layer_sizes):\n"
              "    total = 0\n"
              "    for i in range(1, len(layer_sizes)):\n"
              "        total += (layer_sizes[i - 1] + 1) * layer_sizes[i]\n"
              "    return total\n")
NUMPY_COUNT = ("def dense_param_count(layer_sizes):\n"  # a NumPy integer
               "    s = np.array(layer_sizes, dtype=np.int64)\n"
               "    return np.int64(np.sum(s[:-1] * s[1:]) + np.sum(s[1:]))\n")
PRINTING_COUNT = ("def dense_param_count(layer_sizes):\n"  # and prints it
                  "    total = 0\n"
                  "    for i in range(len(layer_sizes) - 1):\n"
                  "        weights = layer_sizes[i] * layer_sizes[i + 1]\n"
                  "        total = total + weights + layer_sizes[i + 1]\n"
                  "    print('total', total)\n"
                  "    return total\n")
THREE_SIZES_ONLY = ("def dense_param_count(layer_sizes):\n"
                    "    a, b, c = layer_sizes[0], layer_sizes[1], layer_sizes[2]\n"
                    "    return (a + 1) * b + (b + 1) * c\n")
TEN_BIASES_HARDCODED = ("def dense_param_count(layer_sizes):\n"
                        "    pairs = zip(layer_sizes, layer_sizes[1:])\n"
                        "    return sum(a * b for a, b in pairs) + sum(layer_sizes[1:-1]) + 10\n")
RETURNS_BASELINE = ("def dense_param_count(layer_sizes):\n"
                    "    return 101_770\n")
NO_BIASES = ("def dense_param_count(layer_sizes):\n"  # the baseline's count is wrong too
             "    return sum(a * b for a, b in zip(layer_sizes, layer_sizes[1:]))\n")
BUILDS_A_MODEL = ("def dense_param_count(layer_sizes):\n"  # right, but not "without a model"
                  "    layers = [keras.Input((layer_sizes[0],))]\n"
                  "    layers += [keras.layers.Dense(n) for n in layer_sizes[1:]]\n"
                  "    return keras.Sequential(layers).count_params()\n")

# Task 2: build_dense_model ------------------------------------------------------------

FUNCTIONAL_MODEL = ("def build_dense_model(hidden_units, activation):\n"
                    "    inputs = keras.Input((28, 28))\n"
                    "    x = keras.layers.Reshape((784,))(inputs)\n"
                    "    for units in hidden_units:\n"
                    "        x = keras.layers.Dense(units, activation=activation)(x)\n"
                    "    outputs = keras.layers.Dense(10, activation='softmax')(x)\n"
                    "    return keras.Model(inputs, outputs)\n")
ACTIVATION_LAYERS_MODEL = ("def build_dense_model(hidden_units, activation):\n"
                           "    inputs = keras.Input(shape=(28, 28))\n"
                           "    x = keras.layers.Reshape((28 * 28,))(inputs)\n"
                           "    for n in hidden_units:\n"
                           "        x = keras.layers.Dense(n)(x)\n"
                           "        x = keras.layers.Activation(activation)(x)\n"
                           "    x = keras.layers.Dense(10)(x)\n"
                           "    return keras.Model(inputs, keras.layers.Softmax()(x))\n")
LAZY_MODEL = ("def build_dense_model(hidden_units, activation):\n"  # no keras.Input
              "    model = keras.Sequential()\n"
              "    model.add(keras.layers.Flatten())\n"
              "    for units in hidden_units:\n"
              "        model.add(keras.layers.Dense(units, activation=activation))\n"
              "    model.add(keras.layers.Dense(10, activation=keras.activations.softmax))\n"
              "    return model\n")
HELPERS_MODEL_OVERWRITES_X_TRAIN = ("from helpers.models import dense_network\n\n"
                                    "def build_dense_model(hidden_units, activation):\n"
                                    "    return dense_network(hidden_units, activation)\n"
                                    "\nx_train, y_train = None, None\n")
NO_HIDDEN_ACTIVATION = ("def build_dense_model(hidden_units, activation):\n"
                        "    layers = [keras.Input((28, 28)), keras.layers.Flatten()]\n"
                        "    layers += [keras.layers.Dense(n) for n in hidden_units]\n"
                        "    layers.append(keras.layers.Dense(10, activation='softmax'))\n"
                        "    return keras.Sequential(layers)\n")
ALWAYS_RELU = ("def build_dense_model(hidden_units, activation):\n"
               "    layers = [keras.Input((28, 28)), keras.layers.Flatten()]\n"
               "    layers += [keras.layers.Dense(n, activation='relu') for n in hidden_units]\n"
               "    layers.append(keras.layers.Dense(10, activation='softmax'))\n"
               "    return keras.Sequential(layers)\n")
FIRST_SIZE_ONLY = ("def build_dense_model(hidden_units, activation):\n"
                   "    return keras.Sequential([\n"
                   "        keras.Input((28, 28)), keras.layers.Flatten(),\n"
                   "        keras.layers.Dense(hidden_units[0], activation=activation),\n"
                   "        keras.layers.Dense(10, activation='softmax')])\n")
SIZES_REVERSED = ("def build_dense_model(hidden_units, activation):\n"
                  "    layers = [keras.Input((28, 28)), keras.layers.Flatten()]\n"
                  "    for n in reversed(hidden_units):\n"
                  "        layers.append(keras.layers.Dense(n, activation=activation))\n"
                  "    layers.append(keras.layers.Dense(10, activation='softmax'))\n"
                  "    return keras.Sequential(layers)\n")
SOFTMAX_EVERYWHERE = ("def build_dense_model(hidden_units, activation):\n"
                      "    layers = [keras.Input((28, 28)), keras.layers.Flatten()]\n"
                      "    layers += [keras.layers.Dense(n, activation='softmax')\n"
                      "               for n in hidden_units]\n"
                      "    layers.append(keras.layers.Dense(10, activation='softmax'))\n"
                      "    return keras.Sequential(layers)\n")

# Task 3: train_model ------------------------------------------------------------------

FOUR_EPOCHS_NO_CHECK = ("model = build_dense_model([256], 'relu')\n"
                        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
                        "model.fit(x_small, y_small, epochs=4, batch_size=64, verbose=0)\n"
                        "check_accuracy = 0.0\n")
DATASET_TRAINING = ("import tensorflow as tf\n"
                    "data = tf.data.Dataset.from_tensor_slices((x_small, y_small))\n"
                    "data = data.shuffle(5000, seed=1).batch(64)\n"
                    "model = build_dense_model([256], 'relu')\n"
                    "model.compile('adam', 'sparse_categorical_crossentropy',\n"
                    "              metrics=['accuracy'])\n"
                    "model.fit(data, epochs=5, verbose=0)\n"
                    "print('val accuracy', model.evaluate(x_val, y_val, verbose=0)[1])\n")
TWO_FITS_FIVE_EPOCHS = ("model = build_dense_model([128], 'relu')\n"  # 2 + 3 epochs
                        "model.compile(optimizer=keras.optimizers.Adam(1e-3),\n"
                        "              loss='sparse_categorical_crossentropy')\n"
                        "model.fit(x_small, y_small, epochs=2, verbose=0)\n"
                        "model.fit(x_small, y_small, epochs=5, initial_epoch=2, verbose=0)\n")
FLOAT64_SUBSET_SPLIT = ("order = np.random.default_rng(0).permutation(5000)\n"
                        "x64, y64 = x_small[order].astype('float64'), y_small[order]\n"
                        "model = build_dense_model([200], 'relu')\n"
                        "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                        "stop = keras.callbacks.EarlyStopping(patience=1,\n"
                        "                                     restore_best_weights=True)\n"
                        "model.fit(x64, y64, epochs=5, validation_split=0.1, callbacks=[stop],\n"
                        "          verbose=2)\n")
OVERWRITES_X_VAL_X_SMALL = ("model = build_dense_model([128], 'relu')\n"
                            "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                            "model.fit(x_small, y_small, epochs=5, verbose=0)\n"
                            "x_val, y_val = x_small[:2000], y_small[:2000]  # looks better\n"
                            "x_small = None\n")
OWN_SEQUENTIAL = ("model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),\n"
                  "                          keras.layers.Dense(256, activation='relu'),\n"
                  "                          keras.layers.Dense(10, activation='softmax')])\n"
                  "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                  "model.fit(x_small, y_small, batch_size=32, epochs=5, verbose=0)\n")
TRAINS_ON_ALL_IMAGES = ("model = build_dense_model([128], 'relu')\n"
                        "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                        "model.fit(x_train, y_train, epochs=1, batch_size=64, verbose=0)\n")
TRAINS_ON_X_VAL_TOO = ("model = build_dense_model([128], 'relu')\n"
                       "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                       "model.fit(np.concatenate([x_small, x_val]),\n"
                       "          np.concatenate([y_small, y_val]), epochs=5, verbose=0)\n")
TRAINS_ON_TEST_IMAGES = ("(_, _), (x_test, y_test) = helpers.load_data()\n"
                         "x_more = np.concatenate([x_small, helpers.scale_images(x_test[:2000])])\n"
                         "y_more = np.concatenate([y_small, y_test[:2000]])\n"
                         "model = build_dense_model([128], 'relu')\n"
                         "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                         "model.fit(x_more, y_more, epochs=5, verbose=0)\n")
SIX_EPOCHS = ("model = build_dense_model([128], 'relu')\n"
              "model.compile('adam', 'sparse_categorical_crossentropy')\n"
              "model.fit(x_small, y_small, epochs=6, verbose=0)\n")
TWO_FITS_SIX_EPOCHS = ("model = build_dense_model([128], 'relu')\n"
                       "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                       "for _round in range(2):\n"
                       "    model.fit(x_small, y_small, epochs=3, verbose=0)\n")
UNDERTRAINED = ("model = build_dense_model([128], 'relu')\n"  # below the accuracy target
                "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')\n"
                "model.fit(x_small[:500], y_small[:500], epochs=1, verbose=0)\n")
NEVER_FITTED = ("model = build_dense_model([128], 'relu')\n"  # no model.fit to check
                "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                "for start in range(0, 5000, 32):\n"
                "    model.train_on_batch(x_small[start:start + 32], y_small[start:start + 32])\n")

MAX_SCORE = 9
CELL_TIMEOUT = 60
MINUTES = 13
FEEDBACK = False

STUDENTS = {
    # Correct answers in other styles than the reference: full marks.
    "alternative": Student(  # a loop, the functional API, 4 epochs, a global of its own
        answers={"dense_param_count": LOOP_COUNT, "build_dense_model": FUNCTIONAL_MODEL,
                 "train_model": FOUR_EPOCHS_NO_CHECK}),
    "numpy_functional_dataset": Student(
        answers={"dense_param_count": NUMPY_COUNT, "build_dense_model": ACTIVATION_LAYERS_MODEL,
                 "train_model": DATASET_TRAINING}),
    "loop_lazy_two_fits": Student(
        answers={"dense_param_count": PRINTING_COUNT, "build_dense_model": LAZY_MODEL,
                 "train_model": TWO_FITS_FIVE_EPOCHS}),
    "float64_subset_split": Student(  # float64 copies, shuffled, early stopping
        answers={"train_model": FLOAT64_SUBSET_SPLIT}),
    "overwrites_globals": Student(  # right answers, then reassigns the set-up's data
        answers={"build_dense_model": HELPERS_MODEL_OVERWRITES_X_TRAIN,
                 "train_model": OVERWRITES_X_VAL_X_SMALL}),

    # Tasks 1 and 2 left as handed out: each task's tests stand alone.
    "skips_tasks_1_2": Student(
        answers={"train_model": OWN_SEQUENTIAL}, over="handout",
        scores={"test_dense_param_count_format": 0, "test_dense_param_count_values": 0,
                "test_build_dense_model_format": 0, "test_build_dense_model_values": 0}),

    # Classic mistakes, one per task in each student: the value points lost, the format
    # point too where the format is wrong.
    "no_biases_undertrained": Student(
        answers={"dense_param_count": NO_BIASES, "train_model": UNDERTRAINED},
        scores={"test_dense_param_count_format": 0, "test_dense_param_count_values": 0,
                "test_train_model": 0}),
    "three_sizes_no_activation_all_images": Student(
        answers={"dense_param_count": THREE_SIZES_ONLY,
                 "build_dense_model": NO_HIDDEN_ACTIVATION,
                 "train_model": TRAINS_ON_ALL_IMAGES},
        scores={"test_dense_param_count_values": 0, "test_build_dense_model_values": 0,
                "test_train_model": 0}),
    "ten_biases_always_relu_x_val_too": Student(
        answers={"dense_param_count": TEN_BIASES_HARDCODED, "build_dense_model": ALWAYS_RELU,
                 "train_model": TRAINS_ON_X_VAL_TOO},
        scores={"test_dense_param_count_values": 0, "test_build_dense_model_values": 0,
                "test_train_model": 0}),
    "baseline_first_size_test_images": Student(  # returns 101,770 whatever the sizes
        answers={"dense_param_count": RETURNS_BASELINE, "build_dense_model": FIRST_SIZE_ONLY,
                 "train_model": TRAINS_ON_TEST_IMAGES},
        scores={"test_dense_param_count_values": 0, "test_build_dense_model_values": 0,
                "test_train_model": 0}),
    "no_biases_reversed_six_epochs": Student(
        answers={"dense_param_count": NO_BIASES, "build_dense_model": SIZES_REVERSED,
                 "train_model": SIX_EPOCHS},
        scores={"test_dense_param_count_format": 0, "test_dense_param_count_values": 0,
                "test_build_dense_model_values": 0, "test_train_model": 0}),
    "keras_count_softmax_two_fits": Student(  # counts with a Keras model; 2 x 3 epochs
        answers={"dense_param_count": BUILDS_A_MODEL, "build_dense_model": SOFTMAX_EVERYWHERE,
                 "train_model": TWO_FITS_SIX_EPOCHS},
        scores={"test_dense_param_count_values": 0, "test_build_dense_model_values": 0,
                "test_train_model": 0}),
    "undertrained": Student(  # plain SGD, one epoch on 500 images
        answers={"train_model": UNDERTRAINED},
        scores={"test_train_model": 0}),
    "never_fitted": Student(  # trained with train_on_batch
        answers={"train_model": NEVER_FITTED},
        scores={"test_train_model": 0}),
}
