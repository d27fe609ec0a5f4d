"""The training configuration: the one place every training parameter is declared.

:class:`TrainConfig` is saved in every run's ``params.json``; the ``ecglib train`` options
are generated from its fields (:func:`add_config_arguments`), the book's profiles are
overrides of it, and a chapter's parameters are checked against it. Adding a parameter is
one field here (with its help text) and its use.
"""
from __future__ import annotations

import argparse
from dataclasses import MISSING, dataclass, field, fields

from ..beats.labels import SCHEMES, get_scheme
from ..datasets import DATASETS
from ..models import MODELS, FitParams, get_model_spec
from .splits import SPLITS, SplitParams, get_split


def _opt(help: str, *flags: str, **extra) -> dict:
    return {"help": help, "flags": flags, **extra}


@dataclass
class TrainConfig:
    """Everything that defines a training run (saved in ``params.json``)."""

    model: str = field(default="seed", metadata=_opt(
        "model", choices=lambda: sorted(MODELS)))
    split: str = field(default="random", metadata=_opt(
        "split", choices=lambda: list(SPLITS)))
    labels: str = field(default="binary", metadata=_opt(
        "label scheme", choices_hint=lambda: sorted(SCHEMES)))
    epochs: int = field(default=10, metadata=_opt("at most this many epochs"))
    batch_size: int = field(default=256, metadata=_opt("beats per batch"))
    learning_rate: float = field(default=1e-3, metadata=_opt("Adam's learning rate", "--lr"))
    seed: int = field(default=0, metadata=_opt("one seed for Python, NumPy and Keras"))
    class_weight: bool = field(default=False, metadata=_opt("balance classes in the loss"))
    patient_weight: float = field(default=0.0, metadata=_opt(
        "within each class, a patient's n beats weigh n^-x each in the loss "
        "(ecglib.training.weights): 0 counts beats alike, 1 counts patients alike"))
    other_lead: str | None = field(default=None, metadata=_opt(
        "also train on every training beat as this dataset's lead recorded it (the same "
        "records in another lead, e.g. mitdb_v for mitdb; ecglib.data.leads)",
        choices=lambda: sorted(DATASETS)))
    patience: int = field(default=3, metadata=_opt("early-stopping patience (epochs)"))
    subset: int | None = field(default=None, metadata=_opt("at most this many training beats"))
    refit: bool = field(default=False, metadata=_opt(
        "after fitting (early stopping on the validation patients), fit again on the "
        "training and validation patients together for as many iterations; the threshold "
        "still comes from the first fit's validation scores (scikit-learn models)"))
    precise_bn: bool = field(default=True, metadata=_opt(
        "recompute BatchNorm statistics before each evaluation",
        off="keep Keras' moving BatchNorm statistics (reproduces the seed's swings)"))
    keras_bn_curve: bool = field(default=False, metadata=_opt(
        "with PreciseBN, also score the validation beats each epoch with the BatchNorm "
        "statistics Keras itself would hold (history columns val_*_keras_bn; one more "
        "validation pass per epoch)"))
    test_size: float | None = field(default=None, metadata=_opt(
        "test fraction (None: the split's default; a standard split ignores it)"))
    val_size: float | None = field(default=None, metadata=_opt(
        "validation fraction of the training part (None: the split's default)"))
    folds: int = field(default=5, metadata=_opt("folds of the group_kfold split"))
    fold: int = field(default=0, metadata=_opt("which group_kfold fold is the test part"))
    adapt_minutes: float = field(default=5.0, metadata=_opt(
        "minutes at the start of every test record the interpatient_adapt split also trains "
        "on (5: the published protocol)"))

    def validate(self) -> None:
        """Raise a ValueError naming the first invalid parameter."""
        get_model_spec(self.model)
        get_scheme(self.labels)
        get_split(self.split)
        for name in ("epochs", "batch_size", "folds"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.subset is not None and self.subset < 10:
            raise ValueError(f"subset must be at least 10 beats, got {self.subset}")
        if not 0 < self.learning_rate < 1:
            raise ValueError(f"learning_rate must be in (0, 1), got {self.learning_rate}")
        for name in ("test_size", "val_size"):
            value = getattr(self, name)
            if value is not None and not 0 < value < 1:
                raise ValueError(f"{name} must be in (0, 1), got {value}")
        if not 0 <= self.patient_weight <= 1:
            raise ValueError(f"patient_weight must be in [0, 1], got {self.patient_weight}")
        if self.other_lead is not None and self.other_lead not in DATASETS:
            raise ValueError(f"other_lead must be a dataset ({', '.join(sorted(DATASETS))}), "
                             f"got {self.other_lead!r}")
        if not self.adapt_minutes > 0:
            raise ValueError(f"adapt_minutes must be above 0, got {self.adapt_minutes}")
        if self.refit and get_model_spec(self.model).suffix == ".keras":
            raise ValueError(f"refit is for the scikit-learn models; {self.model!r} is a "
                             f"Keras network (it stops by epochs on the validation patients)")
        if self.keras_bn_curve and not self.precise_bn:
            raise ValueError("keras_bn_curve compares Keras' BatchNorm statistics with "
                             "PreciseBN's: it needs precise_bn on (without PreciseBN the "
                             "validation curve already is Keras')")
        if not 0 <= self.fold < self.folds:
            raise ValueError(f"fold must be in 0..{self.folds - 1}, got {self.fold}")

    def fit_params(self) -> FitParams:
        """What fitting the model reads of this configuration."""
        return FitParams(epochs=self.epochs, batch_size=self.batch_size,
                         learning_rate=self.learning_rate, patience=self.patience,
                         class_weight=self.class_weight, seed=self.seed,
                         precise_bn=self.precise_bn, keras_bn_curve=self.keras_bn_curve)

    def split_params(self, standard=None, fs: float | None = None) -> SplitParams:
        """What the split needs, with the dataset's standard split and its records'
        sampling rate (if known)."""
        return SplitParams(seed=self.seed, test_size=self.test_size, val_size=self.val_size,
                           folds=self.folds, fold=self.fold, standard=standard, fs=fs,
                           adapt_minutes=self.adapt_minutes)


CONFIG_FIELDS = {f.name: f for f in fields(TrainConfig)}


def field_type(name: str) -> type:
    """The Python type of a config field (``int`` for ``int | None``)."""
    text = str(CONFIG_FIELDS[name].type)
    return {"int": int, "float": float, "bool": bool, "str": str}[text.split(" |")[0]]


def config_defaults() -> dict:
    """Every field's default value."""
    return {f.name: f.default for f in fields(TrainConfig) if f.default is not MISSING}


def _none_or(kind: type):
    def parse(text: str):
        return None if text.lower() == "none" else kind(text)
    parse.__name__ = kind.__name__
    return parse


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """One command-line option per :class:`TrainConfig` field, with its default and help."""
    for f in fields(TrainConfig):
        meta = f.metadata
        flag = "--" + f.name.replace("_", "-")
        kind = field_type(f.name)
        if kind is bool and f.default:
            parser.add_argument(f"--no-{f.name.replace('_', '-')}", dest=f.name,
                                action="store_false", help=meta["off"])
        elif kind is bool:
            parser.add_argument(flag, dest=f.name, action="store_true", help=meta["help"])
        else:
            choices = meta["choices"]() if "choices" in meta else None
            hint = (f": one of {', '.join(meta['choices_hint']())} or a .json file"
                    if "choices_hint" in meta else "")
            parser.add_argument(flag, *meta["flags"], dest=f.name, default=f.default,
                                type=_none_or(kind) if f.default is None else kind,
                                choices=choices,
                                help=f"{meta['help']}{hint} (default: {f.default})")


def config_to_args(config: TrainConfig) -> list[str]:
    """The command-line options that give ``config`` (those of fields off their default):
    the inverse of :func:`add_config_arguments` and :func:`config_from_args`."""
    out: list[str] = []
    for f in fields(TrainConfig):
        value = getattr(config, f.name)
        if value == f.default:
            continue
        flag = (f.metadata["flags"] or ("--" + f.name.replace("_", "-"),))[0]
        if field_type(f.name) is bool:
            out.append(flag if value else f"--no-{f.name.replace('_', '-')}")
        else:
            out += [flag, str(value)]
    return out


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """The :class:`TrainConfig` of parsed command-line options."""
    return TrainConfig(**{name: getattr(args, name) for name in CONFIG_FIELDS})
