"""ex05_experiments graded fairly: every correct variant earns full marks, every classic
mistake loses the value points (and keeps the format point where its format is right).

The students are written from the student notebook's statements only, then graded in one
real `nbgrader autograde` run; every graded cell's score is checked for every student.
A student holds at most one mistake per task, so each cell's score names its mistake.
"""

from exercise_tools import grade_class, solution_answers, submission
from students import ALTERNATIVE_EX05

A = "ex05_experiments"
TASKS = {"StopAtAccuracy": (1, 2), "choose_config": (1, 2)}  # (format, values) points
CELL_TASK = {"test_StopAtAccuracy_format": "StopAtAccuracy",
             "test_StopAtAccuracy_values": "StopAtAccuracy",
             "test_choose_config_format": "choose_config",
             "test_choose_config_values": "choose_config"}


def _callback(body, init="        super().__init__()\n        self.threshold = threshold\n"):
    return ("class StopAtAccuracy(keras.callbacks.Callback):\n"
            "    def __init__(self, threshold):\n" + init + "\n"
            "    def on_epoch_end(self, epoch, logs=None):\n" + body)


SWEEP = "table = run_sweep(CONFIGS, x_small, y_small, x_check, y_check)\n"
CHOICE = "\n\nchoice = cheapest_good(table, TARGET)\n"


def _choose(function, sweep=SWEEP):
    return sweep + "\n\n" + function + CHOICE


CORRECT_CALLBACKS = {
    "try_except": ("class StopAtAccuracy(keras.callbacks.Callback):\n"  # no super().__init__()
                   "    def __init__(self, threshold):\n"
                   "        self.target = threshold\n"
                   "\n"
                   "    def on_epoch_end(self, epoch, logs=None):\n"
                   "        try:\n"
                   "            accuracy = logs['accuracy']\n"
                   "        except (KeyError, TypeError):\n"
                   "            return\n"
                   "        if accuracy >= self.target:\n"
                   "            print(f'accuracy {accuracy:.3f} reached {self.target}: stopping')\n"
                   "            self.model.stop_training = True\n"),
    "assigns_bool": _callback(  # sets False below the threshold: training goes on
        "        if logs is None or 'accuracy' not in logs:\n"
        "            return\n"
        "        self.model.stop_training = bool(logs['accuracy'] >= self.threshold)\n",
        init="        super().__init__()\n        self.threshold = float(threshold)\n"),
    "numpy_nan": ("class StopAtAccuracy(keras.callbacks.Callback):\n"
                  "    def __init__(self, threshold, **kwargs):\n"
                  "        super().__init__(**kwargs)\n"
                  "        self.threshold = np.float64(threshold)\n"
                  "\n"
                  "    def on_epoch_end(self, epoch, logs=None):\n"
                  "        accuracy = (logs or {}).get('accuracy', np.nan)\n"
                  "        if np.greater_equal(accuracy, self.threshold):\n"
                  "            self.model.stop_training = True\n"),
}
RECORDS = ("def cheapest_good(table, target):\n"
           "    runs = [run for run in table.to_dict('records')\n"
           "            if run['test accuracy'] >= target]\n"
           "    best = min(runs, key=lambda run: run['training seconds'], default=None)\n"
           "    return None if best is None else best['label']\n")
