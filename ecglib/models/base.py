"""One small interface for every model, like scikit-learn's, and the registry of models.

A :class:`Classifier` takes beats as they are stored, ``(n, 187)`` in [0, 1], and prepares
its own input: ``fit`` trains it (returning one history row per epoch), ``predict_proba``
gives P(abnormal) (binary, 1-D) or class probabilities (2-D), ``save`` writes a file that
cannot run code when loaded, and its :class:`ModelSpec` ``load`` reads one back.
Every model is one :class:`ModelSpec` in :data:`MODELS`; the CLI's ``--model`` choices,
training, prediction and the chapters read it from there and never check what kind of
model it is.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..beats.features import select_features
from ..core.errors import DataError
from ..core.registry import Registry

#: pickle-based files are refused by every loader: loading one can run any code
PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle")


@dataclass(frozen=True)
class FitParams:
    """What fitting a model reads of a training configuration
    (:meth:`ecglib.training.config.TrainConfig.fit_params` makes one)."""

    epochs: int = 10            #: at most this many epochs (networks)
    batch_size: int = 256       #: beats per batch (networks)
    learning_rate: float = 1e-3  #: Adam's learning rate (networks)
    patience: int = 3           #: early-stopping patience in epochs (networks)
    class_weight: bool = False  #: every class weighs the same in the loss
    seed: int = 0               #: the seed of anything random inside fitting
    precise_bn: bool = True     #: recompute BatchNorm statistics before each evaluation
    #: with PreciseBN, also score the validation beats each epoch with Keras' own moving
    #: BatchNorm statistics (one more validation pass per epoch)
    keras_bn_curve: bool = False


class Classifier(ABC):
    """A beat classifier behind the interface every part of ecglib uses."""

    #: True when training runs in epochs (history rows are epochs)
    trained_by_epoch: bool = True

    def __init__(self, name: str, n_classes: int, reads: tuple[str, ...] = ()) -> None:
        self.name = name
        self.n_classes = n_classes
        #: the per-beat features the model reads besides the samples, by column name
        #: (:data:`ecglib.beats.features.BEAT_FEATURES`); empty for shape-only models
        self.reads = tuple(reads)

    def definition(self) -> dict:
        """What defines this model before training (its kind, the features it reads and its
        own settings), JSON-able: a trained run is cached under it, so changing a model
        never reuses runs of the old one."""
        return {"kind": type(self).__name__, "name": self.name, "reads": list(self.reads)}

    def weighting(self, class_weight: bool) -> dict:
        """How this model weighs classes when asked to (``class_weight``), where that is not
        its library's own rule: part of what a run trained with class weights is cached
        under (empty here)."""
        return {}

    def framework(self) -> dict:
        """Versions of the library the model runs on, saved with a run (Keras models: the
        backend and version; empty where ecglib's declared dependencies say it all)."""
        return {}

    @property
    def uses_features(self) -> bool:
        """True when the model reads per-beat features (R-R, template) besides the beat."""
        return bool(self.reads)

    @abstractmethod
    def fit(self, X: np.ndarray, y: np.ndarray, X_val: np.ndarray, y_val: np.ndarray,
            params: FitParams, verbose: int = 2, features: pd.DataFrame | np.ndarray | None = None,
            features_val: pd.DataFrame | np.ndarray | None = None,
            sample_weight: np.ndarray | None = None) -> pd.DataFrame:
        """Train on beats ``X`` (n, 187) with labels ``y`` (and their feature table
        ``features``, :func:`ecglib.beats.features.beat_features`, when
        :attr:`uses_features`); ``params``: what fitting reads of the training configuration
        (:class:`FitParams`); ``verbose=2`` prints one line per epoch; ``sample_weight``: a
        loss weight per beat (:func:`ecglib.training.weights.patient_weights`), on top of the
        class weights. Returns the history, one row per epoch."""

    def refit(self, X: np.ndarray, y: np.ndarray, features=None,
              sample_weight: np.ndarray | None = None) -> None:
        """Fit again, on the training and validation beats together, as far as :meth:`fit`
        went (its number of iterations); only models that stop by iterations can."""
        raise ValueError(f"model {self.name!r} cannot refit on the validation beats (refit "
                         f"is for the scikit-learn models)")

    @abstractmethod
    def predict_proba(self, X: np.ndarray,
                      features: pd.DataFrame | np.ndarray | None = None) -> np.ndarray:
        """P(abnormal) per beat (binary, 1-D) or class probabilities (2-D); ``features``: the
        beats' feature table, needed by models that read per-beat features."""

    def _features(self, features: pd.DataFrame | np.ndarray | None, n: int) -> np.ndarray | None:
        """The columns :attr:`reads` of the beats' features, or None when the model reads
        none (an error when they are missing)."""
        if not self.reads:
            return None
        return select_features(features, self.reads, n, self.name)

    @abstractmethod
    def save(self, stem: Path) -> Path:
        """Write the model atomically as ``stem`` plus its format's suffix; return the path."""

    @property
    def n_params(self) -> int | None:
        """Number of weights (None where the notion does not apply)."""
        return None

    def summary(self) -> str:
        """A printable description of the model."""
        return f"{self.name}: {MODELS[self.name].description}"

    def _check_output(self, p: np.ndarray, where: str) -> np.ndarray:
        if (p.ndim == 1) != (self.n_classes == 2) or (p.ndim == 2 and p.shape[1] != self.n_classes):
            width = 1 if p.ndim == 1 else p.shape[1]
            raise DataError(f"{where}: the model gives {width} output(s) per beat but its "
                            f"label scheme has {self.n_classes} classes")
        return p


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: how to create an untrained one and load a saved one."""

    name: str
    description: str
    create: Callable[..., Classifier]     #: (n_classes, seed) -> untrained Classifier
    load: Callable[[Path, int], Classifier]   #: (saved file, n_classes) -> Classifier
    suffix: str                           #: file suffix of the saved format


#: every registered model, by name
MODELS: Registry[ModelSpec] = Registry("model")


def register_model(spec: ModelSpec) -> ModelSpec:
    """Add a model to the registry (CLI choices, training, prediction and chapters)."""
    return MODELS.register(spec.name, spec)


#: the :class:`ModelSpec` called ``name``, or an UnknownNameError listing the known ones
get_model_spec = MODELS.get


def register_wrapped(name: str, description: str, wrapper: Callable, build: Callable,
                     prepare: Callable, read: Callable[[Path], object], suffix: str,
                     reads: tuple[str, ...] = ()) -> ModelSpec:
    """Register a library model (a Keras network, a scikit-learn estimator) wrapped in a
    Classifier: ``wrapper(name, n_classes, obj, prepare, reads)`` around
    ``build(n_classes, seed)`` when created, around ``read(path)`` when loaded."""
    return register_model(ModelSpec(
        name, description,
        create=lambda n_classes=2, seed=0: wrapper(name, n_classes, build(n_classes, seed),
                                                   prepare, reads),
        load=lambda path, n_classes: wrapper(name, n_classes, read(path), prepare, reads),
        suffix=suffix))


def load_classifier(path: str | Path, name: str, n_classes: int) -> Classifier:
    """Load model ``name``'s saved file; pickle files and a wrong format are refused with
    an error naming the file."""
    path = Path(path)
    if path.suffix in PICKLE_SUFFIXES:
        raise DataError(f"{path}: pickle-based model files are refused (loading one can run "
                        f"any code); ecglib saves scikit-learn models as .skops: retrain with "
                        f"'ecglib train'")
    spec = get_model_spec(name)
    if not path.is_file():
        raise DataError(f"{path}: model file not found")
    if path.suffix != spec.suffix:
        raise DataError(f"{path}: model {name!r} is saved as a {spec.suffix} file")
    return spec.load(path, n_classes)
