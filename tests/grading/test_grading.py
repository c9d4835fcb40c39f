"""nbgrader end to end: simulated students are autograded the way an instructor would.

Each student is the handed-out notebook with answers typed in over the reference's. One
`nbgrader autograde` per assignment grades them all; the scores are then read from the
gradebook. The table below says, per assignment, who the students are and what each must
score: the reference earns full marks and the untouched notebook 0, always.
"""

from dataclasses import dataclass, field

import pytest
from exercise_tools import grade_class, hidden_test_lines, solution_answers, submission
from students import (
    ALTERNATIVE_EX01,
    ALTERNATIVE_EX02,
    ALTERNATIVE_EX03,
    ALTERNATIVE_EX04,
    ALTERNATIVE_EX05,
    ALTERNATIVE_EX06,
    ALTERNATIVE_EX07,
    CHOICE_EX05,
    MISTAKES_EX02,
    MISTAKES_EX03,
    MISTAKES_EX04,
    MISTAKES_EX05,
    MISTAKES_EX06,
    MISTAKES_EX07,
    OFF_BY_ONE_CONV,
    STRICT_CHOICE_EX05,
    TRAIN_EX07,
    UNTRAINED_EX07,
    WRONG_DTYPE,
    WRONG_SCALE,
)

from grading.feedback import generate_feedback, page_text


@dataclass
class Student:
    """Answers typed over the reference's, and what they must score: `cells` maps a graded
    cell to its expected score, `lost` the points below full marks in all."""

    answers: dict = field(default_factory=dict)
    lost: float = 0
    cells: dict = field(default_factory=dict)
    edit: dict | None = None
    delete: tuple = ()


@dataclass
class Assignment:
    max_score: float
    cell_timeout: int
    students: dict
    feedback: bool = False  # also check the feedback pages leak no hidden test


