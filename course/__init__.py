"""The tools that build and run the course: execute the chapters for the book
(`python -m course.execute`), keep notebooks canonical (`python -m course.notebooks`),
start JupyterLab for the exercises (`python -m course.lab`). No page imports them;
what the lessons import lives in `helpers/`."""
