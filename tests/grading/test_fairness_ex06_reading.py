"""ex06_reading graded fairly: every correct variant earns full marks, every classic mistake
loses the value points (and keeps the format point where its format is right).

The students are written from the student notebook's statements only, then graded in one
real `nbgrader autograde` run; every graded cell's score is checked for every student.
A student holds at most one mistake per task, so each cell's score names its mistake.
"""

from exercise_tools import grade_class, solution_answers, submission
from students import ALTERNATIVE_EX06

A = "ex06_reading"
TASKS = {"confusion_counts": (1, 2), "most_confused_pair": (1, 1),
         "least_confident": (1, 1), "confident_accuracy": (1, 1)}  # (format, values) points
BLANK = "def {}(*args, **kwargs):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"

CORRECT = {
    "numpy_styles": {  # histogram2d, divmod, argpartition then sorted, float32, prints
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
    },
    "pure_python": {  # lists and loops; least_confident returns a list of ints
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
    },
}

MISTAKES = {  # task -> mistake -> answer
    "confusion_counts": {
        "size_from_labels": "def confusion_counts(y_true, y_pred, num_classes=10):\n"
                            "    n = int(max(np.max(y_true), np.max(y_pred))) + 1\n"
                            "    counts = np.zeros((n, n), dtype=int)\n"
                            "    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)\n"
                            "    return counts\n",
        "unique_renumbers": "def confusion_counts(y_true, y_pred, num_classes=10):\n"
                            "    classes = np.unique(np.concatenate([y_true, y_pred]))\n"
                            "    index = {c: i for i, c in enumerate(classes)}\n"
                            "    counts = np.zeros((num_classes, num_classes), dtype=int)\n"
                            "    for t, p in zip(y_true, y_pred):\n"
                            "        counts[index[t], index[p]] += 1\n"
                            "    return counts\n",
        "transposed": "def confusion_counts(y_true, y_pred, num_classes=10):\n"
                      "    counts = np.zeros((num_classes, num_classes), dtype=int)\n"
                      "    np.add.at(counts, (np.asarray(y_pred), np.asarray(y_true)), 1)\n"
                      "    return counts\n",
        "fancy_index": "def confusion_counts(y_true, y_pred, num_classes=10):\n"
                       "    counts = np.zeros((num_classes, num_classes), dtype=int)\n"
                       "    counts[np.asarray(y_true), np.asarray(y_pred)] += 1\n"
                       "    return counts\n",
        "float_counts": "def confusion_counts(y_true, y_pred, num_classes=10):\n"
                        "    counts = np.zeros((num_classes, num_classes))\n"
                        "    np.add.at(counts, (np.asarray(y_true), np.asarray(y_pred)), 1)\n"
                        "    return counts\n",
    },
    "most_confused_pair": {
        "raw_counts": "def most_confused_pair(counts):\n"
                      "    off = np.array(counts) * (1 - np.eye(len(counts), dtype=int))\n"
                      "    t, p = np.unravel_index(off.argmax(), off.shape)\n"
                      "    return int(t), int(p)\n",
        "column_shares": "def most_confused_pair(counts):\n"
                         "    shares = counts / counts.sum(axis=0, keepdims=True)\n"
                         "    np.fill_diagonal(shares, -1)\n"
                         "    t, p = np.unravel_index(shares.argmax(), shares.shape)\n"
                         "    return int(t), int(p)\n",
        "error_shares": "def most_confused_pair(counts):\n"
                        "    errors = np.array(counts, dtype=float)\n"
                        "    np.fill_diagonal(errors, 0)\n"
                        "    shares = errors / errors.sum(axis=1, keepdims=True)\n"
                        "    t, p = np.unravel_index(shares.argmax(), shares.shape)\n"
                        "    return int(t), int(p)\n",
        "floor_division": "def most_confused_pair(counts):\n"
                          "    shares = counts // counts.sum(axis=1, keepdims=True)\n"
                          "    np.fill_diagonal(shares, -1)\n"
                          "    t, p = np.unravel_index(shares.argmax(), shares.shape)\n"
                          "    return int(t), int(p)\n",
        "reversed": "def most_confused_pair(counts):\n"
                    "    shares = counts / counts.sum(axis=1, keepdims=True)\n"
                    "    np.fill_diagonal(shares, -1)\n"
                    "    t, p = np.unravel_index(shares.argmax(), shares.shape)\n"
                    "    return int(p), int(t)\n",
        "numpy_ints": "def most_confused_pair(counts):\n"
                      "    shares = counts / counts.sum(axis=1, keepdims=True)\n"
                      "    np.fill_diagonal(shares, -1)\n"
                      "    return tuple(np.unravel_index(shares.argmax(), shares.shape))\n",
    },
    "least_confident": {
        "unsorted_argpartition": "def least_confident(probabilities, k):\n"
                                 "    return np.argpartition(probabilities.max(axis=1), k -"
                                 " 1)[:k]\n",
        "entropy": "def least_confident(probabilities, k):\n"
                   "    entropy = -(probabilities * np.log(probabilities)).sum(axis=1)\n"
                   "    return np.argsort(-entropy)[:k]\n",
        "margin": "def least_confident(probabilities, k):\n"
                  "    top = np.sort(probabilities, axis=1)\n"
                  "    return np.argsort(top[:, -1] - top[:, -2])[:k]\n",
        "most_confident_first": "def least_confident(probabilities, k):\n"
                                "    return np.argsort(probabilities.max(axis=1))[::-1][:k]\n",
        "smallest_probability": "def least_confident(probabilities, k):\n"
                                "    return np.argsort(probabilities.min(axis=1))[:k]\n",
        "global_probabilities": "def least_confident(probs, k):\n"
                                "    return np.argsort(probabilities.max(axis=1))[:k]\n",
    },
    "confident_accuracy": {
        "strictly_above": "def confident_accuracy(probabilities, labels, threshold):\n"
                          "    sure = probabilities.max(axis=1) > threshold\n"
                          "    right = probabilities.argmax(axis=1) == labels\n"
                          "    if not sure.any():\n"
                          "        return 0.0, float('nan')\n"
                          "    return float(sure.mean()), float(right[sure].mean())\n",
        "accuracy_over_all": "def confident_accuracy(probabilities, labels, threshold):\n"
                             "    sure = probabilities.max(axis=1) >= threshold\n"
                             "    right = probabilities.argmax(axis=1) == labels\n"
                             "    if not sure.any():\n"
                             "        return 0.0, float('nan')\n"
                             "    return float(sure.mean()), float((right & sure).sum() /"
                             " len(labels))\n",
        "true_class_probability": "def confident_accuracy(probabilities, labels, threshold):\n"
                                  "    n = len(labels)\n"
                                  "    sure = probabilities[np.arange(n), labels] >= threshold\n"
                                  "    right = probabilities.argmax(axis=1) == labels\n"
                                  "    if not sure.any():\n"
                                  "        return 0.0, float('nan')\n"
                                  "    return float(sure.mean()), float(right[sure].mean())\n",
        "swapped": "def confident_accuracy(probabilities, labels, threshold):\n"
                   "    sure = probabilities.max(axis=1) >= threshold\n"
                   "    right = probabilities.argmax(axis=1) == labels\n"
                   "    if not sure.any():\n"
                   "        return float('nan'), 0.0\n"
                   "    return float(right[sure].mean()), float(sure.mean())\n",
        "zero_not_nan": "def confident_accuracy(probabilities, labels, threshold):\n"
                        "    sure = probabilities.max(axis=1) >= threshold\n"
                        "    right = probabilities.argmax(axis=1) == labels\n"
                        "    if not sure.any():\n"
                        "        return 0.0, 0.0\n"
                        "    return float(sure.mean()), float(right[sure].mean())\n",
        "divides_by_zero": "def confident_accuracy(probabilities, labels, threshold):\n"
                           "    picked = [i for i, row in enumerate(probabilities) if"
                           " max(row) >= threshold]\n"
                           "    right = sum(int(np.argmax(probabilities[i]) =="
                           " labels[i]) for i in picked)\n"
                           "    return len(picked) / len(labels), right / len(picked)\n",
    },
}
# Which format cells each mistake fails too (the visible tests already catch it).
FAILS_FORMAT = {"transposed", "fancy_index", "float_counts", "reversed", "numpy_ints",
                "most_confident_first", "smallest_probability", "global_probabilities"}
