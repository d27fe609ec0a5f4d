"""Reading ECG records (WFDB) into one small in-memory type (database facts live in
:mod:`ecglib.datasets`)."""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import wfdb

from ..core.errors import DataError
from .labels import aami_class
from .segmentation import resample

PREFERRED_LEADS = ("MLII", "II", "ii")


@dataclass
class Record:
    """One lead of one ECG record with its beat annotations (if any).

    ``ann_samples`` index the *original* signal at ``fs``; ``patient`` groups records of the
    same person (MIT-BIH: one record per patient, with 201/202 from the same man).
    """

    name: str
    signal: np.ndarray
    fs: float
    lead: str
    patient: str
    ann_samples: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    ann_symbols: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    synthetic: bool = False
    comments: tuple[str, ...] = ()
    #: True where the stored signal was missing (NaN, a WFDB gap); those samples read as 0
    gaps: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    def beat_mask(self) -> np.ndarray:
        """True for annotations that are classified beats (rhythm, noise... are False)."""
        return np.array([aami_class(s) is not None for s in self.ann_symbols], dtype=bool)

    def reference_beats(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(samples, symbols, AAMI classes) of the annotated beats, in annotation order."""
        mask = self.beat_mask()
        symbols = self.ann_symbols[mask]
        return (self.ann_samples[mask], symbols,
                np.array([aami_class(s) for s in symbols], dtype=object))


def choose_lead(sig_names: list[str], preferred: tuple[str, ...] = PREFERRED_LEADS) -> int:
    """Index of the first preferred lead present, else 0 (e.g. MIT-BIH 102/104 have no MLII)."""
    for name in preferred:
        if name in sig_names:
            return sig_names.index(name)
    return 0


#: the largest share of annotations past the signal's end that is dropped with a warning;
#: more means the header's sample count and the annotations disagree (an error)
MAX_PAST_END = 0.01

#: the symbol an annotation gets when its code is one WFDB does not define (wfdb reads NaN):
#: not a reference beat, and a detection at one is not scored (:mod:`ecglib.evaluation.predict`)
UNDEFINED = "undefined"


def _within_signal(samples: np.ndarray, symbols: np.ndarray, n: int, fs: float,
                   where: str) -> tuple[np.ndarray, np.ndarray]:
    """The annotations that lie on the signal (``n`` samples); beyond it a beat would be
    cut from zero padding and scored as if real."""
    outside = (samples < 0) | (samples >= n)
    if not outside.any():
        return samples, symbols
    message = (f"{where}: {int(outside.sum()):,} of {samples.size:,} annotations lie outside "
               f"the signal ({n:,} samples, {n / fs:.1f} s)")
    if outside.mean() > MAX_PAST_END:
        raise DataError(f"{message}: the header's sample count and the annotations disagree")
    warnings.warn(f"{message}; they are dropped", stacklevel=3)
    return samples[~outside], symbols[~outside]


def _name_undefined(symbols: np.ndarray, samples: np.ndarray, where: Path) -> np.ndarray:
    """``symbols`` with the annotations whose code WFDB does not define (wfdb reads them as
    NaN) marked :data:`UNDEFINED`, and a warning naming the file."""
    bad = np.array([not isinstance(s, str) for s in symbols], dtype=bool)
    if not bad.any():
        return symbols
    warnings.warn(f"{where}: {int(bad.sum()):,} of {bad.size:,} annotations carry a code WFDB "
                  f"does not define (the first at sample {int(samples[bad][0]):,}); they are "
                  f"not reference beats, and a detection at one is not scored", stacklevel=3)
    return np.where(bad, UNDEFINED, symbols).astype(object)


def read_wfdb_record(path: str | Path, annotator: str | None = "atr",
                     preferred: tuple[str, ...] = PREFERRED_LEADS, patient: str | None = None,
                     channel: int | None = None) -> Record:
    """Read a WFDB record (``path`` without extension) and, if present, its annotations.

    Raises :class:`DataError` naming the file when the header or signal cannot be read.
    """
    path = Path(path)
    hea = path.with_suffix(".hea")
    if not hea.exists():
        raise DataError(f"{hea}: WFDB header not found")
    _check_header_fs(hea)
    try:
        rec = wfdb.rdrecord(str(path))
    except Exception as exc:  # wfdb raises many types for malformed files
        raise DataError(f"{path}: cannot read WFDB record ({exc})") from exc
    if rec.p_signal is None or rec.p_signal.ndim != 2 or rec.p_signal.shape[0] == 0:
        raise DataError(f"{path}: record holds no signal samples")
    ch = choose_lead(list(rec.sig_name), preferred) if channel is None else channel
    if not 0 <= ch < rec.p_signal.shape[1]:
        raise DataError(f"{path}: channel {ch} out of range (record has {rec.p_signal.shape[1]})")
    samples = np.zeros(0, dtype=np.int64)
    symbols = np.zeros(0, dtype=object)
    ann_file = path.with_suffix("." + annotator) if annotator else None
    if ann_file is not None and ann_file.exists():
        if ann_file.stat().st_size == 0:
            raise DataError(f"{ann_file}: the annotation file is empty (0 bytes; even a file "
                            f"with no annotations ends with a 2-byte end marker): truncated?")
        try:
            ann = wfdb.rdann(str(path), annotator)
        except Exception as exc:
            raise DataError(f"{path}.{annotator}: cannot read annotations ({exc})") from exc
        samples = np.asarray(ann.sample, dtype=np.int64)
        symbols = _name_undefined(np.asarray(ann.symbol, dtype=object), samples, ann_file)
        samples, symbols = _within_signal(samples, symbols, rec.p_signal.shape[0], rec.fs,
                                          f"{path}.{annotator}")
    raw = rec.p_signal[:, ch].astype(np.float64)
    gaps = ~np.isfinite(raw)
    if gaps.all() or np.ptp(raw[~gaps]) == 0:
        level = "no finite sample" if gaps.all() else f"every sample {raw[~gaps][0]:g}"
        raise DataError(f"{path}: lead {rec.sig_name[ch]} is flat ({level} "
                        f"{rec.units[ch] if rec.units else ''}): no ECG to find or cut beats in")
    return Record(name=path.name, signal=np.where(gaps, 0.0, raw), fs=float(rec.fs),
                  lead=rec.sig_name[ch], patient=patient or path.name, ann_samples=samples,
                  ann_symbols=symbols, comments=tuple(rec.comments or ()), gaps=gaps)


def write_resampled(record: Record, fs: float, out_dir: str | Path) -> Path:
    """Write ``record`` (its lead and its annotations) resampled to ``fs`` Hz as a WFDB
    record named like it in ``out_dir``: the record as another database would have recorded
    it (svdb at 128 Hz, incartdb at 257 Hz), to check that what is built from it does not
    depend on the rate. Annotation samples are mapped to the nearest sample at ``fs``. A
    record with gaps (missing samples) is refused."""
    if record.gaps.any():
        raise DataError(f"record {record.name}: holds gaps (missing samples); not resampled")
    signal = resample(record.signal, record.fs, fs)
    samples = np.clip(np.rint(record.ann_samples * fs / record.fs), 0, signal.size - 1)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    wfdb.wrsamp(record.name, fs=fs, units=["mV"], sig_name=[record.lead],
                p_signal=signal[:, None], fmt=["16"], comments=list(record.comments),
                write_dir=str(out))
    wfdb.wrann(record.name, "atr", samples.astype(np.int64), symbol=list(record.ann_symbols),
               write_dir=str(out), fs=fs)
    return out / record.name


def _check_header_fs(hea: Path) -> None:
    """Refuse a header whose sampling frequency is not a positive number (WFDB readers
    silently fall back to 250 Hz or divide by zero); a header without one is WFDB's 250 Hz."""
    try:
        lines = hea.read_text(errors="replace").splitlines()
    except OSError as exc:
        raise DataError(f"{hea}: cannot read ({exc.strerror})") from None
    fields = next((ln.split() for ln in lines if ln.strip() and not ln.startswith("#")), [])
    if len(fields) < 3:
        return
    token = fields[2].split("/")[0].split("(")[0]
    try:
        fs = float(token)
    except ValueError:
        fs = float("nan")
    if not (np.isfinite(fs) and fs > 0):
        raise DataError(f"{hea}: sampling frequency {fields[2]!r} is not a positive number")


def list_records(db_dir: str | Path) -> list[str]:
    """Record names listed in a database folder's ``RECORDS`` file (else every ``*.hea``)."""
    db_dir = Path(db_dir)
    records_file = db_dir / "RECORDS"
    if records_file.exists():
        return [line.strip() for line in records_file.read_text().splitlines() if line.strip()]
    return sorted(p.stem for p in db_dir.glob("*.hea"))
