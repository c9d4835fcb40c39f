"""Students' answers written from the exercises' statements, shared by the grading tests:
alternative correct answers (full marks) and classic mistakes, by assignment, and how to
grade a class of them."""

from exercise_tools import grade_class

WRONG_SCALE = "def to_model_input(images):\n    return (images[..., None] / 256).astype(np.float32)\n"
WRONG_DTYPE = "def to_model_input(images):\n    return images[..., None]\n"
ALTERNATIVE_EX01 = {  # different code, same behaviour: must earn full marks
    "to_model_input": "def to_model_input(images):\n"
                      "    out = images.reshape(len(images), 28, 28, 1).astype('float32')\n"
                      "    return out / 255\n",
    "one_hot": "def one_hot(labels, num_classes=10):\n"
               "    return np.eye(num_classes, dtype=np.float32)[np.array(labels)]\n",
    "class_means": "def class_means(images, labels):\n"
                   "    sums = np.zeros((10, 28, 28))\n"
                   "    counts = np.zeros(10)\n"
                   "    for image, label in zip(images, labels):\n"
                   "        sums[label] += image\n"
                   "        counts[label] += 1\n"
                   "    return sums / counts[:, None, None]\n",
}
ALTERNATIVE_EX02 = {
    "dense_param_count": "def dense_param_count(layer_sizes):\n"
                         "    total = 0\n"
                         "    for i in range(1, len(layer_sizes)):\n"
                         "        total += (layer_sizes[i - 1] + 1) * layer_sizes[i]\n"
                         "    return total\n",
    "build_dense_model": "def build_dense_model(hidden_units, activation):\n"
                         "    inputs = keras.Input((28, 28))\n"
                         "    x = keras.layers.Reshape((784,))(inputs)\n"
                         "    for units in hidden_units:\n"
                         "        x = keras.layers.Dense(units, activation=activation)(x)\n"
                         "    outputs = keras.layers.Dense(10, activation='softmax')(x)\n"
                         "    return keras.Model(inputs, outputs)\n",
    "train_model": "model = build_dense_model([256], 'relu')\n"
                   "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
                   "model.fit(x_small, y_small, epochs=4, batch_size=64, verbose=0)\n"
                   "check_accuracy = 0.0\n",
}
MISTAKES_EX02 = {  # forgets the biases; trains too little
    "dense_param_count": "def dense_param_count(layer_sizes):\n"
                         "    return sum(a * b for a, b in zip(layer_sizes, layer_sizes[1:]))\n",
    "train_model": "model = build_dense_model([128], 'relu')\n"
                   "model.compile(optimizer='sgd', loss='sparse_categorical_crossentropy')\n"
                   "model.fit(x_small[:500], y_small[:500], epochs=1, verbose=0)\n",
}


