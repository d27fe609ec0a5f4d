"""Errors ecglib raises for bad input: each message names the file, row or parameter."""


class EcglibError(Exception):
    """Base class; the CLI prints these as one clear line and exits non-zero."""


class DataError(EcglibError):
    """A data file or folder is missing, malformed or inconsistent."""


class DownloadError(EcglibError):
    """A PhysioNet download failed or did not verify."""


class UnknownNameError(EcglibError, ValueError):
    """A name that no registry entry has (dataset, label scheme, model, split, profile)."""


class MissingDependencyError(EcglibError):
    """An optional dependency (a Keras backend, the book's tools) is not installed; the
    message names the ``pip install`` command."""
