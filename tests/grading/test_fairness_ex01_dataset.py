"""ex01_dataset graded fairly: every correct variant earns full marks, every classic mistake
loses the value points (and keeps the format point where its format is right).

The students are written from the student notebook's statements only, then graded in one
real `nbgrader autograde` run; every graded cell's score is checked for every student.
"""

from exercise_tools import solution_answers, submission
from students import ALTERNATIVE_EX01, grade, unexpected_scores

A = "ex01_dataset"
CELLS = {"test_to_model_input_format": 1, "test_to_model_input_values": 2,
         "test_one_hot_format": 1, "test_one_hot_values": 2,
         "test_class_means_format": 1, "test_class_means_values": 2}
BLANK = "def {}(*args, **kwargs):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"

CORRECT = {  # other styles and precisions than the reference, each worth full marks
    "float64_then_cast": {
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
    },
    "float32_vectorized": {
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
    },
    "float16_means": {  # "a float array": half precision is still one
        "to_model_input": "def to_model_input(images):\n"
                          "    return np.float32(images[:, :, :, None]) / 255\n",
        "one_hot": "def one_hot(labels, num_classes=10):\n"
                   "    return np.identity(num_classes, dtype='float32')[list(labels)]\n",
        "class_means": "def class_means(images, labels):\n"
                       "    means = [np.mean(images[labels == c], axis=0) for c in range(10)]\n"
                       "    return np.stack(means).astype(np.float16)\n",
    },
}
SKIPS = {  # solves later tasks only: each task's tests must stand on their own
    "skips_task1": ("to_model_input",),
    "skips_tasks1_2": ("to_model_input", "one_hot"),
}
OVERWRITES = {  # right answers, then reassigns the data the set-up cell loaded
    "to_model_input": "\nx_test = to_model_input(x_test)\n",
    "one_hot": "\ny_test = one_hot(y_test)\n",
    "class_means": "\nx_train = x_train / 255.0\ny_train = y_train.astype(np.int64)\n",
}

# Each mistake student makes one classic mistake per task; the value cells it fails (the
# format cells it fails too, where its format is wrong). Mistakes are the classic ones
# listed at the top of each task's hidden tests.
MISTAKES = {
    "mistakes_a": ({  # batch max instead of 255; max(labels) + 1 columns; rescales the means
        "to_model_input": "def to_model_input(images):\n"
                          "    return (images / images.max()).astype(np.float32)[..., None]\n",
        "one_hot": "def one_hot(labels, num_classes=10):\n"
                   "    return np.eye(max(labels) + 1, dtype=np.float32)[labels]\n",
        "class_means": "def class_means(images, labels):\n"
                       "    return np.stack([(images[labels == c] / 255).mean(axis=0)\n"
                       "                     for c in range(10)])\n",
    }, ()),
    "mistakes_b": ({  # integer division; always 10 columns; sums overflow in uint8
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
    }, ()),
    "mistakes_c": ({  # min-max scaling of the batch; the 1.0 one column off; first-seen order
        "to_model_input": "def to_model_input(images):\n"
                          "    lo, hi = images.min(), images.max()\n"
                          "    return ((images - lo) / (hi - lo)).astype(np.float32)[..., None]\n",
        "one_hot": "def one_hot(labels, num_classes=10):\n"
                   "    return np.eye(num_classes, dtype=np.float32)[np.asarray(labels,"
                   " int) - 1]\n",
        "class_means": "def class_means(images, labels):\n"
                       "    order = list(dict.fromkeys(np.asarray(labels).tolist()))\n"
                       "    return np.stack([images[labels == c].mean(axis=0) for c in order])\n",
    }, ()),
    "mistakes_d": ({  # reshapes its input in place; Keras's to_categorical; the global data
        "to_model_input": "def to_model_input(images):\n"
                          "    images.shape = images.shape + (1,)\n"
                          "    return images.astype(np.float32) / 255\n",
        "one_hot": "import keras\n\n"
                   "def one_hot(labels, num_classes=10):\n"
                   "    return keras.utils.to_categorical(labels, num_classes).astype('float32')\n",
        "class_means": "def class_means(images, labels):\n"
                       "    return np.stack([x_train[y_train == c].mean(axis=0) for c in"
                       " range(10)])\n",
    }, ()),
    "mistakes_e": ({  # float64 (format only); labels.shape fails on a list; int accumulator
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
    }, ("test_to_model_input_format",)),
    "mistakes_f": ({  # channels first; pandas.get_dummies; divides by n / 10 (balanced classes)
        "to_model_input": "def to_model_input(images):\n"
                          "    return (images[:, None] / 255).astype(np.float32)\n",
        "one_hot": "import pandas as pd\n\n"
                   "def one_hot(labels, num_classes=10):\n"
                   "    categories = pd.Categorical(list(labels), categories=range(num_classes))\n"
                   "    return pd.get_dummies(categories).to_numpy(np.float32)\n",
        "class_means": "def class_means(images, labels):\n"
                       "    sums = np.stack([images[labels == c].sum(axis=0) for c in range(10)])\n"
                       "    return sums / (len(images) / 10)\n",
    }, ("test_to_model_input_format",)),
    "mistakes_g": ({  # no channel axis; int one-hot (format only); means rounded down
        "to_model_input": "def to_model_input(images):\n"
                          "    return (images / 255).astype(np.float32)\n",
        "one_hot": "def one_hot(labels, num_classes=10):\n"
                   "    return np.eye(num_classes, dtype=int)[labels]\n",
        "class_means": "def class_means(images, labels):\n"
                       "    return np.stack([images[labels == c].sum(axis=0) // (labels =="
                       " c).sum()\n"
                       "                     for c in range(10)]).astype(float)\n",
    }, ("test_to_model_input_format", "test_one_hot_format")),
}
# Format mistakes whose values are still right keep the value points.
VALUES_RIGHT = {"mistakes_e": ("test_to_model_input_values",),
                "mistakes_g": ("test_one_hot_values",)}


def test_ex01_fairness(tmp_path):
    solution = solution_answers(A)
    students = {"solution": submission(A, solution),
                "alternative": submission(A, {**solution, **ALTERNATIVE_EX01}),
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
    students["overwrites_data"] = submission(
        A, {t: solution[t] + extra for t, extra in OVERWRITES.items()})
    expected["overwrites_data"] = dict(CELLS)
    for name, (answers, format_wrong) in MISTAKES.items():
        students[name] = submission(A, {**solution, **answers})
        expected[name] = {cell: 0 if cell.endswith("_values") or cell in format_wrong
                          else points for cell, points in CELLS.items()}
        for cell in VALUES_RIGHT.get(name, ()):
            expected[name][cell] = CELLS[cell]

    scores, max_score = grade(tmp_path, A, students, cell_timeout=60)

    assert max_score == sum(CELLS.values())
    wrong = unexpected_scores(scores, expected)
    assert not wrong, f"students scored other than expected, as (got, expected): {wrong}"
