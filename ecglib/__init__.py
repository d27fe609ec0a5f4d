"""ecglib: the shared package behind the ECG abnormal-heartbeat book."""

__version__ = "0.1.0"
