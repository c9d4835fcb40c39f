"""Shape and parameter arithmetic: what a layer outputs and costs, worked out from its
settings before (or instead of) building and timing it (chapters 2, 3 and 5)."""

from __future__ import annotations

import keras


def dense_param_count(layer_sizes) -> int:
    """Weights plus biases of a chain of dense layers, e.g. [784, 128, 10] -> 101,770."""
    sizes = [int(n) for n in layer_sizes]
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes, sizes[1:]))


def conv_param_count(kernel_size: int, in_channels: int, filters: int) -> int:
    """One k×k kernel per (input channel, filter) pair, plus one bias per filter."""
    return (int(kernel_size) ** 2 * int(in_channels) + 1) * int(filters)


def conv_output_size(size: int, kernel_size: int, padding: str = "valid") -> int:
    """Height (or width) after a stride-1 convolution: 'valid' loses k - 1 pixels."""
    if padding == "same":
        return int(size)
    if padding == "valid":
        return int(size) - int(kernel_size) + 1
    raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")


def pool_output_size(size: int, pool: int = 2, padding: str = "valid") -> int:
    """Height (or width) after pooling with stride = pool: 'valid' drops a leftover row."""
    if padding == "same":
        return -(-int(size) // int(pool))
    if padding == "valid":
        return int(size) // int(pool)
    raise ValueError(f"padding must be 'valid' or 'same', got {padding!r}")


def layer_costs(model) -> list[tuple]:
    """(layer name, output shape, parameters, multiply-adds per image) for each layer, from
    the layer shapes: the cost of a network before timing it. Convolutions and dense
    layers only; pooling, activations and normalization are small next to them."""
    rows = []
    for layer in model.layers:
        out = layer.output.shape
        if isinstance(layer, keras.layers.Conv2D):
            kh, kw, c_in, c_out = layer.kernel.shape
            macs = out[1] * out[2] * kh * kw * c_in * c_out
        elif isinstance(layer, keras.layers.Dense):
            macs = layer.kernel.shape[0] * layer.kernel.shape[1]
        else:
            macs = 0
        rows.append((layer.name, tuple(out[1:]), layer.count_params(), int(macs)))
    return rows
