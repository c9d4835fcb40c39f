"""ex03_convolutions graded fairly: every correct variant earns full marks, every classic
mistake loses the value points (and keeps the format point where its format is right).

The students are written from the student notebook's statements only, then graded in one
real `nbgrader autograde` run; every graded cell's score is checked for every student.
"""

from exercise_tools import solution_answers, submission
from students import ALTERNATIVE_EX03, MISTAKES_EX03, grade, unexpected_scores

A = "ex03_convolutions"
CELLS = {"test_conv2d_format": 1, "test_conv2d_values": 2,
         "test_max_pool2x2_format": 1, "test_max_pool2x2_values": 1,
         "test_describe_stack_format": 1, "test_describe_stack_values": 2,
         "test_build_cnn_format": 1, "test_build_cnn_structure": 1}
BLANK = "def {}(*args, **kwargs):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"

KERAS_ROWS = ("    layers = {'conv': lambda f, k, p: keras.layers.Conv2D(f, k, padding=p),\n"
              "              'pool': lambda: keras.layers.MaxPooling2D(),\n"
              "              'flatten': lambda: keras.layers.Flatten(),\n"
              "              'dense': lambda units: keras.layers.Dense(units)}\n"
              "    model = keras.Sequential([keras.Input(input_shape)]\n"
              "                             + [layers[s[0]](*s[1:]) for s in stack])\n"
              "    return [(tuple(l.output.shape[1:]), l.count_params()) for l in model.layers]\n")


def cnn(conv="activation='relu'", pool="MaxPooling2D()", dense="activation='relu'"):
    """build_cnn as a Sequential model, with the given conv/dense arguments and pooling."""
    return ("def build_cnn():\n"
            "    return keras.Sequential([keras.Input((28, 28, 1)),\n"
            f"        keras.layers.Conv2D(32, 3, {conv}), keras.layers.{pool},\n"
            f"        keras.layers.Conv2D(64, 3, {conv}), keras.layers.{pool},\n"
            f"        keras.layers.Flatten(), keras.layers.Dense(64, {dense}),\n"
            "        keras.layers.Dense(10, activation='softmax')])\n")


