"""Soft voting: a model whose class probabilities are a weighted mean of other registered
scikit-learn models' probabilities, each member trained as it would be alone, all saved
in one skops file (no pickle)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ..beats.features import select_features
from ..core.errors import DataError
from .base import Classifier, FitParams, ModelSpec, get_model_spec, register_model
from .sklearn_models import SklearnClassifier, load_skops, save_skops


class VoteClassifier(Classifier):
    """Members (scikit-learn classifiers) and their weights; P(class) = sum over members of
    weight x the member's P(class). The vote reads every feature a member reads; each
    member takes its own columns by name."""

    trained_by_epoch = False

    def __init__(self, name: str, n_classes: int, members: list[SklearnClassifier],
                 weights: tuple[float, ...]) -> None:
        super().__init__(name, n_classes,
                         tuple(dict.fromkeys(c for m in members for c in m.reads)))
        self.members = members
        self.weights = np.asarray(weights, dtype=np.float64)

    def definition(self) -> dict:
        """The base definition, each member's and the weights."""
        return {**super().definition(), "weights": self.weights.tolist(),
                "members": [m.definition() for m in self.members]}

    def _named(self, features: pd.DataFrame | np.ndarray | None, n: int) -> pd.DataFrame | None:
        """The per-beat features as a table (an array must hold the vote's columns, in
        :attr:`reads` order), so each member can take its own by name."""
        if features is None or isinstance(features, pd.DataFrame) or not self.reads:
            return features
        return pd.DataFrame(select_features(features, self.reads, n, self.name),
                            columns=list(self.reads))

    def fit(self, X, y, X_val, y_val, params: FitParams, verbose: int = 2, features=None,
            features_val=None, sample_weight=None) -> pd.DataFrame:
        """Fit every member on the same beats, as it would be fitted alone (its class
        weights, its early stopping on the validation beats)."""
        row = {"epoch": [1]}
        features = self._named(features, len(X))
        features_val = self._named(features_val, len(X_val))
        for member in self.members:
            history = member.fit(X, y, X_val, y_val, params, verbose, features=features,
                                 features_val=features_val, sample_weight=sample_weight)
            row[f"n_iter_{member.name}"] = history["n_iter"].tolist()
        return pd.DataFrame(row)

    def refit(self, X, y, features=None, sample_weight=None) -> None:
        """Refit every member (:meth:`ecglib.models.base.Classifier.refit`)."""
        features = self._named(features, len(X))
        for member in self.members:
            member.refit(X, y, features=features, sample_weight=sample_weight)

    def predict_proba(self, X: np.ndarray, features: pd.DataFrame | np.ndarray | None = None
                      ) -> np.ndarray:
        features = self._named(features, len(X))
        return sum(w * m.predict_proba(X, features) for w, m in zip(self.weights, self.members))

    def save(self, stem: Path) -> Path:
        return save_skops({"members": [m.name for m in self.members],
                           "estimators": [m.estimator for m in self.members],
                           "weights": self.weights.tolist()}, stem)


def _load_vote(name: str, members: tuple[str, ...], path: Path,
               n_classes: int) -> VoteClassifier:
    """A saved vote: the file must hold exactly this vote's members, in order, each of the
    estimator type its model builds, and one positive weight each, summing to 1."""
    saved = load_skops(path)
    refused = DataError(f"{path}: not a saved {name!r} model (expected the members "
                        f"{list(members)} and their weights)")
    if not isinstance(saved, dict) or list(saved.get("members", ())) != list(members) \
            or len(saved.get("estimators", ())) != len(members):
        raise refused
    try:
        weights = np.asarray(saved.get("weights"), dtype=np.float64)
    except (TypeError, ValueError):
        raise refused from None
    if weights.shape != (len(members),) or not np.all(np.isfinite(weights)) \
            or weights.min() <= 0 or not np.isclose(weights.sum(), 1):
        raise refused
    loaded = []
    for member, estimator in zip(members, saved["estimators"]):
        clf = get_model_spec(member).create(n_classes=n_classes)
        if type(estimator) is not type(clf.estimator):
            raise refused
        clf.estimator = estimator
        loaded.append(clf)
    return VoteClassifier(name, n_classes, loaded, tuple(weights))


def vote_model(name: str, members: tuple[str, ...], weights: tuple[float, ...],
               description: str) -> ModelSpec:
    """Register the soft vote of the registered scikit-learn models ``members`` with
    ``weights`` (positive, summing to 1); the vote reads what its members read."""
    specs = [get_model_spec(m) for m in members]
    if len(members) != len(weights) or min(weights) <= 0 or not np.isclose(sum(weights), 1):
        raise ValueError(f"vote {name!r}: one positive weight per member, summing to 1")
    probes = [spec.create() for spec in specs]
    if any(not isinstance(p, SklearnClassifier) for p in probes):
        raise ValueError(f"vote {name!r}: members must be scikit-learn models")

    def create(n_classes: int = 2, seed: int = 0) -> VoteClassifier:
        return VoteClassifier(name, n_classes, [s.create(n_classes=n_classes, seed=seed)
                                                for s in specs], weights)

    return register_model(ModelSpec(
        name, description, create=create,
        load=lambda path, n_classes: _load_vote(name, members, path, n_classes),
        suffix=".skops"))
