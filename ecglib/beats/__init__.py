"""Layer 1, beats: from a WFDB record to labelled beats and their per-beat features.

Reading records (:mod:`.records`), label schemes (:mod:`.labels`), R peaks
(:mod:`.peaks`), cutting 187-sample beats at 125 Hz (:mod:`.segmentation`, after Kachuee et
al. 2018), the beats of a record with their annotations (:mod:`.extract`), rhythm features
(:mod:`.rr`), shape features against the patient's template (:mod:`.template`), the
feature table models read (:mod:`.features`) and the seed's 10 x 18 reshape
(:mod:`.reshape`). Imports only :mod:`ecglib.core`."""
from .extract import RecordBeats, annotated_beats, beats_from_peaks, fiducial_points
from .features import BEAT_FEATURES, FEATURE_UNITS, beat_features
from .labels import AAMI_CLASSES, SCHEMES, LabelScheme, aami_class, get_scheme, register_scheme
from .peaks import detect_r_peaks, refine_r_peaks
from .records import Record, list_records, read_wfdb_record, write_resampled
from .reshape import dropped_energy_share, dropped_signal, to_steps, to_steps_padded
from .rr import (
    RAW_INTERVALS,
    RR_CONTEXT,
    RR_FEATURES,
    RR_IRREGULARITY,
    RR_REFERENCES,
    RR_UNREFERENCED,
    rr_features,
)
from .segmentation import (
    BEAT_LENGTH,
    TARGET_FS,
    SegmentParams,
    map_samples,
    resample,
    segment,
    windows,
)
from .template import TEMPLATE_FEATURES, template_features

__all__ = ["AAMI_CLASSES", "BEAT_FEATURES", "BEAT_LENGTH", "FEATURE_UNITS", "RAW_INTERVALS",
           "RR_CONTEXT", "RR_FEATURES", "RR_IRREGULARITY", "RR_REFERENCES", "RR_UNREFERENCED",
           "SCHEMES",
           "TARGET_FS",
           "TEMPLATE_FEATURES",
           "LabelScheme", "Record", "RecordBeats", "SegmentParams", "aami_class",
           "annotated_beats", "beat_features", "beats_from_peaks", "detect_r_peaks",
           "dropped_energy_share", "dropped_signal", "fiducial_points", "get_scheme",
           "list_records", "map_samples", "read_wfdb_record", "refine_r_peaks",
           "register_scheme", "resample", "rr_features", "segment", "template_features",
           "to_steps", "to_steps_padded", "windows", "write_resampled"]
