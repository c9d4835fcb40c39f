"""grading.feedback: which hidden-test lines count as secrets a feedback page must not show."""

import nbformat

from grading import feedback
from grading.feedback import leaks, secret_lines


def _notebook(*sources):
    return nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])


def test_a_hidden_line_is_a_secret_unless_shown_anyway_or_a_single_word(tmp_path):
    nb = _notebook("result = least_confident(probabilities, 2)",
                   "### BEGIN HIDDEN TESTS\n"
                   "_got = least_confident(\n"
                   "    probabilities,\n"
                   "    k,\n"
                   "    3,\n"
                   ")\n"
                   "assert list(_got) == [1, 2], 'the least confident rows'\n"
                   "### END HIDDEN TESTS")
    secrets = secret_lines([nb])
    assert "assert list(_got) == [1, 2], 'the least confident rows'" in secrets, secrets
    assert "_got = least_confident(" in secrets, secrets
    for one_word in ("probabilities,", "k,", "3,", ")"):
        assert one_word not in secrets, f"{one_word!r} gives no test away: {secrets}"

    page = tmp_path / "page.html"
    page.write_text("<p>Task 3 trains the network, k, and 3, then asserts nothing</p>")
    assert leaks(page, secrets) == [], "a page without hidden code was withheld"
    page.write_text("<pre>assert list(_got) == [1, 2], 'the least confident rows'</pre>")
    assert leaks(page, secrets) == [
        "assert list(_got) == [1, 2], 'the least confident rows'"], "a leak went unseen"


def test_a_check_line_is_a_secret_but_not_an_import_any_module_has(tmp_path):
    checks = tmp_path / "exercise.py"
    checks.write_text('"""The tests."""\n\nfrom __future__ import annotations\n\n'
                      "import numpy as np  # arrays of the grader's questions\n"
                      "from grading.checks import Test, predict\n\n"
                      "def check(asked, answers):\n"
                      "    assert np.allclose(answers['x'], 0.5), 'divide by 255'\n")
    lines = feedback.test_lines(checks)
    assert "assert np.allclose(answers['x'], 0.5), 'divide by 255'" in lines, lines
    assert not [line for line in lines if "import" in line], lines
