"""scikit-learn baselines behind the Classifier interface, saved with skops (no pickle)."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from ..beats.template import QRS_SAMPLES
from ..core.atomic import atomic_open
from ..core.errors import DataError
from .base import Classifier, FitParams, ModelSpec, register_wrapped

#: The only types a scikit-learn model file may hold beyond skops' built-in safe list
#: (the trees of HistGradientBoostingClassifier). Anything else is refused, never loaded.
TRUSTED_SKOPS_TYPES = ["sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"]


def gradient_boosting(n_classes: int = 2, seed: int = 0) -> HistGradientBoostingClassifier:
    """Non-deep baseline: scikit-learn histogram gradient boosting on the raw 187 samples."""
    return HistGradientBoostingClassifier(max_iter=300, learning_rate=0.1, random_state=seed,
                                          early_stopping=True, validation_fraction=None)


def _stopped_on_patients(seed: int, **options) -> HistGradientBoostingClassifier:
    """Up to 300 rounds at learning rate 0.1, stopped when the loss on the validation beats
    (whole patients held out of training) has not improved for 10 rounds."""
    return HistGradientBoostingClassifier(max_iter=300, learning_rate=0.1, random_state=seed,
                                          early_stopping=True, validation_fraction=0.1,
                                          n_iter_no_change=10, **options)


def rhythm_boosting(n_classes: int = 2, seed: int = 0) -> HistGradientBoostingClassifier:
    """Boosting for shape + rhythm features (:func:`_stopped_on_patients`)."""
    return _stopped_on_patients(seed)


def small_gradient_boosting(n_classes: int = 2, seed: int = 0) -> HistGradientBoostingClassifier:
    """Shallower boosting (trees of depth 3): less room to learn the training patients'
    own beat shapes; stopped like :func:`rhythm_boosting`."""
    return _stopped_on_patients(seed, max_depth=3)


def template_boosting(n_classes: int = 2, seed: int = 0) -> HistGradientBoostingClassifier:
    """Boosting for R-R + template features + a coarse view of the beat: L2-regularised,
    trees of depth 4 whose leaves hold at least 200 beats (a rule that fits a few training
    patients' beats alone cannot be a leaf), stopped like :func:`rhythm_boosting`."""
    return _stopped_on_patients(seed, l2_regularization=1.0, max_depth=4, min_samples_leaf=200)


def linear_model(n_classes: int = 2, seed: int = 0) -> Pipeline:
    """Multinomial logistic regression on standardised features, strongly regularised
    (C = 0.001): one straight boundary per class, in the spirit of de Chazal et al. 2004's
    linear discriminant; it cannot carve out a few training patients' beats."""
    return make_pipeline(StandardScaler(),
                         LogisticRegression(C=0.001, max_iter=2000, random_state=seed))


def qrs_part(X: np.ndarray) -> np.ndarray:
    """The first 0.5 s of each beat (QRS, ST, T) at half the rate: samples 0, 2, .., 62
    (float32); the rest of the beat is mostly the next beat, i.e. rhythm the R-R features
    already hold."""
    return np.asarray(X, dtype=np.float32)[:, :QRS_SAMPLES:2]


def no_samples(X: np.ndarray) -> np.ndarray:
    """No column from the beat's samples (float32, shape (n, 0)): the model reads only its
    per-beat features, so a beat's shape reaches it only beside the patient's own usual
    beat (the template features), never as the training patients' absolute shapes."""
    return np.empty((len(X), 0), dtype=np.float32)


def flat(X: np.ndarray) -> np.ndarray:
    """Beats as a float32 matrix, one feature per sample."""
    return np.asarray(X, dtype=np.float32)


class SklearnClassifier(Classifier):
    """A scikit-learn estimator and the function that prepares its features."""

    trained_by_epoch = False

    def __init__(self, name: str, n_classes: int, estimator, prepare: Callable,
                 reads: tuple[str, ...] = ()) -> None:
        super().__init__(name, n_classes, reads)
        self.estimator = estimator
        self.prepare = prepare

    def definition(self) -> dict:
        """The base definition, how beats are prepared and every estimator parameter."""
        params = self.estimator.get_params(deep=True)
        return {**super().definition(), "prepare": self.prepare.__qualname__,
                "estimator": {k: repr(v) for k, v in sorted(params.items())}}

    def inputs(self, X: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
        """The estimator's feature matrix: prepared beats, then the per-beat features it
        reads (:attr:`reads`)."""
        beats = self.prepare(X)
        extra = self._features(features, len(beats))
        return beats if extra is None else np.hstack([beats, extra])

    def fit(self, X, y, X_val, y_val, params: FitParams, verbose: int = 2, features=None,
            features_val=None, sample_weight=None) -> pd.DataFrame:
        """Fit on the training beats; with ``params.class_weight`` every class weighs the
        same in the loss (scikit-learn's ``class_weight="balanced"``), times
        ``sample_weight`` when given (a pipeline's last step takes it). Estimators that stop
        early on held-out data stop on the validation beats given."""
        settings = self.estimator.get_params()
        if params.class_weight:         # the estimator's own, or a pipeline step's
            self.estimator.set_params(**{k: "balanced" for k in settings
                                         if k.split("__")[-1] == "class_weight"})
        extra = {}
        known = np.isin(y_val, np.unique(y))        # the estimator knows only these classes
        if settings.get("early_stopping") is True and settings.get("validation_fraction") \
                and known.any():
            # stop on the validation beats given (other patients), not on a random tenth
            extra = {"X_val": self.inputs(X_val[known], None if features_val is None else
                                            features_val[np.asarray(known)]), "y_val": y_val[known]}
        extra.update(self._weighted(sample_weight))
        self.estimator.fit(self.inputs(X, features), y, **extra)
        return pd.DataFrame({"epoch": [1],
                             "n_iter": [int(getattr(self.estimator, "n_iter_", 1))]})

    def _weighted(self, sample_weight: np.ndarray | None) -> dict:
        """The fit argument that passes ``sample_weight`` (to a pipeline's last step)."""
        if sample_weight is None:
            return {}
        step = self.estimator.steps[-1][0] + "__" if isinstance(self.estimator, Pipeline) \
            else ""
        return {step + "sample_weight": np.asarray(sample_weight, dtype=np.float64)}

    def refit(self, X, y, features=None, sample_weight=None) -> None:
        """Fit again on ``X`` (training + validation beats): a model that stopped early
        keeps the number of iterations it stopped at, without stopping again."""
        if self.estimator.get_params().get("early_stopping") is True:
            self.estimator.set_params(early_stopping=False,
                                      max_iter=int(self.estimator.n_iter_))
        self.estimator.fit(self.inputs(X, features), y, **self._weighted(sample_weight))

    def predict_proba(self, X: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
        inputs = self.inputs(X, features)
        expected = getattr(self.estimator, "n_features_in_", inputs.shape[1])
        if inputs.ndim != 2 or inputs.shape[1] != expected:
            raise DataError(f"input of shape {tuple(inputs.shape[1:])} does not fit the "
                            f"model's input ({expected},)")
        seen = self.estimator.predict_proba(inputs)
        p = np.zeros((len(inputs), self.n_classes))     # a class absent in training: 0
        p[:, np.asarray(self.estimator.classes_, dtype=int)] = seen
        return self._check_output(p[:, 1] if self.n_classes == 2 else p, self.name)

    def save(self, stem: Path) -> Path:
        return save_skops(self.estimator, stem)


def save_skops(obj, stem: Path) -> Path:
    """Write ``obj`` (estimators, or lists and dicts of them) atomically as ``stem.skops``."""
    import skops.io                     # here: loading it takes most of a second

    final = Path(stem).with_suffix(".skops")
    with atomic_open(final, "wb") as fh:
        fh.write(skops.io.dumps(obj))
    return final


def load_skops(path: Path):
    """A scikit-learn estimator from a skops file, after checking every type it holds."""
    import skops.io

    try:
        untrusted = skops.io.get_untrusted_types(file=path)
        refused = sorted(set(untrusted) - set(TRUSTED_SKOPS_TYPES))
        if refused:
            raise DataError(f"{path}: holds types ecglib does not trust, not loaded: {refused}")
        return skops.io.load(path, trusted=TRUSTED_SKOPS_TYPES)
    except DataError:
        raise
    except Exception as exc:
        raise DataError(f"{path}: not a valid skops model file ({type(exc).__name__}: "
                        f"{str(exc)[:200]})") from None


def sklearn_model(name: str, build: Callable, prepare: Callable, description: str,
                  reads: tuple[str, ...] = ()) -> ModelSpec:
    """Register an estimator ``build(n_classes, seed)`` whose features are ``prepare(beats)``
    followed by the per-beat features ``reads``."""
    return register_wrapped(name, description, SklearnClassifier, build, prepare, load_skops,
                            ".skops", reads)
