"""ecglib: the shared package behind the ECG abnormal-heartbeat book."""
import os as _os

# TensorFlow's C++ start-up chatter (CPU feature notes, tf.data attribute warnings) clutters
# notebooks and CLI output; Python exceptions are unaffected. Set it yourself to override.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.1.0"
