"""Model builders shared by chapters and exercises, so every page trains the same network."""

from __future__ import annotations

import keras

from .data import IMAGE_SHAPE


def dense_network(hidden_units=(128,), activation: str = "relu", name: str | None = None):
    """Flatten -> Dense(h, activation) for each h -> Dense(10, softmax).

    ``dense_network()`` is the 101,770-parameter baseline; ``dense_network((30, 20), "tanh")``
    is the small tanh network.
    """
    if not hidden_units or any(int(h) <= 0 for h in hidden_units):
        raise ValueError(f"hidden_units must be positive layer sizes, got {hidden_units!r}")
    layers = [keras.Input(shape=IMAGE_SHAPE), keras.layers.Flatten()]
    layers += [keras.layers.Dense(int(h), activation=activation) for h in hidden_units]
    layers.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(layers, name=name)


def conv_network(filters=(64, 64), kernel_size: int = 3, *, padding: str = "valid",
                 activation: str = "relu", dense_units=(128,), name: str | None = None):
    """Conv2D(f, kernel_size) -> MaxPooling2D(2) for each f, then the dense head.

    One builder for every CNN in the course, so the chapters differ only in arguments:
    ``conv_network()`` is the 2×Conv(64) network of chapter 3, ``conv_network((64,))``
    drops its final convolution, ``conv_network((64, 64, 64))`` adds one (chapter 5).
    Pooling pads like the convolutions, so ``padding="same"`` keeps odd sizes (7 -> 4).
    Inputs are images with a channel axis, shape (28, 28, 1).
    """
    if not filters or any(int(f) <= 0 for f in filters):
        raise ValueError(f"filters must be positive filter counts, got {filters!r}")
    if padding not in ("valid", "same"):
        raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")
    layers = [keras.Input(shape=(*IMAGE_SHAPE, 1))]
    for f in filters:
        layers += [keras.layers.Conv2D(int(f), kernel_size, activation=activation,
                                       padding=padding),
                   keras.layers.MaxPooling2D(2, padding=padding)]
    layers.append(keras.layers.Flatten())
    layers += [keras.layers.Dense(int(h), activation=activation) for h in dense_units]
    layers.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(layers, name=name)


def two_conv_network(name: str = "two_conv64"):
    """The chapter-3 CNN: 2×(Conv 64 3×3 relu + MaxPool 2) -> Dense 128 -> Dense 10."""
    return conv_network((64, 64), 3, dense_units=(128,), name=name)


def tanh_conv_network(name: str = "conv16_tanh"):
    """One Conv(16, 3×3, tanh, same) + pool in front of the 30-20-10 tanh network."""
    return conv_network((16,), 3, padding="same", activation="tanh", dense_units=(30, 20),
                        name=name)


def lenet_network(name: str = "lenet"):
    """LeNet-style: Conv(20, 5×5) -> pool -> Conv(50, 5×5) -> pool -> Dense 500 -> 10."""
    return conv_network((20, 50), 5, padding="same", dense_units=(500,), name=name)


def deep_network(name: str = "deep_cnn"):
    """The deeper CNN of chapter 7: 64@7×7, 2×128, 2×256 (3×3, same), three 2×2 pools,
    then Dense 128 and Dense 64, each followed by dropout 0.5, and the softmax output.

    Filters double after each pooling step, which halves the feature maps, so every
    block costs about the same.
    """
    conv = {"activation": "relu", "padding": "same"}
    layers = [keras.Input(shape=(*IMAGE_SHAPE, 1)),
              keras.layers.Conv2D(64, 7, **conv), keras.layers.MaxPooling2D(2)]
    for filters in (128, 256):
        layers += [keras.layers.Conv2D(filters, 3, **conv),
                   keras.layers.Conv2D(filters, 3, **conv), keras.layers.MaxPooling2D(2)]
    layers.append(keras.layers.Flatten())
    for units in (128, 64):
        layers += [keras.layers.Dense(units, activation="relu"), keras.layers.Dropout(0.5)]
    layers.append(keras.layers.Dense(10, activation="softmax"))
    return keras.Sequential(layers, name=name)


def batchnorm_network(filters=(32, 64, 128), *, flip: bool = True, shift: int = 0,
                      dropout: float = 0.3, dense_units: int = 128,
                      name: str = "batchnorm_cnn"):
    """Chapter 7's best model: (Conv 3×3 same -> BatchNorm -> ReLU -> MaxPool 2) per
    filter count, then dropout, Dense -> BatchNorm -> ReLU, dropout, softmax.

    ``flip`` starts the model with random left-right flips, ``shift`` with random shifts
    of up to that many pixels. Keras applies both only while training, so predictions
    see the images as they are.
    """
    if not filters or any(int(f) <= 0 for f in filters):
        raise ValueError(f"filters must be positive filter counts, got {filters!r}")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}")
    layers = [keras.Input(shape=(*IMAGE_SHAPE, 1))]
    if shift:
        layers.append(keras.layers.RandomTranslation(shift / 28, shift / 28,
                                                     fill_mode="nearest"))
    if flip:
        layers.append(keras.layers.RandomFlip("horizontal"))
    for f in filters:  # no conv bias: BatchNorm's own shift replaces it
        layers += [keras.layers.Conv2D(int(f), 3, padding="same", use_bias=False),
                   keras.layers.BatchNormalization(), keras.layers.Activation("relu"),
                   keras.layers.MaxPooling2D(2)]
    layers += [keras.layers.Flatten(), keras.layers.Dropout(dropout),
               keras.layers.Dense(int(dense_units), use_bias=False),
               keras.layers.BatchNormalization(), keras.layers.Activation("relu"),
               keras.layers.Dropout(dropout), keras.layers.Dense(10, activation="softmax")]
    return keras.Sequential(layers, name=name)
