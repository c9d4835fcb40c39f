"""nbgrader settings for this course (run nbgrader from the repository root)."""

c = get_config()  # noqa: F821 - provided by nbgrader when it loads this file

c.CourseDirectory.course_id = "fashion-mnist"
# Instructor notebooks (solutions + hidden tests) live in solutions/<assignment>/,
# the generated student versions in exercises/<assignment>/ (both committed).
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# A student who deletes a test cell must not escape it: put missing graded cells back
# from the gradebook before grading (nbgrader skips them silently otherwise).
c.OverwriteCells.add_missing_cells = True

# Every exercise cell runs in seconds (small data subsets, one or two epochs); 60 s per
# cell leaves room for a slow machine, and stops an infinite loop, which then scores 0.
c.ExecutePreprocessor.timeout = 60

# nbgrader gives 0 points to a test cell that wrote anything to stderr, so a correct
# answer that triggers a library warning (Keras UserWarnings, TensorFlow's retracing
# notices) would lose its points. Drop warning output before scoring; real failures are
# exceptions (error outputs) and still score 0. TensorFlow's C++ log lines (I/W/E + date)
# go too: they appear when TensorFlow is imported before helpers sets the log level.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?im)warning|^[IWE]\d{4} "