ALTERNATIVE_EX03 = {  # vectorized where the reference loops and back, functional API
    "conv2d": "def conv2d(image, kernels):\n"
              "    from numpy.lib.stride_tricks import sliding_window_view\n"
              "    kh, kw = kernels.shape[:2]\n"
              "    windows = sliding_window_view(image, (kh, kw), axis=(0, 1))\n"
              "    return np.einsum('ijcab,abcf->ijf', windows, kernels)\n",
    "max_pool2x2": "def max_pool2x2(feature_maps):\n"
                   "    h, w, c = feature_maps.shape\n"
                   "    out = np.empty((h // 2, w // 2, c))\n"
                   "    for i in range(h // 2):\n"
                   "        for j in range(w // 2):\n"
                   "            out[i, j] = feature_maps[2*i:2*i+2, 2*j:2*j+2].max(axis=(0, 1))\n"
                   "    return out\n",
    "describe_stack": "import math\n"
                      "def describe_stack(input_shape, stack):\n"
                      "    out, shape = [], list(input_shape)\n"
                      "    for kind, *args in stack:\n"
                      "        params = 0\n"
                      "        if kind == 'conv':\n"
                      "            f, k, pad = args\n"
                      "            params = f * (k * k * shape[-1] + 1)\n"
                      "            trim = 0 if pad == 'same' else k - 1\n"
                      "            shape = [shape[0] - trim, shape[1] - trim, f]\n"
                      "        elif kind == 'pool':\n"
                      "            shape = [math.floor(shape[0] / 2), math.floor(shape[1] / 2), shape[2]]\n"
                      "        elif kind == 'flatten':\n"
                      "            shape = [math.prod(shape)]\n"
                      "        else:\n"
                      "            params = args[0] * (shape[0] + 1)\n"
                      "            shape = [args[0]]\n"
                      "        out.append((tuple(shape), params))\n"
                      "    return out\n",
    "build_cnn": "def build_cnn():\n"
                 "    inputs = keras.Input((28, 28, 1))\n"
                 "    x = keras.layers.Conv2D(32, 3)(inputs)\n"
                 "    x = keras.layers.ReLU()(x)\n"
                 "    x = keras.layers.MaxPool2D()(x)\n"
                 "    x = keras.layers.Conv2D(64, 3, activation='relu')(x)\n"
                 "    x = keras.layers.MaxPool2D()(x)\n"
                 "    x = keras.layers.Flatten()(x)\n"
                 "    x = keras.layers.Dense(64, activation='relu')(x)\n"
                 "    return keras.Model(inputs, keras.layers.Dense(10, activation='softmax')(x))\n",
}
MISTAKES_EX03 = {  # each right on the visible example, wrong in general
    "conv2d": "def conv2d(image, kernels):\n"  # flips the kernel (a true convolution)
              "    kernels = kernels[::-1, ::-1]\n"
              "    kh, kw, _, f = kernels.shape\n"
              "    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1\n"
              "    out = np.zeros((h, w, f))\n"
              "    for i in range(h):\n"
              "        for j in range(w):\n"
              "            out[i, j] = np.tensordot(image[i:i+kh, j:j+kw], kernels, axes=3)\n"
              "    return out\n",
    "max_pool2x2": "def max_pool2x2(feature_maps):\n"  # pads odd sizes with zeros
                   "    h, w, c = feature_maps.shape\n"
                   "    padded = np.zeros((h + h % 2, w + w % 2, c))\n"
                   "    padded[:h, :w] = feature_maps\n"
                   "    return padded.reshape(len(padded) // 2, 2, -1, 2, c).max(axis=(1, 3))\n",
    "describe_stack": "def describe_stack(input_shape, stack):\n"  # ignores padding='same'
                      "    out, (h, w, c) = [], input_shape\n"
                      "    for kind, *args in stack:\n"
                      "        if kind == 'conv':\n"
                      "            f, k, _ = args\n"
                      "            out.append(((h - k + 1, w - k + 1, f), (k * k * c + 1) * f))\n"
                      "            h, w, c = h - k + 1, w - k + 1, f\n"
                      "        elif kind == 'pool':\n"
                      "            h, w = h // 2, w // 2\n"
                      "            out.append(((h, w, c), 0))\n"
                      "        elif kind == 'flatten':\n"
                      "            c = h * w * c\n"
                      "            out.append(((c,), 0))\n"
                      "        else:\n"
                      "            out.append(((args[0],), (c + 1) * args[0]))\n"
                      "            c = args[0]\n"
                      "    return out\n",
    "build_cnn": "def build_cnn():\n"  # tanh instead of relu
                 "    return keras.Sequential([keras.Input((28, 28, 1)),\n"
                 "        keras.layers.Conv2D(32, 3, activation='tanh'), keras.layers.MaxPooling2D(),\n"
                 "        keras.layers.Conv2D(64, 3, activation='tanh'), keras.layers.MaxPooling2D(),\n"
                 "        keras.layers.Flatten(), keras.layers.Dense(64, activation='tanh'),\n"
                 "        keras.layers.Dense(10, activation='softmax')])\n",
}
OFF_BY_ONE_CONV = ("def conv2d(image, kernels):\n"  # one output row and column short
                   "    kh, kw, _, f = kernels.shape\n"
                   "    h, w = image.shape[0] - kh, image.shape[1] - kw\n"
                   "    out = np.zeros((h, w, f))\n"
                   "    for i in range(h):\n"
                   "        for j in range(w):\n"
                   "            out[i, j] = np.tensordot(image[i:i+kh, j:j+kw], kernels, axes=3)\n"
                   "    return out\n")


