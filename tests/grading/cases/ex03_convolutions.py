"""ex03_convolutions: three correct variants in other styles and precisions earn full
marks; a student who skips Tasks 1-3 loses exactly those tasks' points; five students each
make one classic mistake per task, right on the visible examples, and lose only the hidden
value/structure points; an off-by-one convolution fails both conv2d cells.
"""

from cases import Student

MAX_SCORE = 10
CELL_TIMEOUT = 120
MINUTES = 9
FEEDBACK = False

# A task left undone (not the handed-out cell's text: the students' own stub).
BLANK = "def {}(*args, **kwargs):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"

KERAS_ROWS = ("    layers = {'conv': lambda f, k, p: keras.layers.Conv2D(f, k, padding=p),\n"
              "              'pool': lambda: keras.layers.MaxPooling2D(),\n"
              "              'flatten': lambda: keras.layers.Flatten(),\n"
              "              'dense': lambda units: keras.layers.Dense(units)}\n"
              "    model = keras.Sequential([keras.Input(input_shape)]\n"
              "                             + [layers[s[0]](*s[1:]) for s in stack])\n"
              "    return [(tuple(l.output.shape[1:]), l.count_params()) for l in model.layers]\n")


def _cnn(conv="activation='relu'", pool="MaxPooling2D()", dense="activation='relu'"):
    """build_cnn as a Sequential model, with the given conv/dense arguments and pooling."""
    return ("def build_cnn():\n"
            "    return keras.Sequential([keras.Input((28, 28, 1)),\n"
            f"        keras.layers.Conv2D(32, 3, {conv}), keras.layers.{pool},\n"
            f"        keras.layers.Conv2D(64, 3, {conv}), keras.layers.{pool},\n"
            f"        keras.layers.Flatten(), keras.layers.Dense(64, {dense}),\n"
            "        keras.layers.Dense(10, activation='softmax')])\n")


ALTERNATIVE = {  # vectorized where the reference loops and back, functional API
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

# Other styles and precisions than the reference.
FLOAT32_LOOPS = {
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
}
SHIFTED_SUMS = {
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
                      "    return rows\n"
                      # then reuses the set-up cell's name `rng` for a range of its own
                      "\nrng = range(3)\n",
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
}

# Each mistake student makes one classic mistake per task, each right on the visible
# example (the format cells pass), wrong in general (the value/structure cells fail).
TRUE_CONVOLUTION = {  # flips the kernel; pads with zeros; ignores "same"; tanh
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
ONE_CHANNEL = {  # one input channel; max over channels too; ceil pooling; linear convs
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
    "build_cnn": _cnn(conv="padding='valid'"),
}
SQUARE_KERNELS = {  # assumes square kernels; a max that starts at 0; no input channels in a
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
    "build_cnn": _cnn(conv="activation='relu', padding='same'"),
}
KERAS_DOES_IT = {  # Keras does the conv, the pooling and the counting; average pooling
    "conv2d": "def conv2d(image, kernels):\n"
              "    batch = keras.ops.convert_to_tensor(image[None], dtype='float64')\n"
              "    out = keras.ops.conv(batch, keras.ops.convert_to_tensor(kernels,"
              " dtype='float64'))\n"
              "    return np.asarray(out)[0]\n",
    "max_pool2x2": "def max_pool2x2(feature_maps):\n"
                   "    out = keras.ops.max_pool(feature_maps[None].astype('float32'), 2, 2)\n"
                   "    return np.asarray(out)[0]\n",
    "describe_stack": "def describe_stack(input_shape, stack):\n" + KERAS_ROWS,
    "build_cnn": _cnn(pool="AveragePooling2D(2)"),
}
SWAPPED_AXES = {  # swaps the kernel's axes; keeps the odd last row/column (ceil); dense
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
    "build_cnn": _cnn(dense="activation='leaky_relu'"),
}
OFF_BY_ONE_CONV = ("def conv2d(image, kernels):\n"  # one output row and column short
                   "    kh, kw, _, f = kernels.shape\n"
                   "    h, w = image.shape[0] - kh, image.shape[1] - kw\n"
                   "    out = np.zeros((h, w, f))\n"
                   "    for i in range(h):\n"
                   "        for j in range(w):\n"
                   "            out[i, j] = np.tensordot(image[i:i+kh, j:j+kw], kernels, axes=3)\n"
                   "    return out\n")


STUDENTS = {
    # vectorized where the reference loops and back, functional API
    "alternative": Student(answers=ALTERNATIVE),
    # loops in float32; NumPy ints and dispatch; Sequential without keras.Input, built on
    # its first call; activations as layers
    "float32_loops": Student(answers=FLOAT32_LOOPS),
    # shifted sums, strided pooling; functional API, relu as a function and a lambda;
    # prints; reuses the set-up cell's `rng`
    "shifted_sums": Student(answers=SHIFTED_SUMS),
    # solves the last task only: each task's tests must stand on their own
    "skips_tasks_1_to_3": Student(
        answers={"conv2d": BLANK.format("conv2d"), "max_pool2x2": BLANK.format("max_pool2x2"),
                 "describe_stack": BLANK.format("describe_stack")},
        scores={"test_conv2d_format": 0, "test_conv2d_values": 0,
                "test_max_pool2x2_format": 0, "test_max_pool2x2_values": 0,
                "test_describe_stack_format": 0, "test_describe_stack_values": 0}),
    # one classic mistake per task each (see their answers): the format cells pass
    "mistakes_true_convolution": Student(
        answers=TRUE_CONVOLUTION,
        scores={"test_conv2d_values": 0, "test_max_pool2x2_values": 0,
                "test_describe_stack_values": 0, "test_build_cnn_structure": 0}),
    "mistakes_one_channel": Student(
        answers=ONE_CHANNEL,
        scores={"test_conv2d_values": 0, "test_max_pool2x2_values": 0,
                "test_describe_stack_values": 0, "test_build_cnn_structure": 0}),
    "mistakes_square_kernels": Student(
        answers=SQUARE_KERNELS,
        scores={"test_conv2d_values": 0, "test_max_pool2x2_values": 0,
                "test_describe_stack_values": 0, "test_build_cnn_structure": 0}),
    "mistakes_keras_does_it": Student(
        answers=KERAS_DOES_IT,
        scores={"test_conv2d_values": 0, "test_max_pool2x2_values": 0,
                "test_describe_stack_values": 0, "test_build_cnn_structure": 0}),
    "mistakes_swapped_axes": Student(
        answers=SWAPPED_AXES,
        scores={"test_conv2d_values": 0, "test_max_pool2x2_values": 0,
                "test_describe_stack_values": 0, "test_build_cnn_structure": 0}),
    # one output row and column short: even the visible shape check catches it
    "off_by_one_conv": Student(
        answers={"conv2d": OFF_BY_ONE_CONV},
        scores={"test_conv2d_format": 0, "test_conv2d_values": 0}),
}
