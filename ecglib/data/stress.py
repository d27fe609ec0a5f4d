"""A rhythm stress set: the training patients' own beats, laid out in rhythms their records
lack, so that a choice made on the training patients can see a failure the test patients
show.

In MIT-BIH's DS1 no record has supraventricular (S) beats as most of its beats, or long
runs of them in a slow rhythm with pauses; DS2's record 232 does, and a model that compares
each beat with its patient's *usual* rhythm and shape misses them there, because the usual
beat is then the S beat. This module builds such records from a training patient's
signal. Each **stress record** takes the patient's own annotated N and S beats (drawn at
random, with replacement) and places each one at a new R-peak time:

- ``s_dominant``: runs of 3 to 12 S beats at 0.65 x the patient's sinus interval, each run
  ended by one N beat after a pause of 1.6 to 2.5 x; about 80% of the beats are S (like
  record 232);
- ``svt_runs``: sinus rhythm with a run of 10 to 30 S beats at 0.5 x (a supraventricular
  tachycardia) after every 30 to 60 N beats;
- ``slow_pauses``: a slow sinus rhythm (1.4 x) with a pause of 2.5 x every 15 to 30 beats
  and an isolated S beat at 0.75 x of the slow interval every 8 to 20 beats;
- ``block_2to1``: sinus rhythm conducted 1:1 for 20 to 40 beats, with one isolated S beat at
  0.7 x in its middle, then 2:1 atrioventricular block for 10 to 30 beats (every other P
  wave blocked, so the interval doubles to 2 x). The first beat after a block stretch
  comes at half the intervals before it without being early: it is N.
- ``sick_sinus``: the tachycardia-bradycardia form of sick sinus syndrome (sinus node
  dysfunction). A slow sinus rhythm (1.2 to 1.6 x) with marked respiratory sinus
  arrhythmia (each interval ±8 to 15% around it, one breath every 3 to 6 beats) and sinus
  pauses or exit block (2 to 4 x, about one beat in twelve), for 4 to 12 beats; then a run of
  3 to 20 S beats of an atrial tachycardia at 0.5 to 0.7 x whose intervals vary by ±15%
  beat to beat; the run ends in a sinus node recovery pause of 1.8 to 3.5 x. Unlike the
  other scenarios, its intervals change from beat to beat as in atrial fibrillation, yet
  its short intervals are early beats.

The sinus interval is the median interval between two consecutive N beats of the record.
The new signal copies, around each new R peak, the original signal around that beat's own
R peak: up to half the new interval on each side, and never more than half the beat's
original intervals (so no unannotated neighbouring QRS comes along); what is left between
two copies is a straight line joining them. The records then go through the same beat
extraction as real ones (:func:`ecglib.beats.extract.annotated_beats`), so every R-R and
template feature is computed from the new rhythm. Each keeps its patient: a patient's
stress beats are only ever scored by a model that did not train on that patient
(:func:`ecglib.training.selection.cross_validate`).

It is a simulation, not a recording: the splices are visible in the signal, the P wave of
an S beat placed earlier than it came may overlap the previous T wave, and no beat's
morphology changes with the rate.
"""
from __future__ import annotations

import zlib
from dataclasses import replace

import numpy as np
import pandas as pd

from ..beats.extract import annotated_beats
from ..beats.records import Record
from ..beats.segmentation import SegmentParams
from ..core.errors import DataError
from ..datasets import get_dataset
from .beattable import BeatTable

#: how each scenario sets its beats (see the module docstring)
SCENARIOS = ("s_dominant", "svt_runs", "slow_pauses", "block_2to1", "sick_sinus")
#: a record joins the stress set when it holds at least this many S beats
MIN_S_BEATS = 50
STRESS_BEATS = 600


