"""Figures every chapter uses. Each function returns its matplotlib Figure (for tests)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .data import CLASS_NAMES


def show_images(images, labels=None, *, ncols: int = 8, class_names=CLASS_NAMES,
                predictions=None, size: float = 1.4, cmap: str = "gray_r"):
    """A grid of images titled with their class name (and prediction, when given).

    A wrong prediction is titled "predicted (true)" in red, so mistakes stand out.
    """
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3:
        raise ValueError(f"expected images of shape (n, height, width), got {images.shape}")
    n = len(images)
    if n == 0:
        raise ValueError("no images to show")
    for name, values in (("labels", labels), ("predictions", predictions)):
        if values is not None and len(values) != n:
            raise ValueError(f"{n} images but {len(values)} {name}")
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows + 0.3),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i], cmap=cmap)
        if labels is None:
            continue
        true = class_names[int(labels[i])]
        if predictions is None:
            ax.set_title(true, fontsize=8)
        else:
            guess = class_names[int(predictions[i])]
            wrong = int(predictions[i]) != int(labels[i])
            ax.set_title(f"{guess} ({true})" if wrong else guess, fontsize=8,
                         color="tab:red" if wrong else "black")
    fig.tight_layout()
    return fig


def show_class_samples(images, labels, *, per_class: int = 8, class_names=CLASS_NAMES,
                       size: float = 1.0, cmap: str = "gray_r"):
    """One row per class with its first ``per_class`` images, the class name on the left."""
    labels = np.asarray(labels)
    fig, axes = plt.subplots(len(class_names), per_class,
                             figsize=(size * per_class + 1.2, size * len(class_names)),
                             squeeze=False)
    for row, name in enumerate(class_names):
        picks = np.flatnonzero(labels == row)[:per_class]
        for col, ax in enumerate(axes[row]):
            ax.set_xticks([])
            ax.set_yticks([])
            for spine in ax.spines.values():
                spine.set_visible(False)
            if col < len(picks):
                ax.imshow(images[picks[col]], cmap=cmap)
        axes[row, 0].set_ylabel(name, rotation=0, ha="right", va="center", fontsize=9)
    fig.tight_layout()
    return fig


def plot_history(histories, metrics=("loss", "accuracy"), *, size=(5.0, 3.2)):
    """Training curves, one panel per metric; validation curves dashed in the same colour.

    ``histories`` is one history dict (from :func:`helpers.training.train` or
    ``History.history``) or a mapping ``{label: history}`` to compare runs.
    """
    if histories and all(isinstance(v, list) for v in histories.values()):
        histories = {"": histories}
    fig, axes = plt.subplots(1, len(metrics), figsize=(size[0] * len(metrics), size[1]),
                             squeeze=False)
    for ax, metric in zip(axes[0], metrics):
        for i, (label, history) in enumerate(histories.items()):
            if metric not in history:
                raise KeyError(f"history {label!r} has no {metric!r}; it has "
                               f"{sorted(history)}")
            epochs = np.arange(1, len(history[metric]) + 1)
            colour = f"C{i}"
            prefix = f"{label} " if label else ""
            ax.plot(epochs, history[metric], color=colour, marker="o", ms=3,
                    label=f"{prefix}train")
            if f"val_{metric}" in history:
                ax.plot(epochs, history[f"val_{metric}"], color=colour, ls="--",
                        marker="s", ms=3, label=f"{prefix}validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def show_grid(rows, *, row_titles=None, col_titles=None, cmap: str = "gray_r",
              size: float = 1.6, colorbar: bool = False):
    """Rows of 2-D arrays side by side, e.g. an image next to what each filter makes of it.

    Each panel gets its own colour scale (filter outputs have very different ranges);
    the panel's shape is printed under it, so shrinking sizes are visible at a glance.
    """
    rows = [[np.asarray(a) for a in row] for row in rows]
    if not rows or not all(rows):
        raise ValueError("show_grid needs at least one non-empty row of arrays")
    for row in rows:
        for a in row:
            if a.ndim != 2:
                raise ValueError(f"every panel must be a 2-D array, got shape {a.shape}")
    ncols = max(len(row) for row in rows)
    for name, titles, n in (("row_titles", row_titles, len(rows)),
                            ("col_titles", col_titles, ncols)):
        if titles is not None and len(titles) != n:
            raise ValueError(f"{n} {name[:3]}s but {len(titles)} {name}")
    fig, axes = plt.subplots(len(rows), ncols, figsize=(size * ncols, size * len(rows) + 0.4),
                             squeeze=False)
    for r, row in enumerate(rows):
        for c, ax in enumerate(axes[r]):
            ax.set_xticks([])
            ax.set_yticks([])
            if c >= len(row):
                ax.axis("off")
                continue
            shown = ax.imshow(row[c], cmap=cmap)
            ax.set_xlabel("×".join(map(str, row[c].shape)), fontsize=7)
            if colorbar:
                fig.colorbar(shown, ax=ax, fraction=0.046, pad=0.04)
            if r == 0 and col_titles is not None:
                ax.set_title(col_titles[c], fontsize=9)
        if row_titles is not None:
            axes[r, 0].set_ylabel(row_titles[r], fontsize=9)
    fig.tight_layout()
    return fig
