"""ex05_experiments: correct variants of both tasks (no super().__init__(), try/except,
a bool assigned every epoch, numpy; loops, idxmin, records, a re-sorted or concatenated
table) earn full marks, a student who skips task 1 still earns task 2's points, and every
classic mistake (">" for ">=", unguarded logs, the wrong accuracy, a fixed threshold, the
wrong hook; the target ignored, the wrong column, a typed label, table or choice, no None)
loses the value points, and the format point too where the visible test catches it. A
student holds at most one mistake per task, so each cell's score names its mistake.
"""

from cases import Student

MAX_SCORE = 6
CELL_TIMEOUT = 60
MINUTES = 14
FEEDBACK = False


def _callback(body, init="        super().__init__()\n        self.threshold = threshold\n"):
    """A StopAtAccuracy with this __init__ body and this on_epoch_end body."""
    return ("class StopAtAccuracy(keras.callbacks.Callback):\n"
            "    def __init__(self, threshold):\n" + init + "\n"
            "    def on_epoch_end(self, epoch, logs=None):\n" + body)


SWEEP = "table = run_sweep(CONFIGS, x_small, y_small, x_check, y_check)\n"
CHOICE = "\n\nchoice = cheapest_good(table, TARGET)\n"


def _choose(function, sweep=SWEEP):
    """The choose_config cell: the sweep, cheapest_good, and the choice it makes."""
    return sweep + "\n\n" + function + CHOICE


_GOOD = "    good = table[table['test accuracy'] >= target]\n"
RECORDS = ("def cheapest_good(table, target):\n"
           "    runs = [run for run in table.to_dict('records')\n"
           "            if run['test accuracy'] >= target]\n"
           "    best = min(runs, key=lambda run: run['training seconds'], default=None)\n"
           "    return None if best is None else best['label']\n")

# Task 1, StopAtAccuracy: correct variants ---------------------------------------------
STOP_ALTERNATIVE = _callback(
    "        if logs and 'accuracy' in logs and logs['accuracy'] >= self.target:\n"
    "            print(f'stopping after epoch {epoch + 1}')\n"
    "            self.model.stop_training = True\n",
    init="        super().__init__()\n        self.target = float(threshold)\n")
STOP_TRY_EXCEPT = ("class StopAtAccuracy(keras.callbacks.Callback):\n"  # no super().__init__()
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
                   "            self.model.stop_training = True\n")
STOP_ASSIGNS_BOOL = _callback(  # sets False below the threshold: training goes on
    "        if logs is None or 'accuracy' not in logs:\n"
    "            return\n"
    "        self.model.stop_training = bool(logs['accuracy'] >= self.threshold)\n",
    init="        super().__init__()\n        self.threshold = float(threshold)\n")
STOP_NUMPY_NAN = ("class StopAtAccuracy(keras.callbacks.Callback):\n"
                  "    def __init__(self, threshold, **kwargs):\n"
                  "        super().__init__(**kwargs)\n"
                  "        self.threshold = np.float64(threshold)\n"
                  "\n"
                  "    def on_epoch_end(self, epoch, logs=None):\n"
                  "        accuracy = (logs or {}).get('accuracy', np.nan)\n"
                  "        if np.greater_equal(accuracy, self.threshold):\n"
                  "            self.model.stop_training = True\n")

# Task 1, StopAtAccuracy: mistakes (those marked "visible" fail the format test too) -----
STOP_STRICT_UNGUARDED = _callback(  # ">" and logs["accuracy"] unguarded, both at once
    "        if logs['accuracy'] > self.threshold:\n"
    "            self.model.stop_training = True\n")
STOP_STRICTLY_ABOVE = _callback(
    "        if (logs or {}).get('accuracy', -1.0) > self.threshold:\n"
    "            self.model.stop_training = True\n")
STOP_UNGUARDED_LOGS = _callback(
    "        if logs['accuracy'] >= self.threshold:\n"
    "            self.model.stop_training = True\n")
STOP_CRASHES_ON_NONE = _callback(
    "        if logs.get('accuracy', 0) >= self.threshold:\n"
    "            self.model.stop_training = True\n")
STOP_MISSING_MEANS_REACHED = _callback(
    "        if (logs or {}).get('accuracy', 1.0) >= self.threshold:\n"
    "            self.model.stop_training = True\n")
STOP_FIXED_THRESHOLD = _callback(
    "        if (logs or {}).get('accuracy', 0) >= 0.9:\n"
    "            self.model.stop_training = True\n")