def stress_rhythm(scenario: str, sinus: float, n_beats: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(intervals before each beat in seconds, True where the beat is S) of ``n_beats``
    beats of ``scenario`` around a sinus interval of ``sinus`` seconds."""
    intervals: list[float] = []
    is_s: list[bool] = []

    def add(interval: float, s: bool, count: int = 1) -> None:
        intervals.extend([interval] * count)
        is_s.extend([s] * count)

    while len(intervals) < n_beats:
        if scenario == "s_dominant":
            add(0.65 * sinus, True, int(rng.integers(3, 13)))
            add(float(rng.uniform(1.6, 2.5)) * sinus, False)
        elif scenario == "svt_runs":
            add(sinus, False, int(rng.integers(30, 61)))
            add(0.5 * sinus, True, int(rng.integers(10, 31)))
        elif scenario == "slow_pauses":
            add(2.5 * sinus, False)                         # the pause opens a block
            every = int(rng.integers(8, 21))
            for k in range(1, int(rng.integers(15, 31))):
                add(1.4 * sinus, False)
                if k % every == 0:
                    add(0.75 * 1.4 * sinus, True)
        elif scenario == "block_2to1":
            conducted = int(rng.integers(20, 41))
            add(sinus, False, conducted // 2)
            add(0.7 * sinus, True)
            add(sinus, False, conducted - conducted // 2 - 1)
            add(2.0 * sinus, False, int(rng.integers(10, 31)))
        elif scenario == "sick_sinus":
            slow, swing = float(rng.uniform(1.2, 1.6)), float(rng.uniform(0.08, 0.15))
            breath, phase = float(rng.uniform(3.0, 6.0)), float(rng.uniform(0, 2 * np.pi))
            for k in range(int(rng.integers(4, 13))):
                if rng.random() < 1 / 12:
                    add(float(rng.uniform(2.0, 4.0)) * sinus, False)    # pause, exit block
                else:
                    add(slow * (1 + swing * np.sin(2 * np.pi * k / breath + phase)) * sinus,
                        False)
            rate = float(rng.uniform(0.5, 0.7))
            for _ in range(int(rng.integers(3, 21))):
                add(rate * float(rng.uniform(0.85, 1.15)) * sinus, True)
            add(float(rng.uniform(1.8, 3.5)) * sinus, False)            # recovery pause
        else:
            raise ValueError(f"unknown stress scenario {scenario!r}; one of {SCENARIOS}")
    return np.asarray(intervals[:n_beats]), np.asarray(is_s[:n_beats])


def stress_record(record: Record, scenario: str, seed: int = 0,
                  n_beats: int = STRESS_BEATS) -> Record:
    """A stress record of ``scenario`` made of ``record``'s own N and S beats (see the
    module docstring), named ``<record>~<scenario>``, of the same patient."""
    samples, symbols, classes = record.reference_beats()
    order = np.argsort(samples, kind="stable")
    samples, symbols, classes = samples[order], symbols[order], classes[order]
    inner = np.arange(1, samples.size - 1)              # beats with both neighbours
    normal = inner[classes[inner] == "N"]
    ectopic = inner[classes[inner] == "S"]
    if normal.size < 10 or ectopic.size < 1:
        raise DataError(f"record {record.name}: {normal.size} N and {ectopic.size} S beats; "
                        f"a stress record needs at least 10 N beats and one S beat")
    both_n = (classes[1:] == "N") & (classes[:-1] == "N")
    sinus = float(np.median(np.diff(samples)[both_n])) / record.fs
    rng = np.random.default_rng(seed)
    intervals, is_s = stress_rhythm(scenario, sinus, n_beats, rng)
    source = np.where(is_s, rng.choice(ectopic, n_beats), rng.choice(normal, n_beats))
    fs = record.fs
    peaks = np.round((2.0 + np.cumsum(intervals)) * fs).astype(np.int64)
    new_gap = np.diff(np.r_[peaks[0] - 2 * fs, peaks, peaks[-1] + 2 * fs])
    orig_pre = samples[source] - samples[source - 1]
    orig_post = samples[source + 1] - samples[source]
    left = np.minimum(new_gap[:-1] // 2, orig_pre // 2).astype(np.int64)
    right = np.minimum(new_gap[1:] // 2, orig_post // 2).astype(np.int64)
    signal = np.full(int(peaks[-1] + 2 * fs), np.nan)
    for at, src, lo, hi in zip(peaks, samples[source], left, right):
        signal[at - lo:at + hi] = record.signal[src - lo:src + hi]
    known = np.flatnonzero(~np.isnan(signal))
    signal = np.interp(np.arange(signal.size), known, signal[known])
    return replace(record, name=f"{record.name}~{scenario}", signal=signal.astype(np.float32),
                   ann_samples=peaks, ann_symbols=symbols[source].astype(object),
                   synthetic=True, comments=(f"rhythm stress record ({scenario}) from "
                                             f"{record.name}, seed {seed}",),
                   gaps=np.zeros(signal.size, dtype=bool))


def training_records(source: str = "mitdb") -> list[str]:
    """The records of the dataset's standard training part whose patient has no record in
    its test part: those the inter-patient split trains on (MIT-BIH: DS1 without 201, whose
    patient is DS2's 202)."""
    ds = get_dataset(source)
    if not ds.standard_split:
        raise DataError(f"{source}: no standard training part to build a stress set from; "
                        "name the records")
    train, test = ds.standard_split
    tested = {ds.patient(r) for r in test}
    return [r for r in train if ds.patient(r) not in tested]


def stress_table(source: str = "mitdb", records: list[str] | None = None,
                 data_dir=None, seed: int = 0, params: SegmentParams = SegmentParams(),
                 scenarios: tuple[str, ...] = SCENARIOS) -> BeatTable:
    """Every scenario's stress record of each of ``records`` (default: the
    :func:`training_records` that hold at least :data:`MIN_S_BEATS` S beats), cut into
    beats like real records. ``meta`` gains ``scenario`` and ``from_record``."""
    ds = get_dataset(source)
    names = records if records is not None else training_records(source)
    folder = ds.locate(data_dir, records=names, progress=False)
    X, metas = [], []
    for name in names:
        record = ds.read(folder, name)
        _, _, classes = record.reference_beats()
        if records is None and int((classes == "S").sum()) < MIN_S_BEATS:
            continue
        for scenario in scenarios:
            # each record and scenario its own rhythm draw, whichever other records join
            record_seed = (seed * 1_000_003 + zlib.crc32(f"{name}/{scenario}".encode())) % 2**32
            beats = annotated_beats(stress_record(record, scenario, record_seed), params)
            X.append(beats.X)
            metas.append(beats.meta.assign(scenario=scenario, from_record=name))
    if not X:
        raise DataError(f"{source}: no record of {names} holds {MIN_S_BEATS} S beats")
    return BeatTable(np.concatenate(X), pd.concat(metas, ignore_index=True),
                     f"{source}_stress", True, {"stress_of": source, "seed": seed,
                                                "scenarios": list(scenarios)})


def stress_for(table: BeatTable, rows: np.ndarray, seed: int = 0) -> BeatTable:
    """The stress set of ``table``'s dataset built from the records of ``rows`` (say the
    training patients' beats) that hold at least :data:`MIN_S_BEATS` S beats there, else
    from those that hold any (a small or synthetic table). On MIT-BIH's inter-patient
    training side these are :func:`stress_table`'s default records."""
    meta = table.meta.iloc[np.asarray(rows)]
    if "aami" not in meta:
        raise DataError(f"{table.source}: the beat table has no 'aami' column, so its S "
                        "beats cannot be found to build a stress set")
    counts = meta.loc[meta["aami"] == "S", "record"].astype(str).value_counts()
    if counts.empty:
        raise DataError(f"{table.source}: none of the {meta['record'].nunique()} records "
                        "given holds an S beat; a stress set needs some")
    names = sorted(counts[counts >= MIN_S_BEATS].index) or sorted(counts.index)
    return stress_table(table.source, records=names, seed=seed)
