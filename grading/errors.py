"""The one error type of the grading tools: library code raises it with a message that
says what to do; only the command line (grading/__main__.py) turns it into an exit."""


class GradingError(Exception):
    """Grading cannot go on; the message tells the instructor what to do."""
