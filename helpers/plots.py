"""Figures every chapter uses. Each function returns its matplotlib Figure (for tests).

Keras is imported only inside the functions that need a model, so plotting images does
not pay TensorFlow's start-up time (exercise 1 stays fast to validate).
"""

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
    fig, axes = _grid(n, ncols, size, size, extra_height=0.3)
    for i, ax in enumerate(axes):
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


def plot_history(histories, metrics=("loss", "accuracy"), *, size=(5.0, 3.2),
                 held_out: str = "validation"):
    """Training curves, one panel per metric; the held-out curves (``val_*``) dashed in
    the same colour.

    ``histories`` is one history dict (from :func:`helpers.training.train` or
    ``History.history``) or a mapping ``{label: history}`` to compare runs.
    ``held_out`` names what the ``val_*`` curves were measured on: "test" where a page
    passed the test set to ``fit`` (a validation set is one that chooses something).
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
                        marker="s", ms=3, label=f"{prefix}{held_out}")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True))
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


def _model_images(model, images):
    """``images`` as a batch the model accepts, or a ValueError saying what was expected."""
    images = np.asarray(images, dtype=np.float32)
    expected = tuple(model.input_shape[1:])
    if images.shape[1:] == expected[:-1] and expected[-1] == 1:
        images = images[..., np.newaxis]  # (n, 28, 28) -> (n, 28, 28, 1)
    if images.ndim != len(expected) + 1 or images.shape[1:] != expected:
        raise ValueError(f"expected a batch of images of shape (n, {', '.join(map(str, expected))})"
                         f" for model {model.name!r}, got an array of shape {images.shape}")
    return images


def _layer_title(layer):
    return f"{layer.name}\n{'×'.join(str(n) for n in layer.output.shape[1:])}"


def show_activations(model, images, layers=None, *, filter_index: int = 0,
                     row_titles=None, cmap: str = "inferno", size: float = 1.7):
    """One filter's response to each image (rows), layer after layer (columns).

    ``layers`` are names or indices (default: every conv and pooling layer). The column
    titles give each layer's name and output shape, so the shrinking size is visible.
    """
    from .activations import activation_model, resolve_layers

    images = _model_images(model, images)
    chosen = resolve_layers(model, layers)
    for layer in chosen:
        channels = layer.output.shape[-1]
        if not -channels <= filter_index < channels:
            raise ValueError(f"layer {layer.name!r} has {channels} filters; "
                             f"filter_index {filter_index} does not exist")
    # A direct call, not predict(): predict traces a new graph for each new model, and
    # from the fifth figure on TensorFlow prints a retracing warning onto the page.
    outputs = activation_model(model, chosen)(images, training=False)
    if len(chosen) == 1 and not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    rows = [[np.asarray(out[i, :, :, filter_index]) for out in outputs]
            for i in range(len(images))]
    fig = show_grid(rows, row_titles=row_titles, col_titles=[_layer_title(la) for la in chosen],
                    cmap=cmap, size=size)
    fig.suptitle(f"filter {filter_index}", fontsize=10)
    fig.tight_layout()
    return fig


def show_feature_maps(model, image, layer, *, ncols: int = 8, cmap: str = "inferno",
                      size: float = 1.1):
    """Every channel of one layer's output for one image, titled by channel number."""
    from .activations import activation_model, resolve_layers

    images = _model_images(model, np.asarray(image)[np.newaxis])
    (chosen,) = resolve_layers(model, [layer])
    maps = activation_model(model, [chosen])(images, training=False)  # see above
    maps = np.asarray(maps[0] if isinstance(maps, (list, tuple)) else maps)[0]
    return _panel_grid([maps[:, :, c] for c in range(maps.shape[-1])], ncols, cmap, size,
                       f"{_layer_title(chosen).replace(chr(10), ' ')}: all feature maps")


def show_kernels(model, layer=None, *, input_channel: int = 0, ncols: int = 8,
                 cmap: str = "gray", size: float = 0.9):
    """The learned kernels of a conv layer (default: the first), one panel per filter.

    Weights are signed: one scale symmetric about zero, so middle grey is 0, lighter
    pixels add the input there and darker ones subtract it. A sequential map keeps the
    sign readable in grayscale (a diverging one, light in the middle, would not).
    """
    import keras

    from .activations import resolve_layers

    chosen = resolve_layers(model, None if layer is None else [layer])[0]
    if not isinstance(chosen, keras.layers.Conv2D):
        raise ValueError(f"layer {chosen.name!r} is a {type(chosen).__name__}, not Conv2D; "
                         "only convolutions have kernels")
    kernels = np.asarray(chosen.kernel)  # (kh, kw, in_channels, filters)
    limit = float(np.abs(kernels[:, :, input_channel]).max()) or 1.0
    return _panel_grid([kernels[:, :, input_channel, f] for f in range(kernels.shape[-1])],
                       ncols, cmap, size, f"{chosen.name}: learned "
                       f"{kernels.shape[0]}×{kernels.shape[1]} kernels", vmin=-limit,
                       vmax=limit)


