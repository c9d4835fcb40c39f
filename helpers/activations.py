"""Looking inside a trained network: its image-producing layers, and a model that
returns their outputs, the feature maps (chapter 4)."""

from __future__ import annotations

import keras


def feature_layers(model):
    """The layers whose outputs are images: every Conv2D and pooling layer, in order."""
    kinds = (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
    return [layer for layer in model.layers if isinstance(layer, kinds)]


def resolve_layers(model, layers=None):
    """Layer objects from names, indices or layers (``None``: :func:`feature_layers`).

    An unknown name or index raises a ValueError that lists the valid ones.
    """
    if layers is None:
        found = feature_layers(model)
        if not found:
            raise ValueError(f"model {model.name!r} has no convolution or pooling layers")
        return found
    names = [layer.name for layer in model.layers]
    resolved = []
    for key in layers:
        if any(key is layer for layer in model.layers):
            resolved.append(key)
        elif isinstance(key, str) and key in names:
            resolved.append(model.get_layer(key))
        elif isinstance(key, int) and -len(names) <= key < len(names):
            resolved.append(model.layers[key])
        else:
            raise ValueError(f"model {model.name!r} has no layer {key!r}; its layers are "
                             f"{', '.join(f'{i}: {n}' for i, n in enumerate(names))}")
    return resolved


def activation_model(model, layers=None):
    """A model with the same input whose outputs are the given layers' outputs.

    One forward pass then returns every intermediate feature map at once (chapter 4).
    """
    chosen = resolve_layers(model, layers)
    return keras.Model(inputs=model.inputs, outputs=[layer.output for layer in chosen])
