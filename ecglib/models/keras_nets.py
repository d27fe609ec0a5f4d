"""Keras networks (the seed CNN-LSTM and two CNN baselines) behind the Classifier interface.

Keras is imported inside the functions of this module only: importing it (with TensorFlow)
takes seconds (``benchmarks/bench_predict.py``), which ``ecglib --help``, ``ecglib data
build`` and the scikit-learn models should not pay. Every function here gets it from
:func:`ecglib.models.backend.require_keras` (seeded; a clear error without a backend).

The seed's conv stack inside TimeDistributed is not published; its summary fixes only the
output (None, 10, 256) and 353,024 parameters. Several natural stacks fit; we use
Conv1D(32, 7) -> Conv1D(256, 3) -> Conv1D(256, 5) (valid padding, ReLU) -> global max pool
over each 18-sample step: 256 + 24,832 + 327,936 = 353,024 parameters and about 24 M
multiply-adds per beat (the third conv dominates), matching the guide's cost estimate.
Another exact fit is Conv1D(64, 5) -> Conv1D(128, 7) -> Conv1D(256, 9) with 'same' padding.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..beats.rr import RR_FEATURES
from ..beats.segmentation import BEAT_LENGTH
from ..core.errors import DataError
from .backend import keras_info, require_keras
from .base import Classifier, FitParams, ModelSpec, register_wrapped
from .batchnorm import precise_bn_callback

DENSE_WIDTHS = (1024, 512, 256, 128, 64, 32)


def _head(n_classes: int):
    layers = require_keras().layers

    if n_classes == 2:
        return layers.Dense(1, activation="sigmoid", name="output")
    return layers.Dense(n_classes, activation="softmax", name="output")


def seed_model(n_classes: int = 2, step_len: int = 18, bn_momentum: float = 0.99,
               dropout: float = 0.5):
    """The seed network: TimeDistributed 1D-CNN -> LSTM(64) -> 6 x (Dense + BN) -> Dropout ->
    output. With the defaults its summary matches the seed row by row (1,209,217 params)."""
    keras = require_keras()           # imported here, seeded by set_seed
    layers = keras.layers

    conv = keras.Sequential([
        layers.Input((step_len, 1)),
        layers.Conv1D(32, 7, activation="relu"),
        layers.Conv1D(256, 3, activation="relu"),
        layers.Conv1D(256, 5, activation="relu"),
        layers.GlobalMaxPooling1D(),
    ], name="step_cnn")
    stack = [layers.Input((10, step_len, 1)), layers.TimeDistributed(conv),
             layers.LSTM(64)]
    for width in DENSE_WIDTHS:
        stack += [layers.Dense(width, activation="relu"),
                  layers.BatchNormalization(momentum=bn_momentum)]
    stack += [layers.Dropout(dropout), _head(n_classes)]
    return keras.Sequential(stack, name="seed_cnn_lstm")


def kachuee_model(n_classes: int = 2):
    """Residual CNN of Kachuee et al. (2018): conv(32, 5), five residual blocks (two conv(32, 5)
    with ReLU, skip connection, max-pool 5 / stride 2), then Dense 32 -> Dense 32 -> output."""
    keras = require_keras()           # imported here, seeded by set_seed
    layers = keras.layers

    inp = layers.Input((BEAT_LENGTH, 1))
    x = layers.Conv1D(32, 5, padding="same")(inp)
    for _ in range(5):
        y = layers.Conv1D(32, 5, padding="same", activation="relu")(x)
        y = layers.Conv1D(32, 5, padding="same")(y)
        x = layers.Activation("relu")(layers.Add()([x, y]))
        x = layers.MaxPooling1D(5, strides=2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(32, activation="relu")(x)
    x = layers.Dense(32, activation="relu")(x)
    return keras.Model(inp, _head(n_classes)(x), name="kachuee_resnet")


def compact_cnn(n_classes: int = 2):
    """A compact 1D-CNN (29,441 parameters for two classes): three conv/pool stages, then a
    dense layer on the flattened map, so the position of waves relative to the R peak
    (timing) is kept."""
    keras = require_keras()           # imported here, seeded by set_seed
    layers = keras.layers

    return keras.Sequential([
        layers.Input((BEAT_LENGTH, 1)),
        layers.Conv1D(16, 7, padding="same", activation="relu"), layers.MaxPooling1D(2),
        layers.Conv1D(32, 5, padding="same", activation="relu"), layers.MaxPooling1D(2),
        layers.Conv1D(32, 3, padding="same", activation="relu"), layers.MaxPooling1D(2),
        layers.Flatten(),
        layers.Dense(32, activation="relu"), layers.Dropout(0.2), _head(n_classes),
    ], name="compact_cnn")


def with_channel(X: np.ndarray) -> np.ndarray:
    """(n, 187) -> (n, 187, 1) float32, the input of the 1D-CNNs."""
    return np.asarray(X, dtype=np.float32)[..., None]


#: the name of the layer that standardises a two-input network's features (``with_rhythm``,
#: ``scaled``): :meth:`KerasClassifier.fit` adapts it to the training beats' features
SCALE_LAYER = "rr_scale"


def with_rhythm(morphology: Callable, n_rr: int = len(RR_FEATURES), name: str = "",
                scaled: bool = False) -> Callable:
    """A two-input network builder: ``morphology(n_classes)`` (a Keras model ending in its
    output layer) whose last hidden layer is joined with the beat's R-R features (through a
    small Dense(16) layer) before the output. ``scaled``: the features are first standardised
    by a Normalization layer (:data:`SCALE_LAYER`) with the training beats' mean and variance,
    kept in the model file."""
    def build(n_classes: int = 2):
        keras = require_keras()
        layers = keras.layers

        base = morphology(n_classes)
        hidden = base.layers[-2].output                 # the layer feeding the output
        rr_in = layers.Input((n_rr,), name="rr")
        rr = layers.Normalization(name=SCALE_LAYER)(rr_in) if scaled else rr_in
        rr = layers.Dense(16, activation="relu", name="rr_dense")(rr)
        x = layers.Concatenate(name="shape_and_rhythm")([hidden, rr])
        x = layers.Dense(32, activation="relu", name="joint")(x)
        return keras.Model([base.inputs[0], rr_in], _head(n_classes)(x),
                           name=name or f"{base.name}_rr")
    return build


def _unnamed(config):
    """A Keras configuration without its ``name`` entries, JSON-able (other values as
    their text)."""
    if isinstance(config, dict):
        return {str(k): _unnamed(v) for k, v in config.items() if k != "name"}
    if isinstance(config, (list, tuple)):
        return [_unnamed(v) for v in config]
    return config if isinstance(config, (str, int, float, bool, type(None))) else repr(config)


class KerasClassifier(Classifier):
    """A Keras network, the function that prepares its input, and its training loop."""

    def __init__(self, name: str, n_classes: int, net, prepare: Callable,
                 reads: tuple[str, ...] = ()) -> None:
        super().__init__(name, n_classes, reads)
        self.net = net
        self.prepare = prepare
        #: after a fit with PreciseBN: the BN statistics Keras itself tracked, at the epoch
        #: restored (each BN layer's moving mean, then variance; see ``with_statistics``)
        self.keras_bn_statistics: list[np.ndarray] | None = None

    def definition(self) -> dict:
        """The base definition, the Keras backend and its thread count, how beats are prepared
        and every layer: its type, output shape, weights and configuration (layer names left
        out: Keras numbers them by how many layers the process has made)."""
        layers = [{"type": type(layer).__name__, "output": str(layer.output.shape),
                   "params": int(layer.count_params()),
                   "config": _unnamed(layer.get_config())} for layer in self.net.layers]
        info = keras_info()
        return {**super().definition(), "backend": info["keras_backend"],
                "threads": info["threads"],
                "prepare": self.prepare.__qualname__, "layers": layers}

    def weighting(self, class_weight: bool) -> dict:
        """With class weights, their cap (:data:`MAX_CLASS_WEIGHT`, :func:`class_weights`)."""
        return {"max_class_weight": MAX_CLASS_WEIGHT} if class_weight else {}

    def framework(self) -> dict:
        return keras_info()

    def inputs(self, X: np.ndarray, features: np.ndarray | None = None):
        """The network's input(s): prepared beats, and the per-beat features it reads
        (:attr:`reads`) as the second input."""
        beats = self.prepare(X)
        extra = self._features(features, len(beats))
        return beats if extra is None else [beats, extra]

    def fit(self, X, y, X_val, y_val, params: FitParams, verbose: int = 2, features=None,
            features_val=None, sample_weight=None) -> pd.DataFrame:
        """Adam, binary or sparse categorical cross-entropy, PreciseBN before every
        evaluation (unless ``params.precise_bn`` is off; with ``params.keras_bn_curve`` also
        the validation scores under Keras' own statistics), early stopping on the validation
        loss with the best weights restored, the feature scaling (if any) adapted to the
        training beats, optional class weights (:func:`class_weights`,
        capped) times optional per-beat
        ``sample_weight``; one line per epoch."""
        keras = require_keras()

        loss = "binary_crossentropy" if self.n_classes == 2 else "sparse_categorical_crossentropy"
        self.net.compile(optimizer=keras.optimizers.Adam(params.learning_rate), loss=loss,
                         metrics=["accuracy"])
        Xtr, Xva = self.inputs(X, features), self.inputs(X_val, features_val)
        if any(layer.name == SCALE_LAYER for layer in self.net.layers):
            self.net.get_layer(SCALE_LAYER).adapt(Xtr[1])   # the training beats' features
        tracked = (Xva, y_val) if params.keras_bn_curve else None
        precise = precise_bn_callback(Xtr, seed=params.seed, validation=tracked) \
            if params.precise_bn else None
        stopping = keras.callbacks.EarlyStopping(monitor="val_loss", patience=params.patience,
                                                 restore_best_weights=True)
        callbacks = [precise, stopping] if precise else [stopping]
        weights = class_weights(y, self.n_classes) if params.class_weight else None
        if sample_weight is not None:       # Keras takes one or the other: fold them
            per_class = np.array([weights[c] for c in range(self.n_classes)]) \
                if weights else np.ones(self.n_classes)
            sample_weight = np.asarray(sample_weight, dtype=np.float64) * per_class[y]
            weights = None
        hist = self.net.fit(Xtr, y, validation_data=(Xva, y_val), epochs=params.epochs,
                            batch_size=params.batch_size, class_weight=weights,
                            sample_weight=sample_weight,
                            callbacks=callbacks, verbose=verbose, shuffle=True)
        if precise is not None and precise.keras_statistics:   # of the epoch restored
            self.keras_bn_statistics = precise.keras_statistics[stopping.best_epoch]
        frame = pd.DataFrame(hist.history)
        frame.insert(0, "epoch", np.arange(1, len(frame) + 1))
        return frame

    def predict_proba(self, X: np.ndarray, features: np.ndarray | None = None,
                      batch_size: int = 512) -> np.ndarray:
        inputs = self.inputs(X, features)
        beats = inputs[0] if isinstance(inputs, list) else inputs
        expected = self.net.input_shape[0] if self.uses_features else self.net.input_shape
        if tuple(expected[1:]) != tuple(beats.shape[1:]):
            raise DataError(f"input of shape {tuple(beats.shape[1:])} does not fit the "
                            f"model's input {tuple(expected[1:])}")
        p = np.asarray(self.net.predict(inputs, batch_size=batch_size, verbose=0))
        return self._check_output(p[:, 0] if p.shape[1] == 1 else p, self.name)

    def save(self, stem: Path) -> Path:
        final = Path(stem).with_suffix(".keras")
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp.keras")
        try:
            self.net.save(tmp)
            os.replace(tmp, final)
        finally:
            tmp.unlink(missing_ok=True)
        return final

    @property
    def n_params(self) -> int:
        return int(self.net.count_params())

    def summary(self) -> str:
        lines: list[str] = []
        self.net.summary(print_fn=lambda s, **_: lines.append(s))
        return "\n".join(lines)


#: the most a class's loss weight may be (:func:`class_weights`). Balanced weights give the 8
#: Q beats of MIT-BIH's DS1 a weight of 1,226 each against 0.22 for an N beat: a batch that
#: holds one of them is pulled towards it, and the seed_rr network trained so on DS1 called
#: 45% of the validation patients' N beats something else (S F1 0.04). Capped at 10 it found
#: 43% of their S beats at +P 47% (benchmarks/keras_class_weights.py, training patients only;
#: square-rooted weights found 1%).
MAX_CLASS_WEIGHT = 10.0


def class_weights(y: np.ndarray, n_classes: int,
                  cap: float = MAX_CLASS_WEIGHT) -> dict[int, float]:
    """Loss weight per class, inversely proportional to its count (scikit-learn's
    'balanced': n / (classes * count)), at most ``cap`` (:data:`MAX_CLASS_WEIGHT`)."""
    counts = np.bincount(y, minlength=n_classes)
    return {c: float(min(len(y) / (n_classes * max(n, 1)), cap))
            for c, n in enumerate(counts)}


def load_keras(path: Path):
    """A ``.keras`` file in safe mode (no Python code in the file runs); errors name it."""
    keras = require_keras()

    try:
        return keras.models.load_model(path, safe_mode=True, compile=False)
    except Exception as exc:
        raise DataError(f"{path}: not a valid Keras model file ({type(exc).__name__}: "
                        f"{str(exc)[:200]})") from None


def keras_model(name: str, build: Callable, prepare: Callable, description: str,
                reads: tuple[str, ...] = ()) -> ModelSpec:
    """Register a Keras network ``build(n_classes)`` whose input is ``prepare(beats)`` (and
    the per-beat features ``reads`` as a second input)."""
    return register_wrapped(name, description, KerasClassifier,
                            lambda n_classes, seed: build(n_classes), prepare, load_keras,
                            ".keras", reads)
