"""The datasets registry: one module per database (see :mod:`ecglib.datasets.base`)."""
from . import mitdb, ptbdb, synthetic  # noqa: F401  (each module registers its dataset)
from .base import DATASETS, Dataset, dataset_title, get_dataset, register

__all__ = ["DATASETS", "Dataset", "dataset_title", "get_dataset", "register"]
