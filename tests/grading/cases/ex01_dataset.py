"""ex01_dataset: other correct styles and precisions earn full marks (the written answer left
blank by one of them); a skipped task costs only its own points; test cells a student
empties or deletes are restored and still catch a wrong answer; an answer that loops forever
is stopped and costs only its task; and the classic mistakes, three to a student (one per
task), lose the value points and keep the format point where the format is right."""

from exercise_tools import solution_answers

from cases import Student

_REFERENCE = solution_answers("ex01_dataset")
_SKIPPED = "def {}(*args, **kwargs):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"


def skipped(task: str) -> str:
    """A task left unsolved: a stub that raises, as a student who moves on would leave it."""
    return _SKIPPED.format(task)


DIVIDES_BY_256 = ("def to_model_input(images):\n"
                  "    return (images[..., None] / 256).astype(np.float32)\n")
KEEPS_UINT8 = "def to_model_input(images):\n    return images[..., None]\n"

ALTERNATIVE = {  # different code, same behaviour
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
FLOAT64_THEN_CAST = {
    "to_model_input": "def to_model_input(images):\n"
                      "    scaled = images / 255\n"
                      "    return np.expand_dims(scaled, axis=-1).astype(np.float32)\n",
    "one_hot": "def one_hot(labels, num_classes=10):\n"
               "    rows = []\n"
               "    for label in labels:\n"
               "        row = [0.0] * num_classes\n"
               "        row[int(label)] = 1.0\n"
               "        rows.append(row)\n"
               "    return np.array(rows, dtype=np.float32)\n",
    "class_means": "def class_means(images, labels):\n"  # float32 sums, one image at a time
                   "    sums = np.zeros((10,) + images.shape[1:], dtype=np.float32)\n"
                   "    counts = np.zeros(10, dtype=np.float32)\n"
                   "    for image, label in zip(images, labels):\n"
                   "        sums[label] += image\n"
                   "        counts[label] += 1\n"
                   "    print('summed', len(images), 'images')\n"
                   "    return sums / counts[:, None, None]\n",
}
FLOAT32_VECTORIZED = {
    "to_model_input": "def to_model_input(images):\n"
                      "    x = images.astype(np.float32) * np.float32(1 / 255)\n"
                      "    return x.reshape(-1, 28, 28, 1)\n",
    "one_hot": "def one_hot(labels, num_classes=10):\n"
               "    labels = np.asarray(labels)\n"
               "    return (np.arange(num_classes) == labels[:, None]).astype(np.float32)\n",
    "class_means": "def class_means(images, labels):\n"
                   "    labels = np.asarray(labels)\n"
                   "    return np.array([images[labels == c].mean(axis=0, dtype=np.float32)\n"
                   "                     for c in range(10)])\n",
}
FLOAT16_MEANS = {  # "a float array": half precision is still one
    "to_model_input": "def to_model_input(images):\n"
                      "    return np.float32(images[:, :, :, None]) / 255\n",
    "one_hot": "def one_hot(labels, num_classes=10):\n"
               "    return np.identity(num_classes, dtype='float32')[list(labels)]\n",
    "class_means": "def class_means(images, labels):\n"
                   "    means = [np.mean(images[labels == c], axis=0) for c in range(10)]\n"
                   "    return np.stack(means).astype(np.float16)\n",
}
OVERWRITES_DATA = {  # the reference's answers, then reassigns the data the set-up cell loaded
    "to_model_input": _REFERENCE["to_model_input"] + "\nx_test = to_model_input(x_test)\n",
    "one_hot": _REFERENCE["one_hot"] + "\ny_test = one_hot(y_test)\n",
    "class_means": _REFERENCE["class_means"]
    + "\nx_train = x_train / 255.0\ny_train = y_train.astype(np.int64)\n",
}

# The classic mistakes listed at the top of each task's hidden tests, one per task a student.
MISTAKES_BATCH_MAX = {  # batch max instead of 255; max(labels) + 1 columns; rescales the means
    "to_model_input": "def to_model_input(images):\n"
                      "    return (images / images.max()).astype(np.float32)[..., None]\n",
    "one_hot": "def one_hot(labels, num_classes=10):\n"
               "    return np.eye(max(labels) + 1, dtype=np.float32)[labels]\n",
    "class_means": "def class_means(images, labels):\n"
                   "    return np.stack([(images[labels == c] / 255).mean(axis=0)\n"
                   "                     for c in range(10)])\n",
}
MISTAKES_INT_DIVISION = {  # integer division; always 10 columns; sums overflow in uint8
    "to_model_input": "def to_model_input(images):\n"
                      "    return (images // 255).astype(np.float32)[..., None]\n",
    "one_hot": "def one_hot(labels, num_classes=10):\n"
               "    return np.eye(10, dtype=np.float32)[labels]\n",
    "class_means": "def class_means(images, labels):\n"
                   "    sums = np.zeros((10, 28, 28), dtype=images.dtype)\n"
                   "    counts = np.zeros(10)\n"
                   "    for image, label in zip(images, labels):\n"
                   "        sums[label] += image\n"
                   "        counts[label] += 1\n"
                   "    return sums / counts[:, None, None]\n",
}
MISTAKES_MIN_MAX = {  # min-max scaling of the batch; the 1.0 one column off; first-seen order
    "to_model_input": "def to_model_input(images):\n"
                      "    lo, hi = images.min(), images.max()\n"
                      "    return ((images - lo) / (hi - lo)).astype(np.float32)[..., None]\n",
    "one_hot": "def one_hot(labels, num_classes=10):\n"
               "    return np.eye(num_classes, dtype=np.float32)[np.asarray(labels,"
               " int) - 1]\n",
    "class_means": "def class_means(images, labels):\n"
                   "    order = list(dict.fromkeys(np.asarray(labels).tolist()))\n"
                   "    return np.stack([images[labels == c].mean(axis=0) for c in order])\n",
}
MISTAKES_IN_PLACE = {  # reshapes its input in place; Keras's to_categorical; the global data
    "to_model_input": "def to_model_input(images):\n"
                      "    images.shape = images.shape + (1,)\n"
                      "    return images.astype(np.float32) / 255\n",
    "one_hot": "import keras\n\n"
               "def one_hot(labels, num_classes=10):\n"
               "    return keras.utils.to_categorical(labels, num_classes).astype('float32')\n",
    "class_means": "def class_means(images, labels):\n"
                   "    return np.stack([x_train[y_train == c].mean(axis=0) for c in"
                   " range(10)])\n",
}
MISTAKES_FLOAT64 = {  # float64 (format only); labels.shape fails on a list; int accumulator
    "to_model_input": "def to_model_input(images):\n"
                      "    return images[..., None] / 255.0\n",
    "one_hot": "def one_hot(labels, num_classes=10):\n"
               "    out = np.zeros((labels.shape[0], num_classes), np.float32)\n"
               "    out[np.arange(labels.shape[0]), labels] = 1\n"
               "    return out\n",
    "class_means": "def class_means(images, labels):\n"
                   "    sums = np.zeros((10, 28, 28), dtype=np.int64)\n"
                   "    counts = np.zeros(10)\n"
                   "    for image, label in zip(images, labels):\n"
                   "        sums[label] += image\n"
                   "        counts[label] += 1\n"
                   "    return sums / counts[:, None, None]\n",
}
MISTAKES_CHANNELS_FIRST = {  # channels first; pandas.get_dummies; divides by n / 10
    "to_model_input": "def to_model_input(images):\n"
                      "    return (images[:, None] / 255).astype(np.float32)\n",
    "one_hot": "import pandas as pd\n\n"
               "def one_hot(labels, num_classes=10):\n"
               "    categories = pd.Categorical(list(labels), categories=range(num_classes))\n"
               "    return pd.get_dummies(categories).to_numpy(np.float32)\n",
    "class_means": "def class_means(images, labels):\n"
                   "    sums = np.stack([images[labels == c].sum(axis=0) for c in range(10)])\n"
                   "    return sums / (len(images) / 10)\n",
}
MISTAKES_NO_CHANNEL = {  # no channel axis; int one-hot (format only); means rounded down
    "to_model_input": "def to_model_input(images):\n"
                      "    return (images / 255).astype(np.float32)\n",
    "one_hot": "def one_hot(labels, num_classes=10):\n"
               "    return np.eye(num_classes, dtype=int)[labels]\n",
    "class_means": "def class_means(images, labels):\n"
                   "    return np.stack([images[labels == c].sum(axis=0) // (labels =="
                   " c).sum()\n"
                   "                     for c in range(10)]).astype(float)\n",
}

STUDENTS = {
    "alternative": Student(ALTERNATIVE),
    "float64_then_cast": Student(FLOAT64_THEN_CAST),
    "float32_vectorized": Student(FLOAT32_VECTORIZED),
    "float16_means": Student(FLOAT16_MEANS),
    # answers only the three code tasks (the written answer left as handed out)
    "overwrites_data": Student(OVERWRITES_DATA, over="handout"),
    # solves the later tasks only: each task's tests stand on their own
    "skips_task1": Student({"to_model_input": skipped("to_model_input")}, scores={
        "test_to_model_input_format": 0, "test_to_model_input_values": 0}),
    "skips_tasks1_2": Student({"to_model_input": skipped("to_model_input"),
                               "one_hot": skipped("one_hot")}, scores={
        "test_to_model_input_format": 0, "test_to_model_input_values": 0,
        "test_one_hot_format": 0, "test_one_hot_values": 0}),
    # right format, wrong values: only the hidden test fails
    "divides_by_256": Student({"to_model_input": DIVIDES_BY_256}, scores={
        "test_to_model_input_values": 0}),
    # returns the uint8 pixels; empties both test cells, which nbgrader restores
    "edits_tests": Student({"to_model_input": KEEPS_UINT8}, scores={
        "test_to_model_input_format": 0, "test_to_model_input_values": 0}, edit={
        "test_to_model_input_format": "pass", "test_to_model_input_values": "pass"}),
    # returns the uint8 pixels; deletes both test cells, which nbgrader restores
    "deletes_tests": Student({"to_model_input": KEEPS_UINT8}, scores={
        "test_to_model_input_format": 0, "test_to_model_input_values": 0},
        delete=("test_to_model_input_format", "test_to_model_input_values")),
    # stopped by the cell timeout; the rest is graded
    "loops_forever": Student({"class_means": "while True:\n    pass\n"}, scores={
        "test_class_means_format": 0, "test_class_means_values": 0}),
    "mistakes_batch_max": Student(MISTAKES_BATCH_MAX, scores={
        "test_to_model_input_values": 0, "test_one_hot_values": 0,
        "test_class_means_values": 0}),
    "mistakes_int_division": Student(MISTAKES_INT_DIVISION, scores={
        "test_to_model_input_values": 0, "test_one_hot_values": 0,
        "test_class_means_values": 0}),
    "mistakes_min_max": Student(MISTAKES_MIN_MAX, scores={
        "test_to_model_input_values": 0, "test_one_hot_values": 0,
        "test_class_means_values": 0}),
    "mistakes_in_place": Student(MISTAKES_IN_PLACE, scores={
        "test_to_model_input_values": 0, "test_one_hot_values": 0,
        "test_class_means_values": 0}),
    "mistakes_float64": Student(MISTAKES_FLOAT64, scores={  # float64 values are still right
        "test_to_model_input_format": 0, "test_one_hot_values": 0,
        "test_class_means_values": 0}),
    "mistakes_channels_first": Student(MISTAKES_CHANNELS_FIRST, scores={
        "test_to_model_input_format": 0, "test_to_model_input_values": 0,
        "test_one_hot_values": 0, "test_class_means_values": 0}),
    "mistakes_no_channel": Student(MISTAKES_NO_CHANNEL, scores={  # int one-hot: values right
        "test_to_model_input_format": 0, "test_to_model_input_values": 0,
        "test_one_hot_format": 0, "test_class_means_values": 0}),
}
MAX_SCORE = 9
CELL_TIMEOUT = 20
MINUTES = 3
FEEDBACK = False