CORRECT_CHOICES = {
    "loop": _choose("def cheapest_good(table, target):\n"
                    "    choice, best_time = None, float('inf')\n"
                    "    for _, run in table.iterrows():\n"
                    "        if (run['test accuracy'] >= target\n"
                    "                and run['training seconds'] < best_time):\n"
                    "            choice, best_time = run['label'], run['training seconds']\n"
                    "    return choice\n"),
    "sorted_table_in_place": (  # a reordered table with an extra column; sorts its argument
        "table = run_sweep(CONFIGS, x_small, y_small, x_check, y_check)"
        ".sort_values('training seconds')\n"
        "table['good enough'] = table['test accuracy'] >= TARGET\n"
        "\n\n"
        "def cheapest_good(table, target):\n"
        "    table.sort_values('training seconds', inplace=True)\n"
        "    for _, run in table.iterrows():\n"
        "        if run['test accuracy'] >= target:\n"
        "            return run['label']\n"
        "    return None\n" + CHOICE + "print(table)\n"),
    "idxmin_few_columns": _choose(
        "def cheapest_good(table, target):\n"
        "    good = table[table['test accuracy'] >= target]\n"
        "    if len(good) == 0:\n"
        "        return None\n"
        "    return good.loc[good['training seconds'].idxmin(), 'label']\n",
        sweep="table = run_sweep(CONFIGS, x_small, y_small, x_check, y_check)"
              "[['label', 'test accuracy', 'training seconds']]\n"),
    "numpy_concat": _choose(  # one sweep per configuration: the index is 0, 0
        "def cheapest_good(table, target):\n"
        "    accuracy = table['test accuracy'].to_numpy()\n"
        "    seconds = table['training seconds'].to_numpy()\n"
        "    labels = table['label'].to_numpy()\n"
        "    good = np.flatnonzero(accuracy >= target)\n"
        "    if good.size == 0:\n"
        "        return None\n"
        "    return str(labels[good[np.argmin(seconds[good])]])\n",
        sweep="import pandas as pd\n\n"
              "table = pd.concat([run_sweep([config], x_small, y_small, x_check, y_check,\n"
              "                             log=lambda *args: None) for config in CONFIGS])\n"),
    "records": _choose(RECORDS),
}