# Which value cells a mistake does not lose: np.int64 pairs compare equal to int pairs,
# so only the format test ("return Python ints") catches numpy_ints.
KEEPS_VALUES = {"numpy_ints"}
STUDENTS_WITH_MISTAKES = {  # student -> {task: mistake}; one mistake per task at most
    "mistakes_1": {"confusion_counts": "size_from_labels", "most_confused_pair": "raw_counts",
                   "least_confident": "unsorted_argpartition",
                   "confident_accuracy": "strictly_above"},
    "mistakes_2": {"confusion_counts": "unique_renumbers", "most_confused_pair": "column_shares",
                   "least_confident": "entropy", "confident_accuracy": "accuracy_over_all"},
    "mistakes_3": {"confusion_counts": "transposed", "most_confused_pair": "error_shares",
                   "least_confident": "margin", "confident_accuracy": "true_class_probability"},
    "mistakes_4": {"confusion_counts": "fancy_index", "most_confused_pair": "floor_division",
                   "least_confident": "most_confident_first", "confident_accuracy": "swapped"},
    "mistakes_5": {"confusion_counts": "float_counts", "most_confused_pair": "reversed",
                   "least_confident": "smallest_probability",
                   "confident_accuracy": "zero_not_nan"},
    "mistakes_6": {"most_confused_pair": "numpy_ints", "least_confident": "global_probabilities",
                   "confident_accuracy": "divides_by_zero"},
}


