"""Exercise 7 (standardization, a regularized CNN, training it under rules): correct
variants of every task in other styles earn full marks; students who skip tasks still
earn the later tasks' points; the classic mistakes (sample std, epsilon misplaced, uint8
overflow, each set with its own statistics, pooled or global statistics, in-place or
float64 or hard-coded shapes, BatchNormalization once, Dropout misplaced or missing, an
extra Dense, no ReLU, more than 5 epochs, training on other images, untrained models or a
History handed back) lose the value points, keep the format points where the format is
right, and fail with the message of the check that should fire."""

from cases import Student

# An answer cell left unanswered: the handed-out stub without its "# YOUR CODE HERE".
SKIPPED_PIXEL_STATISTICS = "def pixel_statistics(images):\n    raise NotImplementedError()\n"
SKIPPED_PREPARE = "def prepare(train_images, other_images):\n    raise NotImplementedError()\n"
SKIPPED_BUILD = "def build_regularized_cnn():\n    raise NotImplementedError()\n"
SKIPPED_TRAIN = "def train(model, images, labels):\n    raise NotImplementedError()\n"

# Task 1: pixel_statistics ------------------------------------------------------------
PS_FLATTENED = ("def pixel_statistics(images):\n"
                "    x = images.reshape(len(images), -1).astype('float64')\n"
                "    mean = x.sum(axis=0) / len(x)\n"
                "    std = np.sqrt(((x - mean) ** 2).mean(axis=0)) + 1e-7\n"
                "    return mean.reshape(28, 28), std.reshape(28, 28)\n")
PS_FLOAT32 = """def pixel_statistics(images):
    x = np.asarray(images, dtype=np.float32)
    return x.mean(axis=0), x.std(axis=0) + np.float32(1e-7)
"""
PS_LOOPS = """def pixel_statistics(images):
    total = np.zeros((28, 28))
    for image in images:
        total += image
    mean = total / len(images)
    squares = np.zeros((28, 28))
    for image in images:
        squares += (image - mean) ** 2
    return mean, np.sqrt(squares / len(images)) + 1e-7
"""
PS_MOMENTS = """def pixel_statistics(images):
    x = images.astype(np.float64)
    mean = x.mean(axis=0)
    variance = np.maximum((x ** 2).mean(axis=0) - mean ** 2, 0)
    return mean, np.sqrt(variance) + 1e-7
"""
PS_DDOF = """def pixel_statistics(images):
    return images.mean(axis=0), images.std(axis=0, ddof=1) + 1e-7
"""
PS_DDOF_NO_EPSILON = ("def pixel_statistics(images):\n"
                      "    return images.mean(axis=0), images.std(axis=0, ddof=1)\n")
PS_EPS_IN_SQRT = """def pixel_statistics(images):
    return images.mean(axis=0), np.sqrt(images.var(axis=0) + 1e-7)
"""
PS_UINT8_OVERFLOW = """def pixel_statistics(images):
    mean = images.mean(axis=0)
    variance = (images ** 2).mean(axis=0) - mean ** 2
    return mean, np.sqrt(np.maximum(variance, 0)) + 1e-7
"""
PS_GLOBAL = """def pixel_statistics(images):
    return x_small.mean(axis=0), x_small.std(axis=0) + 1e-7
"""
PS_NO_EPSILON = """def pixel_statistics(images):
    return images.mean(axis=0), images.std(axis=0)
"""

# Task 2: prepare -----------------------------------------------------------------------
PREP_RESHAPE = ("def prepare(train_images, other_images):\n"
                "    mean, std = pixel_statistics(train_images)\n"
                "    a = (train_images - mean) / std\n"
                "    b = (other_images - mean) / std\n"
                "    return a.reshape(-1, 28, 28, 1).astype('float32'), "
                "b.reshape(-1, 28, 28, 1).astype('float32')\n")