_GOOD = "    good = table[table['test accuracy'] >= target]\n"
MISTAKES = {  # task -> mistake -> (answer, fails the visible test too)
    "StopAtAccuracy": {
        "strictly_above": (_callback(
            "        if (logs or {}).get('accuracy', -1.0) > self.threshold:\n"
            "            self.model.stop_training = True\n"), False),
        "unguarded_logs": (_callback(
            "        if logs['accuracy'] >= self.threshold:\n"
            "            self.model.stop_training = True\n"), False),
        "crashes_on_none": (_callback(
            "        if logs.get('accuracy', 0) >= self.threshold:\n"
            "            self.model.stop_training = True\n"), False),
        "missing_means_reached": (_callback(
            "        if (logs or {}).get('accuracy', 1.0) >= self.threshold:\n"
            "            self.model.stop_training = True\n"), False),
        "fixed_threshold": (_callback(
            "        if (logs or {}).get('accuracy', 0) >= 0.9:\n"
            "            self.model.stop_training = True\n"), False),
        "rounds_accuracy": (_callback(
            "        if round((logs or {}).get('accuracy', 0), 2) >= self.threshold:\n"
            "            self.model.stop_training = True\n"), False),
        "val_accuracy": (_callback(
            "        if (logs or {}).get('val_accuracy', 0) >= self.threshold:\n"
            "            self.model.stop_training = True\n"), True),
        "batch_end": (("class StopAtAccuracy(keras.callbacks.Callback):\n"
                       "    def __init__(self, threshold):\n"
                       "        super().__init__()\n"
                       "        self.threshold = threshold\n"
                       "\n"
                       "    def on_train_batch_end(self, batch, logs=None):\n"
                       "        if (logs or {}).get('accuracy', 0) >= self.threshold:\n"
                       "            self.model.stop_training = True\n"), True),
    },
    "choose_config": {
        "strictly_above": (_choose(
            "def cheapest_good(table, target):\n"
            "    good = table[table['test accuracy'] > target]\n"
            "    if good.empty:\n"
            "        return None\n"
            "    return good.sort_values('training seconds')['label'].iloc[0]\n"), False),
        "ignores_target": (_choose(
            "def cheapest_good(table, target):\n"
            "    return table.sort_values('training seconds')['label'].iloc[0]\n"), True),
        "most_accurate": (_choose(
            "def cheapest_good(table, target):\n" + _GOOD +
            "    if good.empty:\n"
            "        return None\n"
            "    return good.sort_values('test accuracy')['label'].iloc[-1]\n"), True),
        "train_accuracy": (_choose(
            "def cheapest_good(table, target):\n"
            "    good = table[table['train accuracy'] >= target]\n"
            "    if good.empty:\n"
            "        return None\n"
            "    return good.sort_values('training seconds')['label'].iloc[0]\n"), True),
        "seconds_per_epoch": (_choose(
            "def cheapest_good(table, target):\n" + _GOOD +
            "    if good.empty:\n"
            "        return None\n"
            "    return good.sort_values('seconds per epoch')['label'].iloc[0]\n"), True),
        "global_target": (_choose(
            "def cheapest_good(table, target):\n"
            "    good = table[table['test accuracy'] >= TARGET]\n"
            "    if good.empty:\n"
            "        return None\n"
            "    return good.sort_values('training seconds')['label'].iloc[0]\n"), True),
        "no_none": (_choose(
            "def cheapest_good(table, target):\n" + _GOOD +
            "    return good.sort_values('training seconds')['label'].iloc[0]\n"), False),
        "argmin_as_label": (_choose(
            "def cheapest_good(table, target):\n" + _GOOD +
            "    if good.empty:\n"
            "        return None\n"
            "    return good.loc[good['training seconds'].argmin(), 'label']\n"), False),
        "typed_label": (_choose(
            "def cheapest_good(table, target):\n"
            "    return '1×Conv(8)'\n"), True),
        "evaluated_on_training_data": (_choose(
            RECORDS, sweep="table = run_sweep(CONFIGS, x_small, y_small, "
                           "x_small[:2000], y_small[:2000])\n"),
            False),
        "typed_table": (_choose(
            "def cheapest_good(table, target):\n" + _GOOD +
            "    if good.empty:\n"
            "        return None\n"
            "    return good.sort_values('training seconds')['label'].iloc[0]\n",
            sweep="import pandas as pd\n\n"
                  "table = pd.DataFrame({'label': ['1×Conv(8)', '2×Conv(16)'],\n"
                  "                      'test accuracy': [0.74, 0.79],\n"
                  "                      'training seconds': [1.5, 2.5]})\n"), False),
        "returns_the_row": (_choose(
            "def cheapest_good(table, target):\n" + _GOOD +
            "    if good.empty:\n"
            "        return None\n"
            "    return good.sort_values('training seconds').iloc[0]\n"), True),
        # The statement: "Do not type the label in: compute it from the table". The right
        # label on this machine, typed in after running a correct cheapest_good.
        "typed_choice": ("table = run_sweep(CONFIGS, x_small, y_small, x_check, y_check)\n"
                         "\n\n" + RECORDS + "\n\nprint(cheapest_good(table, TARGET))\n"
                         "choice = '1×Conv(8)'\n", False),
        # The fewest seconds among the good runs, then looked up by that time in the whole
        # table: a run below the target that took exactly as long may come first.
        "time_looked_up": (_choose(
            "def cheapest_good(table, target):\n" + _GOOD +
            "    if good.empty:\n"
            "        return None\n"
            "    fastest = good['training seconds'].min()\n"
            "    return table[table['training seconds'] == fastest]['label'].iloc[0]\n"),
            False),
    },
}
# student -> {task: mistake or ("ok", correct variant)}; a correct variant of the other task
# rides along, so each student also checks one more correct answer.
STUDENTS = {
    "strictly_above": {"StopAtAccuracy": "strictly_above", "choose_config": "strictly_above"},
    "unguarded_logs": {"StopAtAccuracy": "unguarded_logs", "choose_config": "ignores_target"},
    "crashes_on_none": {"StopAtAccuracy": "crashes_on_none", "choose_config": "most_accurate"},
    "missing_means_reached": {"StopAtAccuracy": "missing_means_reached",
                              "choose_config": "train_accuracy"},
    "fixed_threshold": {"StopAtAccuracy": "fixed_threshold",
                        "choose_config": "seconds_per_epoch"},
    "rounds_accuracy": {"StopAtAccuracy": "rounds_accuracy", "choose_config": "global_target"},
    "val_accuracy": {"StopAtAccuracy": "val_accuracy", "choose_config": "no_none"},
    "batch_end": {"StopAtAccuracy": "batch_end", "choose_config": "argmin_as_label"},
    "typed_label": {"StopAtAccuracy": ("ok", "try_except"), "choose_config": "typed_label"},
    "training_data": {"StopAtAccuracy": ("ok", "assigns_bool"),
                      "choose_config": "evaluated_on_training_data"},
    "typed_table": {"StopAtAccuracy": ("ok", "numpy_nan"), "choose_config": "typed_table"},
    "returns_the_row": {"choose_config": "returns_the_row"},
    "typed_choice": {"StopAtAccuracy": ("ok", "assigns_bool"), "choose_config": "typed_choice"},
    "time_looked_up": {"StopAtAccuracy": ("ok", "numpy_nan"),
                       "choose_config": "time_looked_up"},
}
CORRECT_STUDENTS = {  # student -> (callback variant or None for the reference, choice variant)
    "ok_try_except_sorted": ("try_except", "sorted_table_in_place"),
    "ok_bool_idxmin": ("assigns_bool", "idxmin_few_columns"),
    "ok_numpy_concat": ("numpy_nan", "numpy_concat"),
}


