"""helpers.plots renders headlessly with the titles, panels and errors it promises."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from helpers import CLASS_NAMES  # noqa: E402
from helpers.plots import (  # noqa: E402
    plot_confidence,
    plot_confusion_matrix,
    plot_history,
    show_class_samples,
    show_grid,
    show_images,
    show_predictions,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _image_axes(fig):
    return [ax for ax in fig.axes if ax.get_images()]


def test_show_images_titles_with_class_names():
    images = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    fig = show_images(images, [0, 1, 2, 3, 9], ncols=3)
    axes = _image_axes(fig)
    assert len(axes) == 5 and len(fig.axes) == 6  # 2x3 grid, one empty panel
    assert [ax.get_title() for ax in axes] == [CLASS_NAMES[i] for i in (0, 1, 2, 3, 9)]


def test_show_images_marks_wrong_predictions_in_red():
    images = np.zeros((2, 28, 28, 1))  # a channel axis is accepted
    fig = show_images(images, [5, 7], predictions=[5, 9])
    right, wrong = _image_axes(fig)
    assert right.get_title() == "Sandal"
    assert wrong.get_title() == "Ankle boot (Sneaker)"
    assert matplotlib.colors.same_color(wrong.title.get_color(), "tab:red")


@pytest.mark.parametrize("images, labels, message", [
    (np.zeros((3, 28)), None, "expected images of shape"),
    (np.zeros((0, 28, 28)), None, "no images"),
    (np.zeros((3, 28, 28)), [1, 2], "3 images but 2 labels"),
])
def test_show_images_rejects_bad_input(images, labels, message):
    with pytest.raises(ValueError, match=message):
        show_images(images, labels)


def test_show_class_samples_has_a_row_per_class():
    labels = np.repeat(np.arange(10), 3)
    images = np.zeros((30, 28, 28))
    fig = show_class_samples(images, labels, per_class=3)
    assert len(fig.axes) == 30 and len(_image_axes(fig)) == 30
    assert [fig.axes[3 * row].get_ylabel() for row in range(10)] == list(CLASS_NAMES)


def test_plot_history_panels_and_validation_lines():
    history = {"loss": [1.0, 0.5], "accuracy": [0.6, 0.8],
               "val_loss": [1.1, 0.7], "val_accuracy": [0.5, 0.7]}
    fig = plot_history(history)
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    assert [len(ax.get_lines()) for ax in fig.axes] == [2, 2]
    assert list(fig.axes[1].get_lines()[1].get_ydata()) == [0.5, 0.7]
    assert fig.axes[1].get_lines()[1].get_label() == "validation"
    tested = plot_history(history, held_out="test")  # a page that passed the test set
    assert [line.get_label() for line in tested.axes[0].get_lines()] == ["train", "test"]


def test_plot_history_compares_runs_and_names_missing_metrics():
    runs = {"a": {"accuracy": [0.1, 0.2]}, "b": {"accuracy": [0.3, 0.4, 0.5]}}
    fig = plot_history(runs, metrics=("accuracy",))
    labels = [line.get_label() for line in fig.axes[0].get_lines()]
    assert labels == ["a train", "b train"]
    with pytest.raises(KeyError, match="has no 'loss'"):
        plot_history(runs, metrics=("loss",))


def test_show_grid_titles_rows_columns_and_shapes():
    image = np.zeros((28, 28))
    fig = show_grid([[image, image[:26, :26], image[:13, :13]], [image]],
                    row_titles=["boot", "bag"], col_titles=["input", "edges", "pooled"])
    axes = _image_axes(fig)
    assert len(axes) == 4 and len(fig.axes) == 6  # the short row leaves two panels empty
    assert [ax.get_title() for ax in axes[:3]] == ["input", "edges", "pooled"]
    assert [ax.get_xlabel() for ax in axes] == ["28×28", "26×26", "13×13", "28×28"]
    assert [ax.get_ylabel() for ax in axes if ax.get_ylabel()] == ["boot", "bag"]


@pytest.mark.parametrize("rows, kwargs, message", [
    ([], {}, "non-empty"), ([[np.zeros((2, 2, 2))]], {}, "2-D"),
    ([[np.zeros((2, 2))]], {"col_titles": ["a", "b"]}, "col_titles")])
def test_show_grid_rejects_bad_input(rows, kwargs, message):
    with pytest.raises(ValueError, match=message):
        show_grid(rows, **kwargs)


def test_confusion_matrix_annotates_each_nonzero_cell_with_class_ticks():
    matrix = np.zeros((10, 10))
    matrix[np.arange(10), np.arange(10)] = 0.9
    matrix[6, 0] = 0.25  # shirts taken for T-shirts
    matrix[6, 1] = 0.004  # rounds to .00: left blank
    fig = plot_confusion_matrix(matrix)
    ax = fig.axes[0]
    texts = {(round(t.get_position()[1]), round(t.get_position()[0])): t.get_text()
             for t in ax.texts}
    assert len(texts) == 11
    assert texts[(6, 0)] == ".25" and texts[(3, 3)] == ".90"
    assert [t.get_text() for t in ax.get_yticklabels()] == list(CLASS_NAMES)
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    np.testing.assert_array_equal(ax.get_images()[0].get_array(), matrix)


def test_confusion_matrix_counts_are_written_as_integers():
    counts = np.eye(10, dtype=int) * 100
    counts[4, 2] = 7
    texts = [t.get_text() for t in plot_confusion_matrix(counts).axes[0].texts]
    assert "7" in texts and texts.count("100") == 10


def test_confusion_matrix_rejects_wrong_shape():
    with pytest.raises(ValueError, match="10×10 matrix for 10 classes"):
        plot_confusion_matrix(np.zeros((9, 9)))


def test_confidence_histogram_splits_right_and_wrong():
    probabilities = np.full((5, 10), 0.02)
    probabilities[:, 0] = [0.8, 0.8, 0.8, 0.2, 0.8]  # argmax 0, except row 3
    probabilities[3, 1] = 0.62
    labels = np.array([0, 0, 1, 1, 0])  # rows 0, 1, 3, 4 right; row 2 wrong
    ax = plot_confidence(probabilities, labels).axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["right (4)", "wrong (1)"]
    heights = [sum(p.get_height() for p in container) for container in ax.containers]
    assert heights == [4, 1]
    wrong_bar = next(p for p in ax.containers[1] if p.get_height() > 0)
    assert wrong_bar.get_x() <= 0.8 < wrong_bar.get_x() + wrong_bar.get_width()
    assert wrong_bar.get_y() == 3  # stacked on the three right ones at 0.8
    with pytest.raises(ValueError, match="expected probabilities"):
        plot_confidence(probabilities, labels[:3])


def test_show_predictions_titles_class_confidence_and_truth():
    probabilities = np.full((3, 10), 0.01)
    probabilities[0, 9], probabilities[1, 6], probabilities[2, 2] = 0.91, 0.55, 0.91
    fig = show_predictions(np.zeros((3, 28, 28, 1)), probabilities, [9, 0, 2], ncols=2)
    axes = _image_axes(fig)
    assert [ax.get_title() for ax in axes] == [
        "Ankle boot: 0.91", "Shirt: 0.55\n(true: T-shirt/top)", "Pullover: 0.91"]
    assert matplotlib.colors.same_color(axes[1].title.get_color(), "tab:red")
    assert len(fig.axes) == 4
    with pytest.raises(ValueError, match=r"\(n, 10\) probabilities"):
        show_predictions(np.zeros((3, 28, 28)), probabilities[:, :5])


def _lightness(cmap_name):
    """CIE L* (0 black .. 100 white) of 64 steps along a colour map."""
    rgb = matplotlib.colormaps[cmap_name](np.linspace(0, 1, 64))[:, :3]
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    y = linear @ np.array([0.2126, 0.7152, 0.0722])
    return np.where(y > 0.008856, 116 * np.cbrt(y) - 16, 903.3 * y)


def _colour_maps_in_use():
    """Every colour map the course draws with: helpers' defaults and chapters' cmap=."""
    import inspect
    import re

    from repo import ROOT
    from helpers import plots

    used = {p.default for _, f in inspect.getmembers(plots, inspect.isfunction)
            for name, p in inspect.signature(f).parameters.items()
            if name == "cmap" and isinstance(p.default, str)}
    for page in (ROOT / "book").glob("*.ipynb"):
        used |= set(re.findall(r'cmap=\\?["\']([\w]+)', page.read_text()))
    return sorted(used)


def test_every_colour_map_reads_in_grayscale():
    """Printed or seen in grayscale, a map must still order its values: its lightness
    has to rise (or fall) all the way, which diverging maps such as RdBu do not."""
    used = _colour_maps_in_use()
    assert {"gray_r", "inferno", "viridis"} <= set(used)
    assert not _monotonic("RdBu_r") and not _monotonic("jet")  # the check can fail
    for name in used:
        assert _monotonic(name), f"{name} is not monotonic in lightness"


def _monotonic(cmap_name):
    steps = np.diff(_lightness(cmap_name))
    return bool(np.all(steps > 0) or np.all(steps < 0))