CORRECT = {  # other styles and precisions than the reference, each worth full marks
    "float32_loops": {
        "conv2d": "def conv2d(image, kernels):\n"
                  "    image = np.asarray(image, dtype=np.float32)\n"
                  "    kernels = np.asarray(kernels, dtype=np.float32)\n"
                  "    kh, kw, _, filters = kernels.shape\n"
                  "    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1\n"
                  "    out = np.zeros((h, w, filters), dtype=np.float32)\n"
                  "    for f in range(filters):\n"
                  "        for i in range(h):\n"
                  "            for j in range(w):\n"
                  "                out[i, j, f] = np.sum(image[i:i+kh, j:j+kw, :] *"
                  " kernels[..., f])\n"
                  "    return out\n",
        "max_pool2x2": "def max_pool2x2(feature_maps):\n"
                       "    h, w, c = feature_maps.shape\n"
                       "    out = np.zeros((h // 2, w // 2, c), dtype=feature_maps.dtype)\n"
                       "    for k in range(c):\n"
                       "        for i in range(h // 2):\n"
                       "            for j in range(w // 2):\n"
                       "                out[i, j, k] = np.max(feature_maps[2*i:2*i+2,"
                       " 2*j:2*j+2, k])\n"
                       "    return out\n",
        "describe_stack": "def describe_stack(input_shape, stack):\n"  # NumPy ints, dispatch
                          "    h, w, c = input_shape\n"
                          "    rows = []\n"
                          "    for layer in stack:\n"
                          "        if layer[0] == 'conv':\n"
                          "            _, filters, k, padding = layer\n"
                          "            params = np.int64((k * k * c + 1) * filters)\n"
                          "            if padding == 'valid':\n"
                          "                h, w = h - (k - 1), w - (k - 1)\n"
                          "            c = filters\n"
                          "            rows.append(((h, w, c), params))\n"
                          "        elif layer[0] == 'pool':\n"
                          "            h, w = h // 2, w // 2\n"
                          "            rows.append(((h, w, c), np.int64(0)))\n"
                          "        elif layer[0] == 'flatten':\n"
                          "            h, w, c = 1, 1, h * w * c\n"
                          "            rows.append(((c,), np.int64(0)))\n"
                          "        else:\n"
                          "            rows.append(((layer[1],), np.int64((c + 1) * layer[1])))\n"
                          "            c = layer[1]\n"
                          "    return rows\n",
        # Sequential without keras.Input, built on its first call; activations as layers
        "build_cnn": "def build_cnn():\n"
                     "    return keras.Sequential([\n"
                     "        keras.layers.Conv2D(32, (3, 3), activation=keras.activations.relu),\n"
                     "        keras.layers.MaxPool2D(pool_size=(2, 2)),\n"
                     "        keras.layers.Conv2D(64, (3, 3)), keras.layers.ReLU(),\n"
                     "        keras.layers.MaxPool2D(pool_size=(2, 2)),\n"
                     "        keras.layers.Flatten(),\n"
                     "        keras.layers.Dense(64), keras.layers.Activation('relu'),\n"
                     "        keras.layers.Dense(10), keras.layers.Softmax()])\n",
    },
    "shifted_sums": {
        "conv2d": "def conv2d(image, kernels):\n"
                  "    kh, kw = kernels.shape[:2]\n"
                  "    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1\n"
                  "    return sum(np.tensordot(image[a:a+h, b:b+w], kernels[a, b], axes=1)\n"
                  "               for a in range(kh) for b in range(kw))\n",
        "max_pool2x2": "def max_pool2x2(feature_maps):\n"
                       "    h, w = feature_maps.shape[0] // 2 * 2, feature_maps.shape[1] // 2 * 2\n"
                       "    m = feature_maps[:h, :w]\n"
                       "    return np.maximum(np.maximum(m[0::2, 0::2], m[1::2, 0::2]),\n"
                       "                      np.maximum(m[0::2, 1::2], m[1::2, 1::2]))\n",
        "describe_stack": "def describe_stack(input_shape, stack):\n"
                          "    rows, shape = [], tuple(input_shape)\n"
                          "    for kind, *args in stack:\n"
                          "        if kind == 'conv':\n"
                          "            filters, k, padding = args\n"
                          "            cut = k - 1 if padding == 'valid' else 0\n"
                          "            params = filters * k * k * shape[2] + filters\n"
                          "            shape = (shape[0] - cut, shape[1] - cut, filters)\n"
                          "        elif kind == 'pool':\n"
                          "            shape, params = (shape[0] // 2, shape[1] // 2,"
                          " shape[2]), 0\n"
                          "        elif kind == 'flatten':\n"
                          "            size = 1\n"
                          "            for n in shape:\n"
                          "                size *= n\n"
                          "            shape, params = (size,), 0\n"
                          "        elif kind == 'dense':\n"
                          "            shape, params = (args[0],), shape[-1] * args[0] + args[0]\n"
                          "        rows.append((shape, params))\n"
                          "    print(rows)\n"
                          "    return rows\n",
        # functional, relu written as a function and as a lambda
        "build_cnn": "def build_cnn():\n"
                     "    inputs = keras.Input(shape=(28, 28, 1))\n"
                     "    x = keras.layers.Conv2D(32, 3)(inputs)\n"
                     "    x = keras.layers.Activation(keras.ops.relu)(x)\n"
                     "    x = keras.layers.MaxPooling2D(2)(x)\n"
                     "    x = keras.layers.Conv2D(64, 3, activation=keras.ops.relu)(x)\n"
                     "    x = keras.layers.MaxPooling2D(2)(x)\n"
                     "    x = keras.layers.Flatten()(x)\n"
                     "    x = keras.layers.Dense(64, activation=lambda t:"
                     " keras.ops.maximum(t, 0.0))(x)\n"
                     "    outputs = keras.layers.Dense(10, activation='softmax')(x)\n"
                     "    return keras.Model(inputs=inputs, outputs=outputs)\n",
    },
}
SKIPS = {  # solves the last task only: each task's tests must stand on their own
    "skips_tasks1_3": ("conv2d", "max_pool2x2", "describe_stack"),
}
# A correct student who then reuses the set-up cell's name `rng` for a loop range of its own
CORRECT["shifted_sums"]["describe_stack"] += "\nrng = range(3)\n"