def _grid(n, ncols, width, height, extra_height=0.0):
    """A figure with ``n`` axes in rows of ``ncols`` (all axes off); returns the n axes."""
    ncols = max(1, min(ncols, n))
    nrows = -(-n // ncols)
    fig, axes = plt.subplots(nrows, ncols, squeeze=False,
                             figsize=(width * ncols, height * nrows + extra_height))
    for ax in axes.flat:
        ax.axis("off")
    return fig, list(axes.flat)[:n]


def _panel_grid(panels, ncols, cmap, size, title, **imshow):
    fig, axes = _grid(len(panels), ncols, size, size, extra_height=0.5)
    for i, ax in enumerate(axes):
        ax.imshow(panels[i], cmap=cmap, **imshow)
        ax.set_title(str(i), fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(matrix, class_names=CLASS_NAMES, *, size: float = 6.5,
                          cmap: str = "Blues"):
    """A confusion matrix (rows: true class, columns: predicted), every cell annotated.

    Pass a row-normalized matrix to compare classes of different sizes: each row then
    says where that class's images went. Counts work too (annotated as integers).
    """
    matrix = np.asarray(matrix)
    n = len(class_names)
    if matrix.shape != (n, n):
        raise ValueError(f"expected a {n}×{n} matrix for {n} classes, got {matrix.shape}")
    fig, ax = plt.subplots(figsize=(size, size))
    image = ax.imshow(matrix, cmap=cmap, vmin=0)
    integers = np.issubdtype(matrix.dtype, np.integer)
    threshold = matrix.max() / 2 if matrix.size else 0
    for (row, col), value in np.ndenumerate(matrix):
        if value == 0 or (not integers and round(float(value), 2) == 0):
            continue  # blank rather than a wall of ".00": the eye goes to what matters
        ax.text(col, row, f"{value:d}" if integers else f"{value:.2f}".lstrip("0"),
                ha="center", va="center", fontsize=7,
                color="white" if value > threshold else "black")
    ax.set_xticks(range(n), class_names, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(n), class_names, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    fig.tight_layout()
    return fig


def plot_confidence(probabilities, labels, *, bins: int = 20, size=(6.0, 3.2)):
    """Histogram of the top-class probability, right and wrong predictions apart.

    A classifier is only as useful as its confidence is honest: the picture shows whether
    its mistakes are made with low confidence (easy to flag) or high (silent errors).
    """
    probabilities, labels = np.asarray(probabilities), np.asarray(labels)
    if probabilities.ndim != 2 or len(probabilities) != len(labels):
        raise ValueError("expected probabilities of shape (n, classes) and n labels, got "
                         f"{probabilities.shape} and {labels.shape}")
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    fig, ax = plt.subplots(figsize=size)
    edges = np.linspace(1 / probabilities.shape[1], 1, bins + 1)
    ax.hist([confidence[correct], confidence[~correct]], bins=edges, stacked=True,
            color=["tab:blue", "tab:red"],
            label=[f"right ({correct.sum()})", f"wrong ({(~correct).sum()})"])
    ax.set_yscale("log")
    ax.set_xlabel("confidence (probability of the predicted class)")
    ax.set_ylabel("images (log scale)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


def show_predictions(images, probabilities, labels=None, *, ncols: int = 6,
                     class_names=CLASS_NAMES, size: float = 1.7, cmap: str = "gray_r"):
    """Images titled with the predicted class and its probability, "(true: …)" when wrong."""
    images, probabilities = np.asarray(images), np.asarray(probabilities)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or probabilities.shape != (len(images), len(class_names)):
        raise ValueError(f"expected n images and (n, {len(class_names)}) probabilities, "
                         f"got {images.shape} and {probabilities.shape}")
    if labels is not None and len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    fig, axes = _grid(len(images), ncols, size, size + 0.35)
    for i, ax in enumerate(axes):
        ax.imshow(images[i], cmap=cmap)
        guess = int(probabilities[i].argmax())
        title = f"{class_names[guess]}: {probabilities[i, guess]:.2f}"
        wrong = labels is not None and int(labels[i]) != guess
        if wrong:
            title += f"\n(true: {class_names[int(labels[i])]})"
        ax.set_title(title, fontsize=8, color="tab:red" if wrong else "black")
    fig.tight_layout()
    return fig