PREP_FLOAT32 = """def prepare(train_images, other_images):
    mean, std = pixel_statistics(train_images)
    mean, std = mean.astype(np.float32), std.astype(np.float32)
    train_ready = np.expand_dims((train_images - mean) / std, -1)
    other_ready = np.expand_dims((other_images - mean) / std, -1)
    return train_ready.astype(np.float32), other_ready.astype(np.float32)
"""
PREP_LOOPS = """def prepare(train_images, other_images):
    mean, std = pixel_statistics(train_images)
    def standardize(images):
        out = np.empty((len(images), 28, 28, 1), dtype=np.float32)
        for k, image in enumerate(images):
            out[k, :, :, 0] = (image - mean) / std
        return out
    return standardize(train_images), standardize(other_images)
"""
PREP_INLINE = """def prepare(train_images, other_images):
    x = np.array(train_images, dtype=np.float64)
    mean, std = x.mean(axis=0), x.std(axis=0) + 1e-7
    a = ((x - mean) / std).reshape(-1, 28, 28, 1)
    b = ((np.array(other_images, dtype=np.float64) - mean) / std).reshape(-1, 28, 28, 1)
    return a.astype("float32"), b.astype("float32")
"""
PREP_OWN_STATISTICS = """def prepare(train_images, other_images):
    def standardize(images):
        mean, std = pixel_statistics(images)
        return ((images - mean) / std)[..., None].astype(np.float32)
    return standardize(train_images), standardize(other_images)
"""
PREP_OWN_STATISTICS_EPSILON = (  # adds its own 1e-7 to the std
    "def prepare(train_images, other_images):\n"
    "    def own(images):\n"
    "        mean, std = pixel_statistics(images)\n"
    "        return ((images - mean) / (std + 1e-7))[..., None].astype('float32')\n"
    "    return own(train_images), own(other_images)\n")
PREP_BOTH_SETS = """def prepare(train_images, other_images):
    mean, std = pixel_statistics(np.concatenate([train_images, other_images]))
    return (((train_images - mean) / std)[..., None].astype(np.float32),
            ((other_images - mean) / std)[..., None].astype(np.float32))
"""
PREP_IN_PLACE = """def prepare(train_images, other_images):
    mean, std = pixel_statistics(train_images)
    train_images -= mean
    train_images /= std
    other_images -= mean
    other_images /= std
    return train_images[..., None], other_images[..., None]
"""
PREP_GLOBAL = """def prepare(train_images, other_images):
    mean, std = pixel_statistics(x_small)
    return (((train_images - mean) / std)[..., None].astype(np.float32),
            ((other_images - mean) / std)[..., None].astype(np.float32))
"""
PREP_HARD_CODED = """def prepare(train_images, other_images):
    mean = train_images.mean(axis=0)
    std = train_images.std(axis=0) + 1e-7
    train_ready = ((train_images - mean) / std).reshape(3000, 28, 28, 1)
    other_ready = ((other_images - mean) / std).reshape(1000, 28, 28, 1)
    return train_ready.astype(np.float32), other_ready.astype(np.float32)
"""
PREP_FLOAT64 = """def prepare(train_images, other_images):
    mean, std = pixel_statistics(train_images)
    return ((train_images - mean) / std)[..., None], ((other_images - mean) / std)[..., None]
"""

# Task 3: build_regularized_cnn ---------------------------------------------------------
BUILD_FUNCTIONAL = """def build_regularized_cnn():
    L = keras.layers
    inputs = keras.Input((28, 28, 1))
    x = L.Conv2D(32, 3)(inputs)
    x = L.MaxPooling2D(2)(L.ReLU()(L.BatchNormalization()(x)))
    x = L.Conv2D(64, 3)(x)
    x = L.MaxPooling2D(2)(L.ReLU()(L.BatchNormalization()(x)))
    x = L.Dropout(0.4)(L.Flatten()(x))
    return keras.Model(inputs, L.Dense(10, activation='softmax')(x))
"""
BUILD_FROM_BASE = """def build_regularized_cnn():
    layers = []
    for layer in base_cnn().layers:
        if isinstance(layer, keras.layers.Dense):
            layers.append(keras.layers.Dropout(0.25))
        layers.append(layer)
        if isinstance(layer, keras.layers.Conv2D):
            layers.append(keras.layers.BatchNormalization())
    return keras.Sequential([keras.Input((28, 28, 1)), *layers])
"""
BUILD_LAZY = """def build_regularized_cnn():
    return keras.Sequential([  # no Input: built by its first call
        keras.layers.Conv2D(32, (3, 3)),
        keras.layers.Activation("relu"),
        keras.layers.BatchNormalization(),
        keras.layers.MaxPool2D((2, 2)),
        keras.layers.Conv2D(64, (3, 3)),
        keras.layers.Activation("relu"),
        keras.layers.BatchNormalization(),
        keras.layers.MaxPool2D((2, 2)),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.5),
        keras.layers.Dense(10),
        keras.layers.Softmax(),
    ])
"""
BUILD_BASE_BN_ONCE = (  # base_cnn's layers, BatchNormalization after the first conv only
    "def build_regularized_cnn():\n"
    "    model = base_cnn()\n"
    "    return keras.Sequential([keras.Input((28, 28, 1)), *model.layers[:1],\n"
    "        keras.layers.BatchNormalization(), *model.layers[1:-1],\n"
    "        keras.layers.Dropout(0.3), model.layers[-1]])\n")


