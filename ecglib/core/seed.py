"""One seed setting for Python, NumPy and Keras (and TensorFlow's op determinism).

:func:`set_seed` never imports Keras itself: importing it costs seconds, which commands
that never train a network should not pay. When Keras is already loaded it is seeded at
once; otherwise the seed is kept and applied by :func:`seed_keras` when a Keras model first
imports it (:func:`ecglib.models.backend.require_keras`), before any layer draws a weight.
The result is the same as seeding everything at the call."""
from __future__ import annotations

import os
import random
import sys

import numpy as np

#: the last :func:`set_seed` call's (seed, deterministic_ops), applied to Keras when loaded
_CURRENT: tuple[int, bool] | None = None


def set_seed(seed: int, deterministic_ops: bool = True) -> None:
    """Seed ``random``, NumPy and the Keras backend; make TensorFlow ops deterministic.

    Same seed, same data, same machine -> the same weights (CPU). On the JAX backend CPU
    kernels are deterministic already.

    Examples
    --------
    >>> import numpy as np
    >>> set_seed(3); a = np.random.rand()
    >>> set_seed(3); bool(a == np.random.rand())
    True
    """
    global _CURRENT
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    os.environ["PYTHONHASHSEED"] = str(seed)
    random.seed(seed)
    np.random.seed(seed)
    _CURRENT = (int(seed), deterministic_ops)
    if "keras" in sys.modules:
        seed_keras()


def seed_keras() -> None:
    """Apply the last :func:`set_seed` to Keras (a fresh session, its backend's generators,
    TensorFlow's op determinism) without disturbing the Python and NumPy streams in use."""
    if _CURRENT is None:
        return
    import keras

    seed, deterministic_ops = _CURRENT
    py_state, np_state = random.getstate(), np.random.get_state()
    # Keras numbers layers per process ("dense", "dense_1"...) and TensorFlow derives some
    # op seeds from the graph: a fresh session makes the second model trained in a process
    # train like the first, as in a fresh process.
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)          # also reseeds random and NumPy: restore them
    random.setstate(py_state)
    np.random.set_state(np_state)
    if deterministic_ops and keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.experimental.enable_op_determinism()
