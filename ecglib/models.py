"""Model builders behind one interface: the seed CNN-LSTM and three baselines.

Every model is described by a :class:`ModelSpec`: how to build it for ``n_classes`` and how
to turn (n, 187) beats into its input. Binary models end in one sigmoid unit; five-class
(AAMI) models in a softmax.

The seed's conv stack inside TimeDistributed is not published; its summary fixes only the
output (None, 10, 256) and 353,024 parameters. Several natural stacks fit; we use
Conv1D(32, 7) -> Conv1D(256, 3) -> Conv1D(256, 5) (valid padding, ReLU) -> global max pool
over each 18-sample step: 256 + 24,832 + 327,936 = 353,024 parameters and about 24 M
multiply-adds per beat (the third conv dominates), matching the guide's cost estimate.
Another exact fit is Conv1D(64, 5) -> Conv1D(128, 7) -> Conv1D(256, 9) with 'same' padding.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pandas as pd

from .reshape import to_steps, to_steps_padded

DENSE_WIDTHS = (1024, 512, 256, 128, 64, 32)


def _head(n_classes: int):
    from keras import layers

    if n_classes == 2:
        return layers.Dense(1, activation="sigmoid", name="output")
    return layers.Dense(n_classes, activation="softmax", name="output")


def seed_model(n_classes: int = 2, step_len: int = 18, bn_momentum: float = 0.99,
               dropout: float = 0.5):
    """The seed network: TimeDistributed 1D-CNN -> LSTM(64) -> 6 x (Dense + BN) -> Dropout ->
    output. With the defaults its summary matches the seed row by row (1,209,217 params)."""
    import keras
    from keras import layers

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
    import keras
    from keras import layers

    inp = layers.Input((187, 1))
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
    """A compact 1D-CNN (29,441 parameters for two classes): three conv/pool stages, then a dense layer on
    the flattened map, so the position of waves relative to the R peak (timing) is kept."""
    import keras
    from keras import layers

    return keras.Sequential([
        layers.Input((187, 1)),
        layers.Conv1D(16, 7, padding="same", activation="relu"), layers.MaxPooling1D(2),
        layers.Conv1D(32, 5, padding="same", activation="relu"), layers.MaxPooling1D(2),
        layers.Conv1D(32, 3, padding="same", activation="relu"), layers.MaxPooling1D(2),
        layers.Flatten(),
        layers.Dense(32, activation="relu"), layers.Dropout(0.2), _head(n_classes),
    ], name="compact_cnn")


def gradient_boosting(n_classes: int = 2, seed: int = 0):
    """Non-deep baseline: scikit-learn histogram gradient boosting on the raw 187 samples."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=300, learning_rate=0.1, random_state=seed,
                                          early_stopping=True, validation_fraction=None)


def _flat(X: np.ndarray) -> np.ndarray:
    return np.asarray(X, dtype=np.float32)


def _channel(X: np.ndarray) -> np.ndarray:
    return np.asarray(X, dtype=np.float32)[..., None]


@dataclass(frozen=True)
class ModelSpec:
    """A model name's builder, input transform and kind ("keras" or "sklearn")."""

    name: str
    build: Callable
    prepare: Callable[[np.ndarray], np.ndarray]
    kind: str
    description: str


MODELS: dict[str, ModelSpec] = {
    "seed": ModelSpec("seed", seed_model, to_steps, "keras",
                      "seed CNN-LSTM, 10 x 18 steps (drops 7 samples)"),
    "seed190": ModelSpec("seed190", lambda n_classes=2, **kw: seed_model(n_classes, 19, **kw),
                         to_steps_padded, "keras", "seed CNN-LSTM, 10 x 19 steps (keeps all 187)"),
    "kachuee": ModelSpec("kachuee", kachuee_model, _channel, "keras",
                         "residual CNN of Kachuee et al. 2018"),
    "cnn": ModelSpec("cnn", compact_cnn, _channel, "keras", "compact 1D-CNN"),
    "gbm": ModelSpec("gbm", gradient_boosting, _flat, "sklearn",
                     "histogram gradient boosting on raw samples (scikit-learn)"),
}


def get_model_spec(name: str) -> ModelSpec:
    """The :class:`ModelSpec` called ``name`` or a ValueError listing the valid names."""
    try:
        return MODELS[name]
    except KeyError:
        raise ValueError(f"unknown model {name!r}; choose one of {sorted(MODELS)}") from None


def summary_table(model) -> pd.DataFrame:
    """Keras model summary as a DataFrame: layer, class, output shape, parameters."""
    rows = [{"layer": layer.name, "type": type(layer).__name__,
             "output_shape": str(tuple(layer.output.shape)),
             "params": int(layer.count_params())} for layer in model.layers]
    return pd.DataFrame(rows)


def param_counts(model) -> dict[str, int]:
    """Total, trainable and non-trainable parameter counts of a Keras model."""
    trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
    total = int(model.count_params())
    return {"total": total, "trainable": trainable, "non_trainable": total - trainable}