STOP_ROUNDS_ACCURACY = _callback(
    "        if round((logs or {}).get('accuracy', 0), 2) >= self.threshold:\n"
    "            self.model.stop_training = True\n")
STOP_VAL_ACCURACY = _callback(  # visible
    "        if (logs or {}).get('val_accuracy', 0) >= self.threshold:\n"
    "            self.model.stop_training = True\n")
STOP_BATCH_END = ("class StopAtAccuracy(keras.callbacks.Callback):\n"  # visible
                  "    def __init__(self, threshold):\n"
                  "        super().__init__()\n"
                  "        self.threshold = threshold\n"
                  "\n"
                  "    def on_train_batch_end(self, batch, logs=None):\n"
                  "        if (logs or {}).get('accuracy', 0) >= self.threshold:\n"
                  "            self.model.stop_training = True\n")

# Task 2, choose_config: correct variants ----------------------------------------------
CHOOSE_ALTERNATIVE = _choose(
    "def cheapest_good(table, target):\n"
    "    choice, best_time = None, float('inf')\n"
    "    for _, run in table.iterrows():\n"
    "        if run['test accuracy'] >= target and run['training seconds'] < best_time:\n"
    "            choice, best_time = run['label'], run['training seconds']\n"
    "    return choice\n")
CHOOSE_ALTERNATIVE_WRAPPED = _choose(  # the same, its `if` over two lines
    "def cheapest_good(table, target):\n"
    "    choice, best_time = None, float('inf')\n"
    "    for _, run in table.iterrows():\n"
    "        if (run['test accuracy'] >= target\n"
    "                and run['training seconds'] < best_time):\n"
    "            choice, best_time = run['label'], run['training seconds']\n"
    "    return choice\n")
CHOOSE_SORTED_TABLE_IN_PLACE = (  # a reordered table with an extra column; sorts its argument
    "table = run_sweep(CONFIGS, x_small, y_small, x_check, y_check)"
    ".sort_values('training seconds')\n"
    "table['good enough'] = table['test accuracy'] >= TARGET\n"
    "\n\n"
    "def cheapest_good(table, target):\n"
    "    table.sort_values('training seconds', inplace=True)\n"
    "    for _, run in table.iterrows():\n"
    "        if run['test accuracy'] >= target:\n"
    "            return run['label']\n"
    "    return None\n" + CHOICE + "print(table)\n")
CHOOSE_IDXMIN_FEW_COLUMNS = _choose(
    "def cheapest_good(table, target):\n"
    "    good = table[table['test accuracy'] >= target]\n"
    "    if len(good) == 0:\n"
    "        return None\n"
    "    return good.loc[good['training seconds'].idxmin(), 'label']\n",
    sweep="table = run_sweep(CONFIGS, x_small, y_small, x_check, y_check)"
          "[['label', 'test accuracy', 'training seconds']]\n")
CHOOSE_NUMPY_CONCAT = _choose(  # one sweep per configuration: the index is 0, 0
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
          "                             log=lambda *args: None) for config in CONFIGS])\n")
CHOOSE_RECORDS = _choose(RECORDS)

# Task 2, choose_config: mistakes (those marked "visible" fail the format test too) ------
CHOOSE_STRICT = _choose(  # ">" instead of ">="
    "def cheapest_good(table, target):\n"
    "    good = table[table['test accuracy'] > target]\n"
    "    return None if good.empty else good.sort_values('training seconds')['label'].iloc[0]\n")
CHOOSE_STRICTLY_ABOVE = _choose(  # ">" instead of ">=", written otherwise
    "def cheapest_good(table, target):\n"
    "    good = table[table['test accuracy'] > target]\n"
    "    if good.empty:\n"
    "        return None\n"
    "    return good.sort_values('training seconds')['label'].iloc[0]\n")
CHOOSE_IGNORES_TARGET = _choose(  # visible
    "def cheapest_good(table, target):\n"
    "    return table.sort_values('training seconds')['label'].iloc[0]\n")
CHOOSE_MOST_ACCURATE = _choose(  # visible
    "def cheapest_good(table, target):\n" + _GOOD +
    "    if good.empty:\n"
    "        return None\n"
    "    return good.sort_values('test accuracy')['label'].iloc[-1]\n")
CHOOSE_TRAIN_ACCURACY = _choose(  # visible
    "def cheapest_good(table, target):\n"
    "    good = table[table['train accuracy'] >= target]\n"
    "    if good.empty:\n"
    "        return None\n"
    "    return good.sort_values('training seconds')['label'].iloc[0]\n")
