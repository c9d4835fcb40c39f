"""`python -m grading.checker NOTEBOOK EXCHANGE CHECKS`: the checker process that
`grading.checker.run` starts; a GradingError becomes one line and exit 1."""

import sys

from grading.checker import print_verdicts
from grading.errors import GradingError

try:
    print_verdicts(sys.argv[1:])
except GradingError as error:
    raise SystemExit(str(error)) from None
