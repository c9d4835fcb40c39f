"""Shared code for the Fashion-MNIST course: data, models, training, plots.

Importing the package quiets TensorFlow's C++ start-up log (it is noise on every page);
set ``TF_CPP_MIN_LOG_LEVEL`` yourself before the import to see it again.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from .data import CLASS_NAMES, DatasetError, load_data, scale_images, subset  # noqa: E402

__all__ = ["CLASS_NAMES", "DatasetError", "load_data", "scale_images", "subset"]