def _grade(tmp_path, students):
    """All students in one real `nbgrader autograde` run; their per-cell scores."""
    _, scores, max_score = grade_class(tmp_path, A, students, timeout=1800)
    return scores, max_score


def test_ex05_fairness(tmp_path):
    solution = solution_answers(A)
    full = {}
    for task, (fmt, values) in TASKS.items():
        full[f"test_{task}_format"], full[f"test_{task}_values"] = fmt, values
    students = {
        "solution": submission(A, solution),
        "blank": submission(A),
        "alternative": submission(A, {**solution, **ALTERNATIVE_EX05,
                                      "choose_config": CORRECT_CHOICES["loop"]}),
        # Skips task 1 (left as handed out) and solves task 2: its tests stand alone.
        "skips_task_1": submission(A, {"choose_config": CORRECT_CHOICES["records"]}),
    }
    expected = {"solution": dict(full), "alternative": dict(full),
                "blank": {cell: 0 for cell in full},
                "skips_task_1": {**full, "test_StopAtAccuracy_format": 0,
                                 "test_StopAtAccuracy_values": 0}}
    for name, (callback, choice) in CORRECT_STUDENTS.items():
        students[name] = submission(A, {**solution, "StopAtAccuracy": CORRECT_CALLBACKS[callback],
                                        "choose_config": CORRECT_CHOICES[choice]})
        expected[name] = dict(full)
    for name, tasks in STUDENTS.items():
        answers, expected[name] = dict(solution), dict(full)
        for task, mistake in tasks.items():
            if isinstance(mistake, tuple):  # a correct variant
                answers[task] = CORRECT_CALLBACKS[mistake[1]]
                continue
            answers[task], fails_format = MISTAKES[task][mistake]
            expected[name][f"test_{task}_values"] = 0
            if fails_format:
                expected[name][f"test_{task}_format"] = 0
        students[name] = submission(A, answers)

    scores, max_score = _grade(tmp_path, students)

    assert max_score == 6, f"ex05's autograded points changed: {max_score}"
    for student, cells in expected.items():
        for cell, points in cells.items():
            what = STUDENTS.get(student, {}).get(CELL_TASK[cell], "correct")
            assert scores[student][cell] == points, (
                f"{student} ({what} in {CELL_TASK[cell]}): {cell} scored "
                f"{scores[student][cell]}, expected {points}")
