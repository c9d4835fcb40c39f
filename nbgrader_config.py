"""nbgrader settings for this course (run nbgrader from the repository root)."""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "fashion-mnist"
# Instructor notebooks (reference answers) live in solutions/<assignment>/, their tests in
# grading/checks/<assignment>.py (run by the checker, below);
# the generated student versions in exercises/<assignment>/ (both committed).
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# A student who deletes a test cell must not escape it: put missing graded cells back
# from the gradebook before grading (nbgrader skips them silently otherwise).
c.OverwriteCells.add_missing_cells = True

# Per cell: the slowest cell of any reference solution takes 16.6 s on an idle 2-core CPU
# (ex07's training; next 9.6 s), so 60 s leaves room for a busy or slower machine and
# stops an infinite loop, which then scores 0 on that cell. `python -m grading` adds a
# limit per student's whole notebook (--student-timeout, 300 s).
c.ExecutePreprocessor.timeout = 60

# Output limits: a student who prints in a loop must not produce a notebook (and feedback
# page) of megabytes. nbgrader's LimitOutput keeps 1,000 lines per cell and 100 traceback
# lines; LimitOutputSize also caps the characters of each output (one long line).
c.LimitOutput.max_lines = 1000
c.LimitOutput.max_traceback = 100
c.LimitOutputSize.max_chars = 20_000
# Student code runs in a bubblewrap sandbox (grading/sandbox.py: no network, nothing of
# the course but its own notebook, limits on memory, processes and file size). Without a
# working bwrap, grading refuses to start; set COURSE_SANDBOX=off (`python -m grading
# --no-sandbox`) to grade trusted code anyway.
#
# The student's kernel only answers questions: before each test cell AskingExecute has
# it hand over plain data (grading/asking.py, helpers/handover.py); CheckAnswers then runs
# the exercise's tests (grading/checks/) in a separate, sandboxed checker process and its
# verdict is the only output of a test cell that nbgrader scores. Hidden tests never run
# in, nor enter, the student's kernel; nothing the kernel reports can score a point.
c.SandboxedKernelManager.memory_gib = 4
c.SandboxedKernelManager.max_processes = 256
c.SandboxedKernelManager.max_file_mib = 1024
c.Autograde.autograde_preprocessors = [
    "grading.asking.AskingExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "grading.asking.CheckAnswers",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "grading.feedback.LimitOutputSize",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# Feedback must never show hidden tests: nbgrader's default prints their source, and a
# failing hidden test's traceback repeats the line. HideHiddenTests removes both
# (`python -m grading feedback` also checks every page for every hidden line).
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "grading.feedback.HideHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# IgnorePattern drops warnings and TensorFlow's C++ log lines (I/W/E + date) from the
# graded notebook: noise in the feedback, not something the student wrote. (stderr no
# longer costs a test cell its points: CheckAnswers turns it into ordinary text.)
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?im)warning|^[IWE]\d{4} "
