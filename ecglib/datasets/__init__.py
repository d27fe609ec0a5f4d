"""The datasets registry: one module per database (see :mod:`ecglib.datasets.base`)."""
from . import incartdb, mitdb, ptbdb, svdb, synthetic  # noqa: F401  (each registers itself)
from .base import DATASETS, Dataset, dataset_title, folder_dataset, get_dataset, register

__all__ = ["DATASETS", "Dataset", "dataset_title", "folder_dataset", "get_dataset",
           "register"]