def _cnn(*body):
    lines = "".join(f"        {line},\n" for line in body)
    return ("def build_regularized_cnn():\n    L = keras.layers\n"
            f"    return keras.Sequential([\n        keras.Input((28, 28, 1)),\n{lines}    ])\n")


CONV1, CONV2 = "L.Conv2D(32, 3, activation='relu')", "L.Conv2D(64, 3, activation='relu')"
POOL, BN, DROP = "L.MaxPooling2D(2)", "L.BatchNormalization()", "L.Dropout(0.3)"
OUT = "L.Dense(10, activation='softmax')"
BUILD_BN_ONCE = _cnn(CONV1, BN, POOL, CONV2, POOL, "L.Flatten()", DROP, OUT)
BUILD_DROPOUT_BEFORE_FLATTEN = _cnn(CONV1, BN, POOL, CONV2, BN, POOL, DROP, "L.Flatten()", OUT)
BUILD_NO_DROPOUT = _cnn(CONV1, BN, POOL, CONV2, BN, POOL, "L.Flatten()", OUT)
BUILD_NO_RELU = _cnn("L.Conv2D(32, 3)", BN, POOL, "L.Conv2D(64, 3)", BN, POOL, "L.Flatten()",
                     DROP, OUT)
BUILD_EXTRA_DENSE = _cnn(CONV1, BN, POOL, CONV2, BN, POOL, "L.Flatten()",
                         "L.Dense(64, activation='relu')", DROP, OUT)

# Task 3: train -------------------------------------------------------------------------
TRAIN_SPLIT = """def train(model, images, labels):
    model.compile("adam", "sparse_categorical_crossentropy")
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    model.fit(x=images, y=labels, batch_size=16, epochs=5, validation_split=0.1,
              callbacks=[stop], verbose=0)
    return model
"""
TRAIN_TWICE = """def train(model, images, labels):
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(images, labels, epochs=3, batch_size=16, verbose=0)
    history = model.fit(images, labels, epochs=2, batch_size=16, verbose=0,
                        validation_data=(x_check_ready, y_check))
    print("validation accuracy:", history.history["val_accuracy"][-1])
    return model
"""
TRAIN_SHUFFLED_HOLDOUT = """def train(model, images, labels):
    order = np.random.permutation(len(images))
    images, labels = images[order], labels[order]
    k = len(images) * 9 // 10
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy())
    model.fit(images[:k], labels[:k], validation_data=(images[k:], labels[k:]),
              epochs=5, batch_size=16, verbose=1)
    return model
"""
TRAIN_GOOD = """def train(model, images, labels):
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=5, batch_size=16, verbose=0)
    return model
"""
TRAIN_GOOD_QUOTED = ("def train(model, images, labels):\n"  # TRAIN_GOOD in single quotes
                     "    model.compile('adam', 'sparse_categorical_crossentropy')\n"
                     "    model.fit(images, labels, epochs=5, batch_size=16, verbose=0)\n"
                     "    return model\n")
TRAIN_COMPILE_ONLY = """def train(model, images, labels):
    model.compile("adam", "sparse_categorical_crossentropy")
    return model
"""
TRAIN_COMPILE_ONLY_QUOTED = ("def train(model, images, labels):\n"
                             "    model.compile('adam', 'sparse_categorical_crossentropy')\n"
                             "    return model\n")
TRAIN_TOO_MANY_EPOCHS = """def train(model, images, labels):
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=6, batch_size=512, verbose=0)
    return model
"""
TRAIN_THREE_PLUS_THREE = """def train(model, images, labels):
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=3, batch_size=512, verbose=0)
    model.fit(images, labels, epochs=3, batch_size=512, verbose=0)  # "3 more"
    return model
"""
TRAIN_ADDS_CHECK = """def train(model, images, labels):
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(np.concatenate([images, x_check_ready]), np.concatenate([labels, y_check]),
              epochs=1, batch_size=256, verbose=0)
    return model
"""
TRAIN_ALL_IMAGES = """def train(model, images, labels):
    (x_all, y_all), _ = helpers.load_data()  # "more data is better"
    x_all_ready, _ = prepare(x_all.astype(np.float32), x_check)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x_all_ready, y_all, epochs=1, batch_size=256, steps_per_epoch=20, verbose=0)
    return model
"""
TRAIN_GLOBALS = """def train(model, images, labels):
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x_small_ready, y_small, epochs=1, batch_size=256, verbose=0)
    return model
"""
TRAIN_RESCALES = """def train(model, images, labels):
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(images / 255, labels, epochs=1, batch_size=256, verbose=0)
    return model
"""
TRAIN_RETURNS_HISTORY = """def train(model, images, labels):
    model.compile("adam", "sparse_categorical_crossentropy")
    return model.fit(images, labels, epochs=1, batch_size=256, verbose=0)
"""
TRAIN_TOO_LITTLE = """def train(model, images, labels):
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(images[:200], labels[:200], epochs=1, batch_size=100, verbose=0)
    return model
"""