# Each mistake student makes one classic mistake per task; the value cells it fails (the
# format cells it fails too, where its format is wrong).
MISTAKES = {
    "mistakes_a": (MISTAKES_EX03, ()),  # flips the kernel; pads with zeros; ignores "same"; tanh
    "mistakes_b": ({  # one input channel; max over channels too; ceil pooling; linear convs
        "conv2d": "def conv2d(image, kernels):\n"
                  "    kh, kw, _, f = kernels.shape\n"
                  "    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1\n"
                  "    out = np.zeros((h, w, f))\n"
                  "    for i in range(h):\n"
                  "        for j in range(w):\n"
                  "            window = image[i:i+kh, j:j+kw, 0]\n"
                  "            out[i, j] = np.tensordot(window, kernels[:, :, 0], axes=2)\n"
                  "    return out\n",
        "max_pool2x2": "def max_pool2x2(feature_maps):\n"
                       "    h, w, c = feature_maps.shape[0] // 2, feature_maps.shape[1] //"
                       " 2, feature_maps.shape[2]\n"
                       "    blocks = feature_maps[:2*h, :2*w].reshape(h, 2, w, 2, c)\n"
                       "    return np.repeat(blocks.max(axis=(1, 3, 4))[..., None], c, axis=2)\n",
        "describe_stack": "def describe_stack(input_shape, stack):\n"
                          "    rows, (h, w, c) = [], input_shape\n"
                          "    for kind, *args in stack:\n"
                          "        if kind == 'conv':\n"
                          "            f, k, pad = args\n"
                          "            if pad == 'valid':\n"
                          "                h, w = h - k + 1, w - k + 1\n"
                          "            rows.append(((h, w, f), (k * k * c + 1) * f))\n"
                          "            c = f\n"
                          "        elif kind == 'pool':\n"
                          "            h, w = -(-h // 2), -(-w // 2)\n"  # rounds odd sizes up
                          "            rows.append(((h, w, c), 0))\n"
                          "        elif kind == 'flatten':\n"
                          "            c = h * w * c\n"
                          "            rows.append(((c,), 0))\n"
                          "        else:\n"
                          "            rows.append(((args[0],), (c + 1) * args[0]))\n"
                          "            c = args[0]\n"
                          "    return rows\n",
        "build_cnn": cnn(conv="padding='valid'"),
    }, ()),
    "mistakes_c": ({  # assumes square kernels; a max that starts at 0; no input channels in a
        # conv's count; padding="same"
        "conv2d": "def conv2d(image, kernels):\n"
                  "    k, f = kernels.shape[0], kernels.shape[3]\n"
                  "    h, w = image.shape[0] - k + 1, image.shape[1] - k + 1\n"
                  "    out = np.zeros((h, w, f))\n"
                  "    for i in range(h):\n"
                  "        for j in range(w):\n"
                  "            out[i, j] = np.tensordot(image[i:i+k, j:j+k], kernels[:,"
                  " :k], axes=3)\n"
                  "    return out\n",
        "max_pool2x2": "def max_pool2x2(feature_maps):\n"
                       "    h, w, c = feature_maps.shape\n"
                       "    out = np.zeros((h // 2, w // 2, c))\n"
                       "    for i in range(h // 2):\n"
                       "        for j in range(w // 2):\n"
                       "            for k in range(c):\n"
                       "                best = 0\n"
                       "                for a in range(2):\n"
                       "                    for b in range(2):\n"
                       "                        best = max(best, feature_maps[2*i+a, 2*j+b, k])\n"
                       "                out[i, j, k] = best\n"
                       "    return out\n",
        "describe_stack": "def describe_stack(input_shape, stack):\n"
                          "    rows, (h, w, c) = [], input_shape\n"
                          "    for kind, *args in stack:\n"
                          "        if kind == 'conv':\n"
                          "            f, k, pad = args\n"
                          "            if pad == 'valid':\n"
                          "                h, w = h - k + 1, w - k + 1\n"
                          "            c = f\n"
                          "            rows.append(((h, w, c), (k * k + 1) * f))\n"
                          "        elif kind == 'pool':\n"
                          "            h, w = h // 2, w // 2\n"
                          "            rows.append(((h, w, c), 0))\n"
                          "        elif kind == 'flatten':\n"
                          "            c = h * w * c\n"
                          "            rows.append(((c,), 0))\n"
                          "        else:\n"
                          "            rows.append(((args[0],), (c + 1) * args[0]))\n"
                          "            c = args[0]\n"
                          "    return rows\n",
        "build_cnn": cnn(conv="activation='relu', padding='same'"),
    }, ()),
    "mistakes_d": ({  # Keras does the conv, the pooling and the counting; average pooling
        "conv2d": "def conv2d(image, kernels):\n"
                  "    batch = keras.ops.convert_to_tensor(image[None], dtype='float64')\n"
                  "    out = keras.ops.conv(batch, keras.ops.convert_to_tensor(kernels,"
                  " dtype='float64'))\n"
                  "    return np.asarray(out)[0]\n",
        "max_pool2x2": "def max_pool2x2(feature_maps):\n"
                       "    out = keras.ops.max_pool(feature_maps[None].astype('float32'), 2, 2)\n"
                       "    return np.asarray(out)[0]\n",
        "describe_stack": "def describe_stack(input_shape, stack):\n" + KERAS_ROWS,
        "build_cnn": cnn(pool="AveragePooling2D(2)"),
    }, ()),
    "mistakes_e": ({  # swaps the kernel's axes; keeps the odd last row/column (ceil); dense
        # weights without biases; leaky relu on the dense layer
        "conv2d": "def conv2d(image, kernels):\n"
                  "    kw, kh, _, f = kernels.shape\n"  # reads the kernel as (width, height)
                  "    h, w = image.shape[0] - kh + 1, image.shape[1] - kw + 1\n"
                  "    flipped = kernels.transpose(1, 0, 2, 3)\n"
                  "    out = np.zeros((h, w, f))\n"
                  "    for i in range(h):\n"
                  "        for j in range(w):\n"
                  "            out[i, j] = np.tensordot(image[i:i+kh, j:j+kw], flipped, axes=3)\n"
                  "    return out\n",
        "max_pool2x2": "def max_pool2x2(feature_maps):\n"
                       "    h, w, c = feature_maps.shape\n"
                       "    out = np.empty(((h + 1) // 2, (w + 1) // 2, c))\n"
                       "    for i in range(0, h, 2):\n"
                       "        for j in range(0, w, 2):\n"
                       "            out[i // 2, j // 2] = feature_maps[i:i+2,"
                       " j:j+2].max(axis=(0, 1))\n"
                       "    return out\n",
        "describe_stack": "def describe_stack(input_shape, stack):\n"
                          "    rows, (h, w, c) = [], input_shape\n"
                          "    for kind, *args in stack:\n"
                          "        if kind == 'conv':\n"
                          "            f, k, pad = args\n"
                          "            if pad == 'valid':\n"
                          "                h, w = h - k + 1, w - k + 1\n"
                          "            rows.append(((h, w, f), (k * k * c + 1) * f))\n"
                          "            c = f\n"
                          "        elif kind == 'pool':\n"
                          "            h, w = h // 2, w // 2\n"
                          "            rows.append(((h, w, c), 0))\n"
                          "        elif kind == 'flatten':\n"
                          "            c = h * w * c\n"
                          "            rows.append(((c,), 0))\n"
                          "        else:\n"
                          "            rows.append(((args[0],), c * args[0]))\n"
                          "            c = args[0]\n"
                          "    return rows\n",
        "build_cnn": cnn(dense="activation='leaky_relu'"),
    }, ()),
}
# (One output row and column short, OFF_BY_ONE_CONV, is test_ex03_students's.)