ALTERNATIVE_EX04 = {  # re-applies the trained layers to a new input; other formulas; and a
    # warning on stderr, which must cost no points (nbgrader scores stderr output as failed)
    "zero_fractions": "import warnings\n"
                      "def zero_fractions(feature_maps):\n"
                      "    warnings.warn('np.mean on a list is slow', UserWarning)\n"
                      "    return [1 - np.count_nonzero(m) / np.size(m) for m in feature_maps]\n",
    "build_activation_model": "def build_activation_model(model):\n"
                              "    inputs = keras.Input((28, 28, 1))\n"
                              "    x, outputs = inputs, []\n"
                              "    for layer in model.layers:\n"
                              "        x = layer(x)\n"
                              "        if 'conv' in layer.name or 'pool' in layer.name:\n"
                              "            outputs.append(x)\n"
                              "    return keras.Model(inputs, outputs)\n",
    "strongest_filter": "def strongest_filter(model, image):\n"
                        "    response = model.layers[0](image[None])\n"
                        "    return int(np.argmax(np.mean(response, axis=(0, 1, 2))))\n",
}
MISTAKES_EX04 = {  # only the conv layers; fraction of non-zeros; max instead of mean
    "build_activation_model": "def build_activation_model(model):\n"
                              "    convs = [l.output for l in model.layers\n"
                              "             if isinstance(l, keras.layers.Conv2D)]\n"
                              "    return keras.Model(model.inputs, convs)\n",
    "zero_fractions": "def zero_fractions(feature_maps):\n"
                      "    return [float(np.mean(m != 0)) for m in feature_maps]\n",
    "strongest_filter": "def strongest_filter(model, image):\n"
                        "    response = np.asarray(model.layers[0](image[None]))[0]\n"
                        "    return int(response.max(axis=(0, 1)).argmax())\n",
}


ALTERNATIVE_EX05 = {
    "StopAtAccuracy": "class StopAtAccuracy(keras.callbacks.Callback):\n"
                      "    def __init__(self, threshold):\n"
                      "        super().__init__()\n"
                      "        self.target = float(threshold)\n"
                      "\n"
                      "    def on_epoch_end(self, epoch, logs=None):\n"
                      "        if logs and 'accuracy' in logs and logs['accuracy'] >= self.target:\n"
                      "            print(f'stopping after epoch {epoch + 1}')\n"
                      "            self.model.stop_training = True\n",
    "choose_config": "table = run_sweep(CONFIGS, x_small, y_small, x_check, y_check)\n"
                     "choice, best_time = None, float('inf')\n"
                     "for _, run in table.iterrows():\n"
                     "    if run['test accuracy'] >= TARGET and run['training seconds'] < best_time:\n"
                     "        choice, best_time = run['label'], run['training seconds']\n",
}
MISTAKES_EX05 = {  # strictly above the threshold, crashes without logs; the target's test
    # reversed. (Not "the slowest run": with 1-epoch runs of 2-3 s, which run is slower is
    # timing noise, and once the slowest was also the right answer.)
    "StopAtAccuracy": "class StopAtAccuracy(keras.callbacks.Callback):\n"
                      "    def __init__(self, threshold):\n"
                      "        super().__init__()\n"
                      "        self.threshold = threshold\n"
                      "\n"
                      "    def on_epoch_end(self, epoch, logs=None):\n"
                      "        if logs['accuracy'] > self.threshold:\n"
                      "            self.model.stop_training = True\n",
    "choose_config": "table = run_sweep(CONFIGS, x_small, y_small, x_check, y_check)\n"
                     "misses = table[table['test accuracy'] < TARGET]\n"
                     "choice = misses.sort_values('training seconds')['label'].iloc[0]\n",
}