CHOOSE_SECONDS_PER_EPOCH = _choose(  # visible
    "def cheapest_good(table, target):\n" + _GOOD +
    "    if good.empty:\n"
    "        return None\n"
    "    return good.sort_values('seconds per epoch')['label'].iloc[0]\n")
CHOOSE_GLOBAL_TARGET = _choose(  # visible: TARGET, not its argument
    "def cheapest_good(table, target):\n"
    "    good = table[table['test accuracy'] >= TARGET]\n"
    "    if good.empty:\n"
    "        return None\n"
    "    return good.sort_values('training seconds')['label'].iloc[0]\n")
CHOOSE_NO_NONE = _choose(
    "def cheapest_good(table, target):\n" + _GOOD +
    "    return good.sort_values('training seconds')['label'].iloc[0]\n")
CHOOSE_ARGMIN_AS_LABEL = _choose(
    "def cheapest_good(table, target):\n" + _GOOD +
    "    if good.empty:\n"
    "        return None\n"
    "    return good.loc[good['training seconds'].argmin(), 'label']\n")
CHOOSE_TYPED_LABEL = _choose(  # visible
    "def cheapest_good(table, target):\n"
    "    return '1×Conv(8)'\n")
CHOOSE_ON_TRAINING_DATA = _choose(  # the sweep evaluated on training images
    RECORDS, sweep="table = run_sweep(CONFIGS, x_small, y_small, "
                   "x_small[:2000], y_small[:2000])\n")
CHOOSE_TYPED_TABLE = _choose(
    "def cheapest_good(table, target):\n" + _GOOD +
    "    if good.empty:\n"
    "        return None\n"
    "    return good.sort_values('training seconds')['label'].iloc[0]\n",
    sweep="import pandas as pd\n\n"
          "table = pd.DataFrame({'label': ['1×Conv(8)', '2×Conv(16)'],\n"
          "                      'test accuracy': [0.74, 0.79],\n"
          "                      'training seconds': [1.5, 2.5]})\n")
CHOOSE_RETURNS_THE_ROW = _choose(  # visible
    "def cheapest_good(table, target):\n" + _GOOD +
    "    if good.empty:\n"
    "        return None\n"
    "    return good.sort_values('training seconds').iloc[0]\n")
# The statement: "Do not type the label in: compute it from the table". The right label on
# this machine, typed in after running a correct cheapest_good.
CHOOSE_TYPED_CHOICE = (SWEEP + "\n\n" + RECORDS + "\n\nprint(cheapest_good(table, TARGET))\n"
                       "choice = '1×Conv(8)'\n")
# The fewest seconds among the good runs, then looked up by that time in the whole table:
# a run below the target that took exactly as long may come first.
CHOOSE_TIME_LOOKED_UP = _choose(
    "def cheapest_good(table, target):\n" + _GOOD +
    "    if good.empty:\n"
    "        return None\n"
    "    fastest = good['training seconds'].min()\n"
    "    return table[table['training seconds'] == fastest]['label'].iloc[0]\n")


