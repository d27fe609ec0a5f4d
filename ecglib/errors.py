"""Errors ecglib raises for bad input: each message names the file, row or parameter."""


class EcglibError(Exception):
    """Base class; the CLI prints these as one clear line and exits non-zero."""


class DataError(EcglibError):
    """A data file or folder is missing, malformed or inconsistent."""


class DownloadError(EcglibError):
    """A PhysioNet download failed or did not verify."""