def test_ex03_fairness(tmp_path):
    solution = solution_answers(A)
    students = {"solution": submission(A, solution),
                "alternative": submission(A, {**solution, **ALTERNATIVE_EX03}),
                "blank": submission(A)}
    expected = {"solution": dict(CELLS), "alternative": dict(CELLS),
                "blank": dict.fromkeys(CELLS, 0)}
    for name, answers in CORRECT.items():
        students[name] = submission(A, {**solution, **answers})
        expected[name] = dict(CELLS)
    for name, skipped in SKIPS.items():
        students[name] = submission(A, {**solution, **{t: BLANK.format(t) for t in skipped}})
        expected[name] = {cell: 0 if any(f"_{t}_" in cell for t in skipped) else points
                          for cell, points in CELLS.items()}
    for name, (answers, format_wrong) in MISTAKES.items():
        students[name] = submission(A, {**solution, **answers})
        expected[name] = {cell: 0 if ((cell.endswith("_values") or cell.endswith("_structure"))
                                      and any(f"_{t}_" in cell for t in answers))
                          or cell in format_wrong else points
                          for cell, points in CELLS.items()}

    scores, max_score = grade(tmp_path, A, students, cell_timeout=120)

    assert max_score == sum(CELLS.values())
    wrong = unexpected_scores(scores, expected)
    assert not wrong, f"students scored other than expected, as (got, expected): {wrong}"