ALTERNATIVE_EX06 = {  # loops and bincount where the reference vectorizes
    "confusion_counts": "def confusion_counts(y_true, y_pred, num_classes=10):\n"
                        "    flat = np.bincount(np.asarray(y_true) * num_classes + np.asarray(y_pred),\n"
                        "                       minlength=num_classes ** 2)\n"
                        "    return flat.reshape(num_classes, num_classes)\n",
    "most_confused_pair": "def most_confused_pair(counts):\n"
                          "    best, pair = -1.0, None\n"
                          "    for t, row in enumerate(counts):\n"
                          "        for p, n in enumerate(row):\n"
                          "            if t != p and n / sum(row) > best:\n"
                          "                best, pair = n / sum(row), (t, p)\n"
                          "    return pair\n",
    "least_confident": "def least_confident(probabilities, k):\n"
                       "    conf = [max(row) for row in probabilities]\n"
                       "    return np.array(sorted(range(len(conf)), key=conf.__getitem__)[:k])\n",
    "confident_accuracy": "def confident_accuracy(probabilities, labels, threshold):\n"
                          "    picked = [i for i, row in enumerate(probabilities) if row.max() >= threshold]\n"
                          "    if not picked:\n"
                          "        return 0.0, float('nan')\n"
                          "    right = sum(probabilities[i].argmax() == labels[i] for i in picked)\n"
                          "    return len(picked) / len(probabilities), float(right / len(picked))\n",
}
MISTAKES_EX06 = {  # transposed matrix, raw counts, most confident first, ">" not ">="
    "confusion_counts": "def confusion_counts(y_true, y_pred, num_classes=10):\n"
                        "    counts = np.zeros((num_classes, num_classes), dtype=int)\n"
                        "    np.add.at(counts, (np.asarray(y_pred), np.asarray(y_true)), 1)\n"
                        "    return counts\n",
    "most_confused_pair": "def most_confused_pair(counts):\n"
                          "    off = np.array(counts) * (1 - np.eye(len(counts), dtype=int))\n"
                          "    t, p = np.unravel_index(off.argmax(), off.shape)\n"
                          "    return int(t), int(p)\n",
    "least_confident": "def least_confident(probabilities, k):\n"
                       "    return np.argsort(probabilities.max(axis=1))[::-1][:k]\n",
    "confident_accuracy": "def confident_accuracy(probabilities, labels, threshold):\n"
                          "    sure = probabilities.max(axis=1) > threshold\n"
                          "    right = probabilities.argmax(axis=1) == labels\n"
                          "    return float(sure.mean()), float(right[sure].mean())\n",
}


ALTERNATIVE_EX07 = {  # other formulas, functional API, BN before the activation
    "pixel_statistics": "def pixel_statistics(images):\n"
                        "    x = images.reshape(len(images), -1).astype('float64')\n"
                        "    mean = x.sum(axis=0) / len(x)\n"
                        "    std = np.sqrt(((x - mean) ** 2).mean(axis=0)) + 1e-7\n"
                        "    return mean.reshape(28, 28), std.reshape(28, 28)\n",
    "prepare": "def prepare(train_images, other_images):\n"
               "    mean, std = pixel_statistics(train_images)\n"
               "    a = (train_images - mean) / std\n"
               "    b = (other_images - mean) / std\n"
               "    return a.reshape(-1, 28, 28, 1).astype('float32'), "
               "b.reshape(-1, 28, 28, 1).astype('float32')\n",
    "build_regularized_cnn": "def build_regularized_cnn():\n"
                             "    L = keras.layers\n"
                             "    inputs = keras.Input((28, 28, 1))\n"
                             "    x = L.Conv2D(32, 3)(inputs)\n"
                             "    x = L.MaxPooling2D(2)(L.ReLU()(L.BatchNormalization()(x)))\n"
                             "    x = L.Conv2D(64, 3)(x)\n"
                             "    x = L.MaxPooling2D(2)(L.ReLU()(L.BatchNormalization()(x)))\n"
                             "    x = L.Dropout(0.4)(L.Flatten()(x))\n"
                             "    return keras.Model(inputs, L.Dense(10, activation='softmax')(x))\n",
    "train_model": "model = build_regularized_cnn()\n"
                   "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                   "model.fit(x_small_ready, y_small, epochs=4, batch_size=16, verbose=0)\n"
                   "check_accuracy = 0.0\n",
}
MISTAKES_EX07 = {  # sample std without 1e-7; each set with its own statistics; BN once; untrained
    "pixel_statistics": "def pixel_statistics(images):\n"
                        "    return images.mean(axis=0), images.std(axis=0, ddof=1)\n",
    "prepare": "def prepare(train_images, other_images):\n"
               "    def own(images):\n"
               "        mean, std = pixel_statistics(images)\n"
               "        return ((images - mean) / (std + 1e-7))[..., None].astype('float32')\n"
               "    return own(train_images), own(other_images)\n",
    "build_regularized_cnn": "def build_regularized_cnn():\n"
                             "    model = base_cnn()\n"
                             "    return keras.Sequential([keras.Input((28, 28, 1)), *model.layers[:1],\n"
                             "        keras.layers.BatchNormalization(), *model.layers[1:-1],\n"
                             "        keras.layers.Dropout(0.3), model.layers[-1]])\n",
    "train_model": "model = build_regularized_cnn()\n"  # and hands it in untrained
                   "model.compile('adam', 'sparse_categorical_crossentropy')\n"
                   "check_accuracy = 0.0\n",
}


