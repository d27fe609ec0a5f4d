"""What a dataset is: one interface every database implements, and the registry of them.

A :class:`Dataset` says which records it has, which patient each record belongs to, which
lead it reads at what sampling rate, where it downloads from (with checksums), how its beats
are labelled and which standard splits it has. Everything else (``ecglib data build``, the
CLI's ``--source`` choices, the chapters' data banners, the inter-patient split) reads it
from :data:`DATASETS`. Adding a database is one module that calls :func:`register`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..beats.extract import RecordBeats, annotated_beats
from ..beats.records import PREFERRED_LEADS, Record, list_records, read_wfdb_record
from ..beats.segmentation import SegmentParams
from ..core.errors import DataError
from ..core.registry import Registry
from .sources import PhysioNet, local_checksums, resolve_database


@dataclass(frozen=True)
class Dataset:
    """A WFDB database whose records carry reference beat annotations (``.atr``).

    Subclasses override what differs: how records are read (:meth:`read`), how their
    beats are labelled (:meth:`beats`), or where records come from (synthetic data).
    """

    name: str
    title: str                     #: full name and citation key, shown in every banner
    physionet: PhysioNet | None    #: download location; None for local or generated data
    fs: float | None               #: native sampling rate (Hz); beats are resampled to 125
    leads: tuple[str, ...] = PREFERRED_LEADS   #: leads tried in order (else the first)
    lead_note: str = ""            #: why that lead, and what happens without it
    patient_note: str = "one record per patient"
    #: record -> patient where a patient has several records (others: patient = record)
    patients: dict[str, str] = field(default_factory=dict)
    #: standard inter-patient split (train records, test records), if the database has one
    standard_split: tuple[tuple[str, ...], tuple[str, ...]] | None = None
    #: published class counts of the same beat extraction on this database, if any
    reference_counts: dict[str, int] = field(default_factory=dict)
    synthetic: bool = False
    annotator: str = "atr"
    #: manifest key counting the records left out, by reason (:meth:`exclusion`)
    excluded_key: str = "excluded_records"
    #: a local folder of WFDB records (a database that is not downloaded)
    folder: Path | None = None
    #: file extensions of every record (from ``physionet`` when it is set)
    extensions: tuple[str, ...] = (".hea", ".dat", ".atr")

    def configured(self, **options) -> "Dataset":
        """This dataset with generator options applied (only generated data has any)."""
        return self

    def locate(self, path: str | Path | None = None, records: list[str] | None = None,
               download: bool = True, progress: bool = True) -> Path | None:
        """The folder holding the records (downloaded when missing); None if generated."""
        if self.physionet is not None:
            return resolve_database(self.physionet, path, records=records, download=download,
                                    progress=progress)
        folder = Path(path or self.folder or "")
        missing = [f for f in self.files(records or self.record_names(folder))
                   if not (folder / f).is_file()]
        if self.folder is None or missing:
            raise DataError(f"dataset {self.name!r}: records not found in {folder} "
                            f"(missing {missing[:3]})")
        return folder

    def files(self, names: list[str]) -> list[str]:
        """The files of records ``names``."""
        exts = self.physionet.extensions if self.physionet else self.extensions
        return [f"{r}{e}" for r in names for e in exts]

    def record_names(self, folder: Path | None) -> list[str]:
        """Every record of the dataset (its ``RECORDS`` file)."""
        return list_records(folder)

    def identity(self, folder: Path | None, names: list[str]) -> dict:
        """What identifies the built beats' source: the SHA-256 of every file read."""
        return {"checksums": local_checksums(folder, self.files(names))}

    def patient(self, record: str) -> str:
        """The patient a record belongs to."""
        return self.patients.get(record, record)

    def read(self, folder: Path | None, name: str) -> Record:
        """One record, its preferred lead and its reference annotations."""
        return read_wfdb_record(folder / name, annotator=self.annotator, preferred=self.leads,
                                patient=self.patient(name))

    def check_rate(self, record: Record, where: Path | None) -> None:
        """Refuse a record whose header gives another sampling rate than this database's:
        its beats would be cut at the wrong scale."""
        if self.fs is not None and abs(record.fs - self.fs) > 1e-6 * self.fs:
            raise DataError(f"{(where or Path('.')) / record.name}.hea: sampling rate "
                            f"{record.fs:g} Hz, but {self.name} records are {self.fs:g} Hz: "
                            f"the header is wrong or the record is from another database")

    def exclusion(self, record: Record) -> str | None:
        """Why a record is left out of the beat table (None: it is used)."""
        return None

    def beats(self, record: Record, params: SegmentParams) -> RecordBeats:
        """The labelled beats of one record."""
        return annotated_beats(record, params)

    def build_info(self, names: list[str]) -> dict:
        """Facts about the records used, for the manifest."""
        return {}


#: every registered dataset, by name
DATASETS: Registry[Dataset] = Registry("source")


def register(dataset: Dataset) -> Dataset:
    """Add ``dataset`` to the registry under its name."""
    return DATASETS.register(dataset.name, dataset)


#: the dataset called ``name``, or an UnknownNameError listing the known ones
get_dataset = DATASETS.get


def folder_dataset(folder: str | Path) -> Dataset:
    """Any local folder of WFDB records with beat annotations (``.atr``) as a registered
    dataset named after the folder: MLII or II where present, else the first lead; one
    patient per record (group them with a registered dataset module if they are not)."""
    path = Path(folder).resolve()
    if not any(path.glob("*.hea")):
        raise DataError(f"{folder}: no WFDB records (.hea files) found")
    name = f"folder:{path}"
    return DATASETS.find(name) or register(Dataset(
        name=name, title=f"WFDB records in {path}", physionet=None, fs=None, folder=path,
        lead_note="MLII or II where present, else the first lead",
        patient_note="one patient per record"))


def dataset_title(source: str) -> str:
    """A source's full name for banners (the source name itself if not registered)."""
    return DATASETS[source].title if source in DATASETS else source