MAX_SCORE = 8
CELL_TIMEOUT = 90
MINUTES = 17
FEEDBACK = False

STUDENTS = {
    # correct answers in other styles: full marks
    "alt_flattened": Student(  # sums over flattened pixels, reshape, functional API, BN first
        answers={"pixel_statistics": PS_FLATTENED, "prepare": PREP_RESHAPE,
                 "build_regularized_cnn": BUILD_FUNCTIONAL, "train_model": TRAIN_GOOD_QUOTED}),
    "alt_float32": Student(  # float32 statistics, functional API, early stopping on a split
        answers={"pixel_statistics": PS_FLOAT32, "prepare": PREP_FLOAT32,
                 "build_regularized_cnn": BUILD_FUNCTIONAL, "train_model": TRAIN_SPLIT}),
    "alt_loops": Student(  # loops, base_cnn's layers reused, two fits of 3 + 2 epochs
        answers={"pixel_statistics": PS_LOOPS, "prepare": PREP_LOOPS,
                 "build_regularized_cnn": BUILD_FROM_BASE, "train_model": TRAIN_TWICE}),
    "alt_moments": Student(  # E[x^2] - E[x]^2, inline statistics, no Input layer, own holdout
        answers={"pixel_statistics": PS_MOMENTS, "prepare": PREP_INLINE,
                 "build_regularized_cnn": BUILD_LAZY, "train_model": TRAIN_SHUFFLED_HOLDOUT}),
    # skipped tasks: the other tasks still earn their points
    "skips_stats_and_train": Student(  # its prepare computes the statistics itself
        answers={"pixel_statistics": SKIPPED_PIXEL_STATISTICS, "prepare": PREP_INLINE,
                 "train_model": SKIPPED_TRAIN},
        scores={"test_pixel_statistics_format": 0, "test_pixel_statistics_values": 0,
                "test_trained_model": 0}),
    "skips_all_but_prepare": Student(  # the reference's prepare, graded with a correct
        # pixel_statistics by the hidden test (its format test uses the student's)
        answers={"pixel_statistics": SKIPPED_PIXEL_STATISTICS,
                 "build_regularized_cnn": SKIPPED_BUILD, "train_model": SKIPPED_TRAIN},
        scores={"test_pixel_statistics_format": 0, "test_pixel_statistics_values": 0,
                "test_prepare_format": 0, "test_regularized_layers": 0,
                "test_trained_model": 0}),
    "skips_stats_and_prepare": Student(
        answers={"pixel_statistics": SKIPPED_PIXEL_STATISTICS, "prepare": SKIPPED_PREPARE},
        scores={"test_pixel_statistics_format": 0, "test_pixel_statistics_values": 0,
                "test_prepare_format": 0, "test_prepare_no_leak": 0}),
    # classic mistakes, one per task in each student (the tasks are graded independently)
    "ddof_no_eps_own_stats_base_bn_once_untrained": Student(
        answers={"pixel_statistics": PS_DDOF_NO_EPSILON, "prepare": PREP_OWN_STATISTICS_EPSILON,
                 "build_regularized_cnn": BUILD_BASE_BN_ONCE,
                 "train_model": TRAIN_COMPILE_ONLY_QUOTED},
        # the training images do come out centred (format passes), but the others used
        # their own statistics
        scores={"test_pixel_statistics_format": 0, "test_pixel_statistics_values": 0,
                "test_prepare_no_leak": 0, "test_regularized_layers": 0,
                "test_trained_model": 0}),
    "ddof_own_stats_bn_once_untrained": Student(
        answers={"pixel_statistics": PS_DDOF, "prepare": PREP_OWN_STATISTICS,
                 "build_regularized_cnn": BUILD_BN_ONCE, "train_model": TRAIN_COMPILE_ONLY},
        scores={"test_pixel_statistics_values": 0, "test_prepare_no_leak": 0,
                "test_regularized_layers": 0, "test_trained_model": 0},
        messages={"test_pixel_statistics_values": "standard deviations are wrong",
                  "test_prepare_no_leak": "statistics of the training images",
                  "test_regularized_layers": "no BatchNormalization between Conv2D layer 2",
                  "test_trained_model": "with model.fit"}),
    "eps_in_sqrt_pooled_stats_early_dropout_6_epochs": Student(
        answers={"pixel_statistics": PS_EPS_IN_SQRT, "prepare": PREP_BOTH_SETS,
                 "build_regularized_cnn": BUILD_DROPOUT_BEFORE_FLATTEN,
                 "train_model": TRAIN_TOO_MANY_EPOCHS},
        scores={"test_pixel_statistics_values": 0, "test_prepare_format": 0,
                "test_prepare_no_leak": 0, "test_regularized_layers": 0,
                "test_trained_model": 0},
        messages={"test_pixel_statistics_values": "never changes",
                  "test_prepare_no_leak": "not standardized with their own",
                  "test_regularized_layers": "right before the output",
                  "test_trained_model": "6 epochs, more than 5"}),
    "uint8_overflow_in_place_no_dropout_3_plus_3_epochs": Student(
        answers={"pixel_statistics": PS_UINT8_OVERFLOW, "prepare": PREP_IN_PLACE,
                 "build_regularized_cnn": BUILD_NO_DROPOUT, "train_model": TRAIN_THREE_PLUS_THREE},
        scores={"test_pixel_statistics_values": 0, "test_prepare_no_leak": 0,
                "test_regularized_layers": 0, "test_trained_model": 0},
        messages={"test_pixel_statistics_values": "200 uint8 images: the standard deviations",
                  "test_prepare_no_leak": "changed its input",
                  "test_regularized_layers": "right before the output",
                  "test_trained_model": "6 epochs, more than 5"}),
    # prepare's format test runs on the grader's images, not on x_small itself, so a
    # prepare standardizing with x_small's statistics does not pass it by chance
    "globals_no_relu_adds_check_images": Student(
        answers={"pixel_statistics": PS_GLOBAL, "prepare": PREP_GLOBAL,
                 "build_regularized_cnn": BUILD_NO_RELU, "train_model": TRAIN_ADDS_CHECK},
        scores={"test_pixel_statistics_values": 0, "test_prepare_format": 0,
                "test_prepare_no_leak": 0, "test_regularized_layers": 0,
                "test_trained_model": 0},
        messages={"test_pixel_statistics_values": "mean image is wrong",
                  "test_prepare_format": "training images: mean 0 per pixel",
                  "test_prepare_no_leak": "not standardized with their own",
                  "test_regularized_layers": "keep its ReLU",
                  "test_trained_model": "only on them"}),
    "no_eps_hard_coded_extra_dense": Student(  # its train is fine: keeps the training points
        answers={"pixel_statistics": PS_NO_EPSILON, "prepare": PREP_HARD_CODED,
                 "build_regularized_cnn": BUILD_EXTRA_DENSE, "train_model": TRAIN_GOOD},
        scores={"test_pixel_statistics_format": 0, "test_pixel_statistics_values": 0,
                "test_prepare_no_leak": 0, "test_regularized_layers": 0},
        messages={"test_pixel_statistics_values": "never changes",
                  "test_prepare_no_leak": "prepare failed on 500 training and 300 other",
                  "test_regularized_layers": "keep base_cnn's layers"}),
    "float64_trains_on_all_60000": Student(
        answers={"prepare": PREP_FLOAT64, "train_model": TRAIN_ALL_IMAGES},
        scores={"test_prepare_format": 0, "test_trained_model": 0},
        messages={"test_prepare_format": "expected float32",
                  "test_trained_model": "only on them"}),
    "trains_on_globals": Student(
        answers={"train_model": TRAIN_GLOBALS},
        scores={"test_trained_model": 0},
        messages={"test_trained_model": "only on them"}),
    "rescales_inside_train": Student(
        answers={"train_model": TRAIN_RESCALES},
        scores={"test_trained_model": 0},
        messages={"test_trained_model": "only on them"}),
    "returns_history": Student(
        answers={"train_model": TRAIN_RETURNS_HISTORY},
        scores={"test_trained_model": 0},
        messages={"test_trained_model": "return the model it was given"}),
    "too_little_training": Student(  # SGD, 200 images, one epoch
        answers={"train_model": TRAIN_TOO_LITTLE},
        scores={"test_trained_model": 0},
        messages={"test_trained_model": "below 75%"}),
}