def _grade(tmp_path, students):
    """All students in one real `nbgrader autograde` run; their per-cell scores."""
    _, scores, max_score = grade_class(tmp_path, A, students, timeout=1200)
    return scores, max_score


def test_ex06_fairness(tmp_path):
    solution = solution_answers(A)
    expected = {}  # student -> {cell: score}
    full = {}
    for task, (fmt, values) in TASKS.items():
        full[f"test_{task}_format"], full[f"test_{task}_values"] = fmt, values
    students = {"solution": submission(A, solution), "blank": submission(A),
                "alternative": submission(A, {**solution, **ALTERNATIVE_EX06})}
    expected["solution"] = expected["alternative"] = dict(full)
    expected["blank"] = {cell: 0 for cell in full}
    for name, answers in CORRECT.items():
        students[name] = submission(A, {**solution, **answers})
        expected[name] = dict(full)
    # Skips task 1 (left as handed out) and solves the rest: no later test may need it.
    students["skips_task_1"] = submission(
        A, {k: v for k, v in solution.items() if k != "confusion_counts"})
    expected["skips_task_1"] = {**full, "test_confusion_counts_format": 0,
                                "test_confusion_counts_values": 0}
    for name, mistakes in STUDENTS_WITH_MISTAKES.items():
        answers = {**solution, **{task: MISTAKES[task][m] for task, m in mistakes.items()}}
        students[name] = submission(A, answers)
        expected[name] = dict(full)
        for task, mistake in mistakes.items():
            if mistake in FAILS_FORMAT:
                expected[name][f"test_{task}_format"] = 0
            if mistake not in KEEPS_VALUES:
                expected[name][f"test_{task}_values"] = 0

    scores, max_score = _grade(tmp_path, students)

    assert max_score == 9, f"ex06's autograded points changed: {max_score}"
    for student, cells in expected.items():
        labels = STUDENTS_WITH_MISTAKES.get(student, {})
        for cell, points in cells.items():
            task = cell.removeprefix("test_").rsplit("_", 1)[0]
            assert scores[student][cell] == points, (
                f"{student} ({labels.get(task, 'correct')} in {task}): {cell} scored "
                f"{scores[student][cell]}, expected {points}")
