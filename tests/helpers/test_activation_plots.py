"""Activation plots and the activation model: panels, titles, and clear errors."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from helpers.activations import activation_model
from helpers.models import conv_network, dense_network
from helpers.plots import show_activations, show_feature_maps, show_kernels
from helpers.training import set_seed


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def cnn():
    set_seed(0)
    return conv_network((8, 4), dense_units=(16,), name="small_cnn")


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(0).random((3, 28, 28, 1), dtype=np.float32)


def _image_axes(fig):
    return [ax for ax in fig.axes if ax.get_images()]


def test_activation_model_returns_every_feature_layer(cnn, images):
    outputs = activation_model(cnn).predict(images, verbose=0)
    assert [o.shape for o in outputs] == [(3, 26, 26, 8), (3, 13, 13, 8), (3, 11, 11, 4),
                                          (3, 5, 5, 4)]
    conv = cnn.layers[0]  # the first output is exactly the first layer's activation
    assert np.allclose(outputs[0], np.asarray(conv(images)), atol=1e-6)


def test_show_activations_one_column_per_layer(cnn, images):
    fig = show_activations(cnn, images, filter_index=3, row_titles=["a", "b", "c"])
    axes = _image_axes(fig)
    assert len(axes) == 3 * 4
    names = [layer.name for layer in cnn.layers[:4]]
    assert [ax.get_title() for ax in axes[:4]] == [
        f"{names[0]}\n26×26×8", f"{names[1]}\n13×13×8", f"{names[2]}\n11×11×4",
        f"{names[3]}\n5×5×4"]
    assert fig._suptitle.get_text() == "filter 3"
    assert axes[0].get_images()[0].get_cmap().name == "inferno"
    # the reference: the layers applied one by one, not helpers' activation model
    x = images
    for layer in cnn.layers[:3]:
        x = layer(x)
    expected = np.asarray(x)[1, :, :, 3]
    assert np.allclose(axes[4 + 2].get_images()[0].get_array(), expected, atol=1e-5), (
        "row 2, column 3 is not the third layer's filter 3 for the second image")


def test_show_activations_accepts_names_indices_and_images_without_channel(cnn, images):
    first = cnn.layers[0].name
    fig = show_activations(cnn, images[:2, :, :, 0], layers=[first, 1])
    assert len(_image_axes(fig)) == 2 * 2


@pytest.mark.parametrize("kwargs, message", [
    ({"layers": ["no_such_layer"]}, "no layer 'no_such_layer'"),
    ({"layers": [42]}, "no layer 42"),
    ({"filter_index": 5}, "has 4 filters; filter_index 5"),
])
def test_show_activations_clear_errors(cnn, images, kwargs, message):
    with pytest.raises(ValueError, match=message):
        show_activations(cnn, images, **kwargs)


@pytest.mark.parametrize("bad", [np.zeros((2, 32, 32, 1)), np.zeros((28, 28, 1)),
                                 np.zeros((2, 28, 28, 3))])
def test_show_activations_rejects_wrong_image_shape(cnn, bad):
    with pytest.raises(ValueError, match=r"expected a batch of images of shape \(n, 28, 28, 1\)"):
        show_activations(cnn, bad)


def test_show_feature_maps_one_panel_per_channel(cnn, images):
    fig = show_feature_maps(cnn, images[0], 0)
    axes = _image_axes(fig)
    assert len(axes) == 8 and [ax.get_title() for ax in axes] == [str(i) for i in range(8)]
    assert "26×26×8" in fig._suptitle.get_text()
    expected = np.asarray(cnn.layers[0](images[:1]))[0, :, :, 2]
    assert np.allclose(axes[2].get_images()[0].get_array(), expected, atol=1e-5), (
        "panel 2 is not channel 2 of the first layer's output for this image")


def test_show_kernels_symmetric_diverging_scale(cnn):
    fig = show_kernels(cnn)
    axes = _image_axes(fig)
    assert len(axes) == 8
    kernels = np.asarray(cnn.layers[0].kernel)[:, :, 0]
    shown = axes[5].get_images()[0]
    assert np.allclose(shown.get_array(), kernels[:, :, 5])
    low, high = shown.get_clim()
    assert low == -high == -np.abs(kernels).max()


def test_show_kernels_refuses_layers_without_kernels(cnn):
    with pytest.raises(ValueError, match="not Conv2D"):
        show_kernels(cnn, 1)
    with pytest.raises(ValueError, match="no convolution or pooling"):
        show_kernels(dense_network((4,)))
