"""Why the seed's validation accuracy swings, and the fix: precise BatchNorm statistics.

Keras initialises each BatchNormalization layer's ``moving_variance`` to 1 and updates it as
``v <- momentum * v + (1 - momentum) * batch_var`` (momentum 0.99). After ``k`` steps the
estimate still holds ``0.99**k`` of the initial 1. Behind the LSTM the activations feeding
the dense stack have variances far below 1 (1e-3 and less, many ReLU units dead), so for
thousands of steps the moving variance is dominated by its initial value: at inference every
unit is divided by a far-too-large standard deviation, the stack collapses to its moving mean
and the network predicts one class (validation accuracy = the majority share), then jumps
when the estimate finally catches up. :func:`bn_drift` measures this layer by layer.

The fix (Wu & Johnson 2021, "Rethinking 'Batch' in BatchNorm", *PreciseBN*): before each
evaluation, recompute every BN layer's population statistics with the *current* weights as
an exact average over fixed training batches. It changes no weight and no parameter count.

Keras is imported inside the functions, as in :mod:`ecglib.models.keras_nets` (8 s).
"""
from __future__ import annotations

import weakref

import numpy as np
import pandas as pd

from ..core.paths import array_digest


def _bn_layers(model) -> list:
    import keras

    found = []
    for layer in getattr(model, "layers", []):
        if isinstance(layer, keras.layers.BatchNormalization):
            found.append(layer)
        else:
            found += _bn_layers(layer)
    return found


