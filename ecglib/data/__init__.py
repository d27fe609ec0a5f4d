"""Layer 4, data: beat tables, from a dataset or from beat files.

Building a dataset's beat table, cached, and writing the seed's two CSV files
(:mod:`.build`), the in-memory table and its cache (:mod:`.beattable`), reading beat files
back (:mod:`.beatfiles`), one entry point to both (:mod:`.loading`) and the same beats in
another lead (:mod:`.leads`). Imports :mod:`ecglib.core`, :mod:`ecglib.beats` and
:mod:`ecglib.datasets`."""
from .beatfiles import check_files, load_beats, read_beat_csv, read_beat_dir, read_kaggle
from .beattable import BeatTable, LeadTwins
from .build import build_table, reference_comparison, write_dataset
from .leads import lead_twins, with_other_lead
from .loading import load

__all__ = ["BeatTable", "LeadTwins", "build_table", "check_files", "lead_twins", "load",
           "load_beats", "read_beat_csv", "read_beat_dir", "read_kaggle",
           "reference_comparison", "with_other_lead", "write_dataset"]