# Task 2 of ex05 asks for a function cheapest_good(table, target); the "choose_config"
# answers above predate it, so these are written for it.
_SWEEP = "table = run_sweep(CONFIGS, x_small, y_small, x_check, y_check)\n\n\n"
CHOICE_EX05 = (_SWEEP + "def cheapest_good(table, target):\n"
               "    choice, best_time = None, float('inf')\n"
               "    for _, run in table.iterrows():\n"
               "        if run['test accuracy'] >= target and "
               "run['training seconds'] < best_time:\n"
               "            choice, best_time = run['label'], run['training seconds']\n"
               "    return choice\n\n\nchoice = cheapest_good(table, TARGET)\n")
STRICT_CHOICE_EX05 = (_SWEEP + "def cheapest_good(table, target):\n"  # ">" instead of ">="
                      "    good = table[table['test accuracy'] > target]\n"
                      "    return None if good.empty else "
                      "good.sort_values('training seconds')['label'].iloc[0]\n\n\n"
                      "choice = cheapest_good(table, TARGET)\n")
# ex07's Task 3 is a function train(model, images, labels), called by a locked cell, so
# that its rules (at most 5 epochs, these images only) can be checked.
TRAIN_EX07 = ("def train(model, images, labels):\n"
              "    model.compile('adam', 'sparse_categorical_crossentropy')\n"
              "    model.fit(images, labels, epochs=5, batch_size=16, verbose=0)\n"
              "    return model\n")
UNTRAINED_EX07 = ("def train(model, images, labels):\n"  # and hands it back untrained
                  "    model.compile('adam', 'sparse_categorical_crossentropy')\n"
                  "    return model\n")


def grade(tmp_path, assignment, students, cell_timeout=60, timeout=2400):
    """Autograde every student in one real nbgrader run; ({student: {cell: score}}, max).

    With room for a whole class on a busy 2-core machine."""
    _, scores, max_score = grade_class(tmp_path, assignment, students,
                                       cell_timeout=cell_timeout, timeout=timeout)
    return scores, max_score


def mistake_students(mistakes):
    """name -> (answers, cells lost): the n-th mistake of every task in the n-th student;
    a student short of a mistake for a task answers it as the reference does."""
    by_task = {}
    for name, (answers, lost) in mistakes.items():
        (task,) = answers
        by_task.setdefault(task, []).append((name, answers, lost))
    students = {}
    for i in range(max(len(m) for m in by_task.values())):
        chosen = [m[i] for m in by_task.values() if i < len(m)]
        name = "__".join(n for n, _, _ in chosen)
        students[name] = ({k: v for _, a, _ in chosen for k, v in a.items()},
                          [cell for _, _, lost in chosen for cell in lost])
    return students


def unexpected_scores(scores: dict, expected: dict) -> dict:
    """student -> {cell: (scored, expected)} for every cell that scored otherwise."""
    wrong = {name: {cell: (scores[name].get(cell), points) for cell, points in want.items()
                    if scores[name].get(cell) != points}
             for name, want in expected.items()}
    return {name: cells for name, cells in wrong.items() if cells}
