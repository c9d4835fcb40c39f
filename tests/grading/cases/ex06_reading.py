"""ex06_reading: correct variants (loops and bincount, histogram2d/divmod/argpartition,
pure Python) earn full marks; a student who skips task 1 loses only task 1; the students
with mistakes hold at most one classic mistake per task (a transposed or wrongly sized
matrix, raw counts or the wrong shares, the wrong confidence measure or order, ">" for
">=", swapped or non-nan results) and lose the value points, and the format point too
where the visible examples catch it.
"""

from cases import Student

# Task 1 as handed out (the student skipped it).
HANDED_OUT_CONFUSION_COUNTS = ("def confusion_counts(y_true, y_pred, num_classes=10):\n"
                               "    # YOUR CODE HERE\n"
                               "    raise NotImplementedError()")

# Correct variants -----------------------------------------------------------------------

ALTERNATIVE = {  # loops and bincount where the reference vectorizes
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
NUMPY_STYLES = {  # histogram2d, divmod, argpartition then sorted, float32, prints
    "confusion_counts": "def confusion_counts(y_true, y_pred, num_classes=10):\n"
                        "    counts, _, _ = np.histogram2d(\n"
                        "        y_true, y_pred, bins=num_classes,\n"
                        "        range=[[0, num_classes], [0, num_classes]])\n"
                        "    return counts.astype(int)\n",
    "most_confused_pair": "def most_confused_pair(counts):\n"
                          "    counts = np.asarray(counts)\n"
                          "    shares = counts / counts.sum(axis=1)[:, None]\n"
                          "    shares[np.eye(len(counts), dtype=bool)] = 0\n"
                          "    t, p = divmod(int(shares.argmax()), len(counts))\n"
                          "    return t, p\n",
    "least_confident": "def least_confident(probabilities, k):\n"
                       "    confidence = np.asarray(probabilities,"
                       " dtype=np.float32).max(axis=1)\n"
                       "    lowest = np.argpartition(confidence, k - 1)[:k]\n"
                       "    return lowest[np.argsort(confidence[lowest])]\n",
    "confident_accuracy": "def confident_accuracy(probabilities, labels, threshold):\n"
                          "    p = np.asarray(probabilities, dtype=np.float32)\n"
                          "    sure = p.max(axis=1) >= threshold\n"
                          "    coverage = np.mean(sure)\n"
                          "    print(sure.sum(), 'confident predictions')\n"
                          "    if sure.sum() == 0:\n"
                          "        return float(coverage), float('nan')\n"
                          "    accuracy = np.mean(p[sure].argmax(axis=1) == labels[sure])\n"
                          "    return float(coverage), float(accuracy)\n",
}
PURE_PYTHON = {  # lists and loops; least_confident returns a list of ints
    "confusion_counts": "def confusion_counts(y_true, y_pred, num_classes=10):\n"
                        "    counts = [[0] * num_classes for _ in range(num_classes)]\n"
                        "    for t, p in zip(y_true, y_pred):\n"
                        "        counts[int(t)][int(p)] += 1\n"
                        "    return np.array(counts)\n",
    "most_confused_pair": "def most_confused_pair(counts):\n"
                          "    n = len(counts)\n"
                          "    share, t, p = max((counts[t][p] / sum(counts[t]), t, p)\n"
                          "                      for t in range(n) for p in range(n)"
                          " if t != p)\n"
                          "    return (t, p)\n",
    "least_confident": "def least_confident(probabilities, k):\n"
                       "    order = sorted(range(len(probabilities)),\n"
                       "                   key=lambda i: max(probabilities[i]))\n"
                       "    return order[:k]\n",
    "confident_accuracy": "def confident_accuracy(probabilities, labels, threshold):\n"
                          "    confident = right = 0\n"
                          "    for row, label in zip(probabilities, labels):\n"
                          "        if max(row) >= threshold:\n"
                          "            confident += 1\n"
                          "            right += int(np.argmax(row) == label)\n"
                          "    accuracy = right / confident if confident else float('nan')\n"
                          "    return confident / len(labels), accuracy\n",
}

# Task 1 mistakes: confusion_counts --------------------------------------------------------

SIZE_FROM_LABELS = ("def confusion_counts(y_true, y_pred, num_classes=10):\n"
                    "    n = int(max(np.max(y_true), np.max(y_pred))) + 1\n"
                    "    counts = np.zeros((n, n), dtype=int)\n"
                    "    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)\n"
                    "    return counts\n")
UNIQUE_RENUMBERS = ("def confusion_counts(y_true, y_pred, num_classes=10):\n"
                    "    classes = np.unique(np.concatenate([y_true, y_pred]))\n"
                    "    index = {c: i for i, c in enumerate(classes)}\n"
                    "    counts = np.zeros((num_classes, num_classes), dtype=int)\n"
                    "    for t, p in zip(y_true, y_pred):\n"
                    "        counts[index[t], index[p]] += 1\n"
                    "    return counts\n")
TRANSPOSED = ("def confusion_counts(y_true, y_pred, num_classes=10):\n"
              "    counts = np.zeros((num_classes, num_classes), dtype=int)\n"
              "    np.add.at(counts, (np.asarray(y_pred), np.asarray(y_true)), 1)\n"
              "    return counts\n")
FANCY_INDEX = ("def confusion_counts(y_true, y_pred, num_classes=10):\n"  # a repeated pair counts once
               "    counts = np.zeros((num_classes, num_classes), dtype=int)\n"
               "    counts[np.asarray(y_true), np.asarray(y_pred)] += 1\n"
               "    return counts\n")
FLOAT_COUNTS = ("def confusion_counts(y_true, y_pred, num_classes=10):\n"
                "    counts = np.zeros((num_classes, num_classes))\n"
                "    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)\n"
                "    return counts\n")

# Task 2 mistakes: most_confused_pair ------------------------------------------------------

RAW_COUNTS = ("def most_confused_pair(counts):\n"
              "    off = np.array(counts) * (1 - np.eye(len(counts), dtype=int))\n"
              "    t, p = np.unravel_index(off.argmax(), off.shape)\n"
              "    return int(t), int(p)\n")
COLUMN_SHARES = ("def most_confused_pair(counts):\n"
                 "    shares = counts / counts.sum(axis=0, keepdims=True)\n"
                 "    np.fill_diagonal(shares, -1)\n"
                 "    t, p = np.unravel_index(shares.argmax(), shares.shape)\n"
                 "    return int(t), int(p)\n")
ERROR_SHARES = ("def most_confused_pair(counts):\n"
                "    errors = np.array(counts, dtype=float)\n"
                "    np.fill_diagonal(errors, 0)\n"
                "    shares = errors / errors.sum(axis=1, keepdims=True)\n"
                "    t, p = np.unravel_index(shares.argmax(), shares.shape)\n"
                "    return int(t), int(p)\n")
FLOOR_DIVISION = ("def most_confused_pair(counts):\n"
                  "    shares = counts // counts.sum(axis=1, keepdims=True)\n"
                  "    np.fill_diagonal(shares, -1)\n"
                  "    t, p = np.unravel_index(shares.argmax(), shares.shape)\n"
                  "    return int(t), int(p)\n")
REVERSED_PAIR = ("def most_confused_pair(counts):\n"
                 "    shares = counts / counts.sum(axis=1, keepdims=True)\n"
                 "    np.fill_diagonal(shares, -1)\n"
                 "    t, p = np.unravel_index(shares.argmax(), shares.shape)\n"
                 "    return int(p), int(t)\n")
NUMPY_INTS = ("def most_confused_pair(counts):\n"  # the right pair, as np.int64
              "    shares = counts / counts.sum(axis=1, keepdims=True)\n"
              "    np.fill_diagonal(shares, -1)\n"
              "    return tuple(np.unravel_index(shares.argmax(), shares.shape))\n")

# Task 3 mistakes: least_confident ---------------------------------------------------------

UNSORTED_ARGPARTITION = ("def least_confident(probabilities, k):\n"
                         "    return np.argpartition(probabilities.max(axis=1), k -"
                         " 1)[:k]\n")
ENTROPY = ("def least_confident(probabilities, k):\n"
           "    entropy = -(probabilities * np.log(probabilities)).sum(axis=1)\n"
           "    return np.argsort(-entropy)[:k]\n")
MARGIN = ("def least_confident(probabilities, k):\n"
          "    top = np.sort(probabilities, axis=1)\n"
          "    return np.argsort(top[:, -1] - top[:, -2])[:k]\n")
MOST_CONFIDENT_FIRST = ("def least_confident(probabilities, k):\n"
                        "    return np.argsort(probabilities.max(axis=1))[::-1][:k]\n")
SMALLEST_PROBABILITY = ("def least_confident(probabilities, k):\n"
                        "    return np.argsort(probabilities.min(axis=1))[:k]\n")
GLOBAL_PROBABILITIES = ("def least_confident(probs, k):\n"  # the notebook's, not the argument
                        "    return np.argsort(probabilities.max(axis=1))[:k]\n")

# Task 4 mistakes: confident_accuracy ------------------------------------------------------

STRICTLY_ABOVE = ("def confident_accuracy(probabilities, labels, threshold):\n"
                  "    sure = probabilities.max(axis=1) > threshold\n"
                  "    right = probabilities.argmax(axis=1) == labels\n"
                  "    if not sure.any():\n"
                  "        return 0.0, float('nan')\n"
                  "    return float(sure.mean()), float(right[sure].mean())\n")
STRICTLY_ABOVE_UNGUARDED = ("def confident_accuracy(probabilities, labels, threshold):\n"
                            "    sure = probabilities.max(axis=1) > threshold\n"
                            "    right = probabilities.argmax(axis=1) == labels\n"
                            "    return float(sure.mean()), float(right[sure].mean())\n")
ACCURACY_OVER_ALL = ("def confident_accuracy(probabilities, labels, threshold):\n"
                     "    sure = probabilities.max(axis=1) >= threshold\n"
                     "    right = probabilities.argmax(axis=1) == labels\n"
                     "    if not sure.any():\n"
                     "        return 0.0, float('nan')\n"
                     "    return float(sure.mean()), float((right & sure).sum() /"
                     " len(labels))\n")
TRUE_CLASS_PROBABILITY = ("def confident_accuracy(probabilities, labels, threshold):\n"
                          "    n = len(labels)\n"
                          "    sure = probabilities[np.arange(n), labels] >= threshold\n"
                          "    right = probabilities.argmax(axis=1) == labels\n"
                          "    if not sure.any():\n"
                          "        return 0.0, float('nan')\n"
                          "    return float(sure.mean()), float(right[sure].mean())\n")
SWAPPED = ("def confident_accuracy(probabilities, labels, threshold):\n"
           "    sure = probabilities.max(axis=1) >= threshold\n"
           "    right = probabilities.argmax(axis=1) == labels\n"
           "    if not sure.any():\n"
           "        return float('nan'), 0.0\n"
           "    return float(right[sure].mean()), float(sure.mean())\n")
ZERO_NOT_NAN = ("def confident_accuracy(probabilities, labels, threshold):\n"
                "    sure = probabilities.max(axis=1) >= threshold\n"
                "    right = probabilities.argmax(axis=1) == labels\n"
                "    if not sure.any():\n"
                "        return 0.0, 0.0\n"
                "    return float(sure.mean()), float(right[sure].mean())\n")
DIVIDES_BY_ZERO = ("def confident_accuracy(probabilities, labels, threshold):\n"
                   "    picked = [i for i, row in enumerate(probabilities) if"
                   " max(row) >= threshold]\n"
                   "    right = sum(int(np.argmax(probabilities[i]) =="
                   " labels[i]) for i in picked)\n"
                   "    return len(picked) / len(labels), right / len(picked)\n")

STUDENTS = {
    "alternative": Student(answers=ALTERNATIVE),
    "numpy_styles": Student(answers=NUMPY_STYLES),
    "pure_python": Student(answers=PURE_PYTHON),
    # task 1 left as handed out, the rest solved: no later test may need it
    "skips_task_1": Student(
        answers={"confusion_counts": HANDED_OUT_CONFUSION_COUNTS},
        scores={"test_confusion_counts_format": 0, "test_confusion_counts_values": 0}),
    # the visible examples catch a transposed matrix and a reversed order; raw counts
    # instead of shares and ">" instead of ">=" (no nan guard) only the hidden tests catch
    "classic_mistakes": Student(
        answers={"confusion_counts": TRANSPOSED, "most_confused_pair": RAW_COUNTS,
                 "least_confident": MOST_CONFIDENT_FIRST,
                 "confident_accuracy": STRICTLY_ABOVE_UNGUARDED},
        scores={"test_confusion_counts_format": 0, "test_confusion_counts_values": 0,
                "test_most_confused_pair_values": 0,
                "test_least_confident_format": 0, "test_least_confident_values": 0,
                "test_confident_accuracy_values": 0}),
    # one mistake per task, each caught by the hidden tests only
    "mistakes_1": Student(
        answers={"confusion_counts": SIZE_FROM_LABELS, "most_confused_pair": RAW_COUNTS,
                 "least_confident": UNSORTED_ARGPARTITION,
                 "confident_accuracy": STRICTLY_ABOVE},
        scores={"test_confusion_counts_values": 0, "test_most_confused_pair_values": 0,
                "test_least_confident_values": 0, "test_confident_accuracy_values": 0}),
    "mistakes_2": Student(  # likewise
        answers={"confusion_counts": UNIQUE_RENUMBERS, "most_confused_pair": COLUMN_SHARES,
                 "least_confident": ENTROPY, "confident_accuracy": ACCURACY_OVER_ALL},
        scores={"test_confusion_counts_values": 0, "test_most_confused_pair_values": 0,
                "test_least_confident_values": 0, "test_confident_accuracy_values": 0}),
    "mistakes_3": Student(  # the visible example catches the transposed matrix too
        answers={"confusion_counts": TRANSPOSED, "most_confused_pair": ERROR_SHARES,
                 "least_confident": MARGIN, "confident_accuracy": TRUE_CLASS_PROBABILITY},
        scores={"test_confusion_counts_format": 0, "test_confusion_counts_values": 0,
                "test_most_confused_pair_values": 0, "test_least_confident_values": 0,
                "test_confident_accuracy_values": 0}),
    "mistakes_4": Student(  # the visible examples catch fancy indexing and the order too
        answers={"confusion_counts": FANCY_INDEX, "most_confused_pair": FLOOR_DIVISION,
                 "least_confident": MOST_CONFIDENT_FIRST, "confident_accuracy": SWAPPED},
        scores={"test_confusion_counts_format": 0, "test_confusion_counts_values": 0,
                "test_most_confused_pair_values": 0,
                "test_least_confident_format": 0, "test_least_confident_values": 0,
                "test_confident_accuracy_values": 0}),
    "mistakes_5": Student(  # the visible examples catch the first three too
        answers={"confusion_counts": FLOAT_COUNTS, "most_confused_pair": REVERSED_PAIR,
                 "least_confident": SMALLEST_PROBABILITY, "confident_accuracy": ZERO_NOT_NAN},
        scores={"test_confusion_counts_format": 0, "test_confusion_counts_values": 0,
                "test_most_confused_pair_format": 0, "test_most_confused_pair_values": 0,
                "test_least_confident_format": 0, "test_least_confident_values": 0,
                "test_confident_accuracy_values": 0}),
    # task 1 right; np.int64 pairs equal int pairs, so only the format test catches them
    "mistakes_6": Student(
        answers={"most_confused_pair": NUMPY_INTS, "least_confident": GLOBAL_PROBABILITIES,
                 "confident_accuracy": DIVIDES_BY_ZERO},
        scores={"test_most_confused_pair_format": 0,
                "test_least_confident_format": 0, "test_least_confident_values": 0,
                "test_confident_accuracy_values": 0}),
}

MAX_SCORE = 9
CELL_TIMEOUT = 60
MINUTES = 3
FEEDBACK = True