FULL = Student  # an alternative correct answer: full marks
CASES = {
    "ex01_dataset": Assignment(9, 10, {
        "alternative": FULL(ALTERNATIVE_EX01),
        # right format, wrong values: only the hidden test fails
        "mistake": Student({"to_model_input": WRONG_SCALE}, lost=2,
                           cells={"test_to_model_input_format": 1}),
        # tests edited or deleted: nbgrader restores them, and they still catch the error
        "edits_tests": Student({"to_model_input": WRONG_DTYPE}, lost=3, edit={
            "test_to_model_input_format": "pass", "test_to_model_input_values": "pass"},
            cells={"test_to_model_input_format": 0, "test_to_model_input_values": 0}),
        "deletes_tests": Student({"to_model_input": WRONG_DTYPE}, lost=3, delete=(
            "test_to_model_input_format", "test_to_model_input_values"),
            cells={"test_to_model_input_format": 0, "test_to_model_input_values": 0}),
        # stopped by the cell timeout; the rest is graded
        "loops_forever": Student({"class_means": "while True:\n    pass\n"}, lost=3),
    }),
    "ex02_dense": Assignment(9, 60, {
        "alternative": FULL(ALTERNATIVE_EX02),
        "mistake": Student(MISTAKES_EX02, lost=6, cells={  # below the accuracy target
            "test_dense_param_count_format": 0, "test_train_model": 0}),
    }),
    "ex03_convolutions": Assignment(10, 60, {
        "alternative": FULL(ALTERNATIVE_EX03),
        "mistakes": Student(MISTAKES_EX03, lost=6, cells={  # the visible format passes
            "test_conv2d_format": 1, "test_max_pool2x2_format": 1,
            "test_describe_stack_format": 1, "test_conv2d_values": 0,
            "test_max_pool2x2_values": 0, "test_describe_stack_values": 0,
            "test_build_cnn_structure": 0}),
        "off_by_one": Student({"conv2d": OFF_BY_ONE_CONV}, lost=3,
                              cells={"test_conv2d_format": 0}),
    }),
    "ex04_feature_maps": Assignment(8, 60, {
        "alternative": FULL(ALTERNATIVE_EX04),
        "mistakes": Student(MISTAKES_EX04, lost=7, cells={
            "test_build_activation_model_format": 0, "test_zero_fractions_format": 0,
            "test_strongest_filter_format": 1,  # a valid index, the wrong one
            "test_strongest_filter_values": 0}),
    }),
    "ex05_experiments": Assignment(6, 60, {
        "alternative": FULL({**ALTERNATIVE_EX05, "choose_config": CHOICE_EX05}),
        "mistakes": Student({**MISTAKES_EX05, "choose_config": STRICT_CHOICE_EX05}, lost=4,
                            cells={"test_StopAtAccuracy_format": 1,
                                   "test_StopAtAccuracy_values": 0,
                                   "test_choose_config_format": 1,
                                   "test_choose_config_values": 0}),
    }),
    "ex06_reading": Assignment(9, 30, {
        "alternative": FULL(ALTERNATIVE_EX06),
        # the visible examples catch a transposed matrix and a reversed order; raw counts
        # instead of shares and ">" instead of ">=" only the hidden tests catch
        "mistakes": Student(MISTAKES_EX06, lost=7, cells={
            "test_confusion_counts_format": 0, "test_least_confident_format": 0,
            "test_most_confused_pair_format": 1, "test_most_confused_pair_values": 0,
            "test_confident_accuracy_format": 1, "test_confident_accuracy_values": 0}),
    }, feedback=True),
    "ex07_deeper": Assignment(8, 60, {
        "alternative": FULL({**ALTERNATIVE_EX07, "train_model": TRAIN_EX07}),
        "mistakes": Student({**MISTAKES_EX07, "train_model": UNTRAINED_EX07}, lost=7, cells={
            "test_pixel_statistics_format": 0, "test_pixel_statistics_values": 0,
            "test_prepare_format": 1,  # the training images do come out centred...
            "test_prepare_no_leak": 0,  # ...but the others used their own statistics
            "test_regularized_layers": 0,  # no BatchNormalization after the 2nd conv
            "test_trained_model": 0}),
    }),
}


@pytest.mark.parametrize("assignment", CASES)
def test_each_student_earns_what_the_answers_are_worth(assignment, tmp_path):
    case = CASES[assignment]
    reference = solution_answers(assignment)
    students = {"solution": submission(assignment, reference), "blank": submission(assignment)}
    for name, student in case.students.items():
        students[name] = submission(assignment, {**reference, **student.answers},
                                    edit=student.edit, delete=student.delete)
    _, scores, max_score = grade_class(tmp_path, assignment, students,
                                       cell_timeout=case.cell_timeout, timeout=600)
    total = {name: sum(cells.values()) for name, cells in scores.items()}

    assert max_score == case.max_score, f"{assignment} is worth {max_score} points"
    assert total["solution"] == max_score, f"the reference scored {scores['solution']}"
    assert total["blank"] == 0, f"the untouched notebook scored {scores['blank']}"
    for name, student in case.students.items():
        for cell, expected in student.cells.items():
            assert scores[name][cell] == expected, (
                f"{assignment}/{name}: {cell} scored {scores[name][cell]}, not {expected}")
        assert total[name] == max_score - student.lost, (
            f"{assignment}/{name} scored {total[name]}, not {max_score - student.lost}: "
            f"{scores[name]}")

    if case.feedback:  # the course's own feedback path, on real work
        pages = generate_feedback(tmp_path / "course", assignment)
        assert sorted(p.parents[1].name for p in pages) == sorted(students), (
            "not every student got a feedback page")
        hidden = hidden_test_lines(assignment)
        for page in pages:  # students who fail hidden tests: their tracebacks are there
            leaked = [line for line in hidden if line in page_text(page)]
            assert leaked == [], f"{page} shows hidden test lines: {leaked}"
