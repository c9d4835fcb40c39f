"""Learning-rate schedules (chapter 7)."""

from __future__ import annotations

import keras


def warmup_cosine(peak: float, total_steps: int, warmup_fraction: float = 0.1):
    """Learning rate rising linearly to ``peak`` over the first steps, then a cosine
    decay to nearly 0: large steps while far from a minimum, small ones at the end."""
    warmup = max(1, int(total_steps * warmup_fraction))
    return keras.optimizers.schedules.CosineDecay(
        peak / 30, max(1, total_steps - warmup), alpha=0.0, warmup_target=peak,
        warmup_steps=warmup)
