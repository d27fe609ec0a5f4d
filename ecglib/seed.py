"""One seed setting for Python, NumPy and Keras (and TensorFlow's op determinism).

Keras is imported inside these functions: importing it costs about 8 s on 2 cores, which
commands that never train should not pay (see :mod:`ecglib.models.keras_nets`)."""
from __future__ import annotations

import os
import random

import numpy as np


def set_seed(seed: int, deterministic_ops: bool = True) -> None:
    """Seed ``random``, NumPy and the Keras backend; make TensorFlow ops deterministic.

    Same seed, same data, same machine -> the same weights (CPU). On the JAX backend CPU
    kernels are deterministic already.
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    import keras

    keras.utils.set_random_seed(int(seed))
    if deterministic_ops and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()


def keras_info() -> dict[str, str]:
    """The Keras backend and version in use (part of run parameters and cache keys)."""
    import keras

    return {"keras_backend": keras.backend.backend(), "keras_version": keras.__version__}
