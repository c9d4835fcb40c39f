"""Shared code for the Fashion-MNIST course: data, models, training, plots.

Importing the package quiets TensorFlow's C++ start-up log (it is noise on every page);
set ``TF_CPP_MIN_LOG_LEVEL`` yourself before the import to see it again. It also drops
TensorFlow's notes on tf.function retracing: a page that trains and evaluates several
models triggers them, and in Jupyter TensorFlow logs to stdout, onto the page.
"""

import logging
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


class _NoRetracingNotes(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "retracing" not in record.getMessage()


logging.getLogger("tensorflow").addFilter(_NoRetracingNotes())

from .data import CLASS_NAMES, DatasetError, load_data, scale_images, subset  # noqa: E402

__all__ = ["CLASS_NAMES", "DatasetError", "load_data", "scale_images", "subset"]