def recalibrate_bn(model, X: np.ndarray | list[np.ndarray], batches: int = 40,
                   batch_size: int = 256, seed: int = 0) -> int:
    """Set every BN layer's moving mean/variance to the average batch statistics of
    ``batches`` fixed training batches under the current weights (``X``: the model's input,
    or a list of its inputs). Returns batches used."""
    import keras

    layers = _bn_layers(model)
    rows = len(X[0]) if isinstance(X, list) else len(X)
    if not layers or rows == 0:
        return 0
    order = np.random.default_rng(seed).permutation(rows)
    n = max(1, min(batches, rows // batch_size or 1))
    # A pass from statistics set to 0 leaves (1 - momentum) x the batch's statistics. The
    # momentum itself is left alone: setting a layer attribute makes Keras retrace its
    # training step, which doubled the time of the next epoch.
    stats = [(v, 1.0 - layer.momentum) for layer in layers
             for v in (layer.moving_mean, layer.moving_variance)]
    one_pass = _compiled_pass(model)
    total = [np.zeros(v.shape, dtype=np.float64) for v, _ in stats]
    for k in range(n):
        for v, _ in stats:
            v.assign(np.zeros(v.shape, dtype=v.dtype))
        pick = order[k * batch_size:(k + 1) * batch_size]
        one_pass([a[pick] for a in X] if isinstance(X, list) else X[pick])
        for t, (v, share) in zip(total, stats):
            t += keras.ops.convert_to_numpy(v).astype(np.float64) / share
    for (v, _), t in zip(stats, total):
        v.assign((t / n).astype(v.dtype))
    return n


#: each model's compiled pass, traced once
_PASSES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _compiled_pass(model):
    """``x -> None``: one training-mode pass of ``model`` that updates its BN statistics,
    compiled by the Keras backend once per model (an eager pass costs several times more)."""
    if model not in _PASSES:
        _PASSES[model] = _compile_pass(model)
    return _PASSES[model]


def _compile_pass(model):
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.function(lambda x: model(x, training=True), reduce_retracing=True)
    if backend == "jax":              # jitted code cannot assign: pass the state through
        import jax

        stateless = jax.jit(lambda trainable, fixed, x: model.stateless_call(
            trainable, fixed, x, training=True)[1])

        def one_pass(x):
            fixed = stateless([v.value for v in model.trainable_variables],
                              [v.value for v in model.non_trainable_variables], x)
            for variable, value in zip(model.non_trainable_variables, fixed):
                variable.assign(value)
        return one_pass
    return lambda x: model(x, training=True)


def bn_drift(model, X: np.ndarray) -> pd.DataFrame:
    """For each BN layer of a Sequential model: how far the inputs it sees at inference are
    from its moving statistics (mean shift in moving sd, variance ratio, dead units)."""
    import keras

    rows, x = [], np.asarray(X, dtype=np.float32)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            a = np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)
            mean, var = a.mean(axis=0), a.var(axis=0)
            mm = np.asarray(keras.ops.convert_to_numpy(layer.moving_mean), dtype=np.float64)
            mv = np.asarray(keras.ops.convert_to_numpy(layer.moving_variance), dtype=np.float64)
            live = var > 1e-10          # dead ReLU units carry no information
            rows.append({
                "layer": layer.name, "units": a.shape[1],
                "median_input_variance": float(np.median(var[live])) if live.any() else 0.0,
                "median_moving_variance": float(np.median(mv[live])) if live.any() else 0.0,
                "median_variance_ratio": (float(np.median(var[live] / np.maximum(mv[live], 1e-12)))
                                          if live.any() else float("nan")),
                "median_mean_shift_sd": float(np.median(
                    np.abs(mean - mm) / np.sqrt(mv + layer.epsilon))),
                "dead_units": int((~live).sum()),
            })
        x = layer(x, training=False)
    return pd.DataFrame(rows)


def with_statistics(net, statistics: list[np.ndarray]):
    """A copy of the Keras network ``net`` whose BN layers hold ``statistics`` (each layer's
    moving mean then moving variance, in layer order), e.g. the ones Keras itself tracked
    (:attr:`KerasClassifier.keras_bn_statistics`); ``net`` is left as it is."""
    import keras

    copy = keras.models.clone_model(net)
    copy.set_weights(net.get_weights())
    variables = [v for layer in _bn_layers(copy)
                 for v in (layer.moving_mean, layer.moving_variance)]
    if len(variables) != len(statistics):
        raise ValueError(f"{len(statistics)} statistics for {len(variables)} BN variables")
    for v, value in zip(variables, statistics):
        v.assign(np.asarray(value, dtype=v.dtype))
    return copy


def precise_bn_callback(X: np.ndarray, batches: int = 40, batch_size: int = 256, seed: int = 0,
                        validation: tuple | None = None):
    """A Keras callback that recalibrates BN statistics before every validation pass (and at
    the end of an epoch when there is no validation data).

    With ``validation`` (inputs, labels) it also scores those beats, each epoch, with the
    statistics Keras itself would hold without PreciseBN: history columns
    ``val_loss_keras_bn`` and ``val_accuracy_keras_bn``; the callback's ``keras_statistics``
    lists them per epoch. BN statistics never change the weights (training mode normalises
    by each batch's own statistics), and Keras' running average is linear in its starting
    value, so those statistics follow from the recalibrated ones:
    ``keras = current + momentum**steps * (keras_before - recalibrated_before)``."""
    import keras

    class PreciseBN(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            #: what the callback does to a fit, for a cache key
            #: (:func:`ecglib.training.runcache.fit_identity`)
            self.cache_identity = {"X": array_digest(*X) if isinstance(X, list)
                                   else array_digest(X), "batches": batches,
                                   "batch_size": batch_size, "seed": seed,
                                   "validation": array_digest(*validation)
                                   if validation is not None else None}
            self._fitting = False
            self._validated = False
            self.keras_statistics: list[list[np.ndarray]] = []

        def _values(self) -> list[np.ndarray]:
            return [keras.ops.convert_to_numpy(v).astype(np.float64) for v in self._vars]

        def _set(self, values: list[np.ndarray]) -> None:
            for v, value in zip(self._vars, values):
                v.assign(value.astype(v.dtype))

        def on_train_begin(self, logs=None):
            self._fitting = True
            layers = _bn_layers(self.model)
            self._vars = [v for layer in layers for v in (layer.moving_mean,
                                                           layer.moving_variance)]
            self._momenta = [layer.momentum for layer in layers for _ in range(2)]
            self._keras = self._start = self._values() if validation is not None else None

        def on_train_end(self, logs=None):
            self._fitting = False

        def on_epoch_begin(self, epoch, logs=None):
            self._validated = False

        def _recalibrate(self):
            if self._keras is not None:     # Keras' own average, carried over this epoch
                steps = self.params["steps"]
                self._keras = [now + m ** steps * (kept - start) for now, kept, start, m in
                               zip(self._values(), self._keras, self._start, self._momenta)]
            recalibrate_bn(self.model, X, batches, batch_size, seed)
            if self._keras is not None:
                self._start = self._values()

        def on_test_begin(self, logs=None):
            if self._fitting:
                self._recalibrate()
                self._validated = True

        def on_epoch_end(self, epoch, logs=None):
            if not self._validated:
                self._recalibrate()
            if self._keras is None:
                return
            self.keras_statistics.append(self._keras)
            self._set(self._keras)
            scores = self.model.evaluate(*validation, batch_size=512, verbose=0,
                                         return_dict=True)
            self._set(self._start)
            if logs is not None:
                logs.update({f"val_{name}_keras_bn": float(value)
                             for name, value in scores.items()})

    return PreciseBN()
