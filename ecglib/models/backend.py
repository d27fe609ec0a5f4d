"""Keras, imported only by the models that need it, with a one-line error when it cannot be.

ecglib's scikit-learn models, data building and prediction with them never import Keras
(importing it with TensorFlow takes seconds). A Keras model is created or loaded through
:func:`require_keras`, which imports Keras once, turns a missing backend into an error
that names the ``pip install`` command, and applies the seed of the last
:func:`ecglib.core.seed.set_seed` call to it.
"""
from __future__ import annotations

import os
import sys

from ..core.errors import MissingDependencyError
from ..core.seed import seed_keras
from ..core.threads import tensorflow_threads

INSTALL_HINT = ("pip install 'ecglib[tensorflow]' (or 'ecglib[jax]' and KERAS_BACKEND=jax)")


def require_keras():
    """The ``keras`` module, seeded like everything else; a
    :class:`~ecglib.core.errors.MissingDependencyError` naming the install command when
    Keras or its backend is missing."""
    if "keras" in sys.modules:
        return sys.modules["keras"]
    try:
        import keras
    except ImportError as exc:
        missing = getattr(exc, "name", None) or "keras"
        backend = os.environ.get("KERAS_BACKEND", "tensorflow")
        raise MissingDependencyError(
            f"this model needs Keras with its {backend} backend, and {missing!r} is not "
            f"installed: {INSTALL_HINT}") from None
    seed_keras()
    return keras


def keras_info() -> dict[str, str]:
    """The Keras backend and version in use, and how many threads it computes with
    (:func:`ecglib.core.threads.tensorflow_threads`; part of a Keras run's parameters and of
    its cache key: a network trained with another count sums in another order and ends
    slightly elsewhere)."""
    keras = require_keras()
    return {"keras_backend": keras.backend.backend(), "keras_version": keras.__version__,
            "threads": tensorflow_threads()}