STUDENTS = {
    # correct answers: full marks
    "alternative": Student(answers={"StopAtAccuracy": STOP_ALTERNATIVE,
                                    "choose_config": CHOOSE_ALTERNATIVE}),
    "alternative_wrapped": Student(answers={"StopAtAccuracy": STOP_ALTERNATIVE,
                                            "choose_config": CHOOSE_ALTERNATIVE_WRAPPED}),
    "ok_try_except_sorted": Student(answers={"StopAtAccuracy": STOP_TRY_EXCEPT,
                                             "choose_config": CHOOSE_SORTED_TABLE_IN_PLACE}),
    "ok_bool_idxmin": Student(answers={"StopAtAccuracy": STOP_ASSIGNS_BOOL,
                                       "choose_config": CHOOSE_IDXMIN_FEW_COLUMNS}),
    "ok_numpy_concat": Student(answers={"StopAtAccuracy": STOP_NUMPY_NAN,
                                        "choose_config": CHOOSE_NUMPY_CONCAT}),
    # task 1 (and the written answer) left as handed out, task 2 solved: its tests stand alone
    "skips_task_1": Student(
        answers={"choose_config": CHOOSE_RECORDS}, over="handout",
        scores={"test_StopAtAccuracy_format": 0, "test_StopAtAccuracy_values": 0}),
    # a mistake in each task, both caught by the hidden tests only
    "strict_unguarded": Student(  # ">" and unguarded logs; ">" in cheapest_good
        answers={"StopAtAccuracy": STOP_STRICT_UNGUARDED, "choose_config": CHOOSE_STRICT},
        scores={"test_StopAtAccuracy_values": 0, "test_choose_config_values": 0}),
    "strictly_above": Student(  # ">" instead of ">=" in both tasks
        answers={"StopAtAccuracy": STOP_STRICTLY_ABOVE, "choose_config": CHOOSE_STRICTLY_ABOVE},
        scores={"test_StopAtAccuracy_values": 0, "test_choose_config_values": 0}),
    "unguarded_logs": Student(  # and cheapest_good ignores the target
        answers={"StopAtAccuracy": STOP_UNGUARDED_LOGS, "choose_config": CHOOSE_IGNORES_TARGET},
        scores={"test_StopAtAccuracy_values": 0,
                "test_choose_config_format": 0, "test_choose_config_values": 0}),
    "crashes_on_none": Student(  # logs.get on logs=None; and picks the most accurate run
        answers={"StopAtAccuracy": STOP_CRASHES_ON_NONE, "choose_config": CHOOSE_MOST_ACCURATE},
        scores={"test_StopAtAccuracy_values": 0,
                "test_choose_config_format": 0, "test_choose_config_values": 0}),
    "missing_means_reached": Student(  # and filters on the train accuracy
        answers={"StopAtAccuracy": STOP_MISSING_MEANS_REACHED,
                 "choose_config": CHOOSE_TRAIN_ACCURACY},
        scores={"test_StopAtAccuracy_values": 0,
                "test_choose_config_format": 0, "test_choose_config_values": 0}),
    "fixed_threshold": Student(  # 0.9 for any threshold; and sorts by seconds per epoch
        answers={"StopAtAccuracy": STOP_FIXED_THRESHOLD,
                 "choose_config": CHOOSE_SECONDS_PER_EPOCH},
        scores={"test_StopAtAccuracy_values": 0,
                "test_choose_config_format": 0, "test_choose_config_values": 0}),
    "rounds_accuracy": Student(  # and uses the global TARGET, not its argument
        answers={"StopAtAccuracy": STOP_ROUNDS_ACCURACY, "choose_config": CHOOSE_GLOBAL_TARGET},
        scores={"test_StopAtAccuracy_values": 0,
                "test_choose_config_format": 0, "test_choose_config_values": 0}),
    "val_accuracy": Student(  # and never returns None (IndexError when no run is good)
        answers={"StopAtAccuracy": STOP_VAL_ACCURACY, "choose_config": CHOOSE_NO_NONE},
        scores={"test_StopAtAccuracy_format": 0, "test_StopAtAccuracy_values": 0,
                "test_choose_config_values": 0}),
    "batch_end": Student(  # on_train_batch_end; and argmin's position taken as a label
        answers={"StopAtAccuracy": STOP_BATCH_END, "choose_config": CHOOSE_ARGMIN_AS_LABEL},
        scores={"test_StopAtAccuracy_format": 0, "test_StopAtAccuracy_values": 0,
                "test_choose_config_values": 0}),
    # a mistake in task 2 only, with a correct variant of task 1 (or the reference's)
    "typed_label": Student(  # cheapest_good returns a typed-in label
        answers={"StopAtAccuracy": STOP_TRY_EXCEPT, "choose_config": CHOOSE_TYPED_LABEL},
        scores={"test_choose_config_format": 0, "test_choose_config_values": 0}),
    "training_data": Student(  # the sweep evaluated on training images
        answers={"StopAtAccuracy": STOP_ASSIGNS_BOOL, "choose_config": CHOOSE_ON_TRAINING_DATA},
        scores={"test_choose_config_values": 0}),
    "typed_table": Student(  # a made-up table instead of the sweep's
        answers={"StopAtAccuracy": STOP_NUMPY_NAN, "choose_config": CHOOSE_TYPED_TABLE},
        scores={"test_choose_config_values": 0}),
    "returns_the_row": Student(
        answers={"choose_config": CHOOSE_RETURNS_THE_ROW},
        scores={"test_choose_config_format": 0, "test_choose_config_values": 0}),
    "typed_choice": Student(  # choice typed in after printing cheapest_good's answer
        answers={"StopAtAccuracy": STOP_ASSIGNS_BOOL, "choose_config": CHOOSE_TYPED_CHOICE},
        scores={"test_choose_config_values": 0}),
    "time_looked_up": Student(  # the fastest good run's time looked up in the whole table
        answers={"StopAtAccuracy": STOP_NUMPY_NAN, "choose_config": CHOOSE_TIME_LOOKED_UP},
        scores={"test_choose_config_values": 0}),
}
