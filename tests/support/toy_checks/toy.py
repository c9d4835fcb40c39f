"""The toy assignment's tests (tests/support/toy_assignment.py), as the checker runs them."""

from grading.checks import Test
from grading.questions import call


def square_format_questions(rng):
    return {"square(2)": call("square", 2)}


def square_format_check(asked, answers):
    assert answers["square(2)"] == 4, "square(2) should be 4"


def square_values_questions(rng):
    return {"a negative number": call("square", -int(rng.integers(1, 9))),
            "-1.5": call("square", -1.5)}


def square_values_check(asked, answers):
    for name, question in asked.items():
        x = question.args[0]
        assert answers[name] == x * x, "the square of a negative number is positive"


def count_words_questions(rng):
    return {"two words": call("count_words", "a b"),
            "spaced words": call("count_words", "  spaced   out "),
            "nothing": call("count_words", "")}


def count_words_check(asked, answers):
    for name, want in (("two words", 2), ("spaced words", 2), ("nothing", 0)):
        assert answers[name] == want, f"wrong count for {name}"


TESTS = {"test_square_format": Test(square_format_questions, square_format_check),
         "test_square_values": Test(square_values_questions, square_values_check),
         "test_count_words": Test(count_words_questions, count_words_check)}
