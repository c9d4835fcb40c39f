"""Instructor tools on top of nbgrader: parallel autograding, leak-free feedback, export.

Run `python -m grading --help` (or `make grade`) from the course root.
"""
