"""A clearly labelled synthetic ECG source for offline use (never mistaken for real data).

Each beat is a sum of five Gaussian waves (P, Q, R, S, T) placed at angles along the R-R cycle,
the morphology model of McSharry et al. (2003, "A dynamical model for generating synthetic
electrocardiogram signals", IEEE TBME 50(3), ECGSYN). The dynamical ODE is not integrated:
waves are placed directly in time, which gives the same morphology per beat. Abnormal beats
change the timing and the waves the way the AAMI classes do (premature S with an altered P
wave, wide premature V without P, F a fusion of N and V, paced Q with a pacing spike).
Records carry reference annotations at the R peaks, so the real pipeline runs unchanged.
Everything is deterministic given the seed.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..beats.records import Record
from .base import Dataset, register

SYNTHETIC_FS = 360.0
# (angle in radians along the cycle, amplitude in mV, width in radians): McSharry et al. Table 1
_NORMAL_WAVES = np.array([
    [-np.pi / 3, 0.12, 0.25],   # P
    [-np.pi / 12, -0.16, 0.10],  # Q
    [0.0, 1.00, 0.10],           # R
    [np.pi / 12, -0.25, 0.10],   # S
    [np.pi / 1.8, 0.30, 0.40],   # T
])
#: bump when the generator changes: it is part of every synthetic table's cache key
SYNTHETIC_VERSION = 1


def _waves(symbol: str, rng: np.random.Generator) -> np.ndarray:
    """Wave table (angle, amplitude, width) for one beat of the given symbol."""
    w = _NORMAL_WAVES.copy()
    w[:, 1] *= rng.normal(1.0, 0.05, size=5)
    if symbol == "A":                      # atrial premature: inverted, earlier P
        w[0, 1] *= -0.8
        w[0, 0] *= 0.7
    elif symbol in ("V", "F", "/"):
        v = w.copy()
        v[0, 1] = 0.0                      # no P wave
        v[1:4, 2] *= 3.0                   # wide QRS
        v[2, 1] *= 1.4
        v[3, 1] *= 2.5
        v[4, 1] *= -1.8                    # discordant T wave
        v[4, 2] *= 1.3
        if symbol == "F":                  # fusion: halfway between N and V
            v = 0.5 * (w + v)
        if symbol == "/":                  # paced: sharp pacing spike before the QRS
            v = np.vstack([v, [-0.25, 1.5, 0.012]])
        w = v
    return w


def synthetic_record(name: str, seed: int, duration_s: float = 300.0,
                     abnormal_rate: float = 0.2, fs: float = SYNTHETIC_FS) -> Record:
    """One synthetic single-lead record with reference beat annotations at the R peaks."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * fs)
    t = np.arange(n) / fs
    mean_rr = 60.0 / rng.uniform(60, 95)
    kinds = np.array(["A", "V", "F", "/"])
    weights = rng.dirichlet(np.ones(4))
    signal = np.zeros(n)
    samples, symbols = [], []
    time = 0.6
    while time < duration_s - 1.0:
        abnormal = rng.random() < abnormal_rate
        sym = str(rng.choice(kinds, p=weights)) if abnormal else "N"
        rr = mean_rr * rng.normal(1.0, 0.04)
        if sym in ("A", "V"):
            rr *= 0.72                      # premature beat
        time_r = time + rr
        if time_r >= duration_s - 1.0:
            break
        waves = _waves(sym, rng)
        lo, hi = int((time_r - 0.7 * rr) * fs), min(n, int((time_r + 0.75 * rr) * fs) + 1)
        phase = (t[lo:hi] - time_r) / rr * 2 * np.pi
        for angle, amp, width in waves:
            signal[lo:hi] += amp * np.exp(-((phase - angle) ** 2) / (2 * width ** 2))
        samples.append(int(round(time_r * fs)))
        symbols.append(sym)
        time = time_r + (0.25 * mean_rr if sym == "V" else 0.0)   # compensatory pause
    signal += 0.08 * np.sin(2 * np.pi * rng.uniform(0.15, 0.35) * t + rng.uniform(0, 6.3))
    signal += rng.normal(0.0, 0.015, size=n)
    signal *= rng.uniform(0.7, 1.4)
    return Record(name=name, signal=signal, fs=fs, lead="synthetic", patient=name,
                  ann_samples=np.asarray(samples, dtype=np.int64),
                  ann_symbols=np.asarray(symbols, dtype=object), synthetic=True)


def synthetic_records(n_records: int = 12, seed: int = 0, duration_s: float = 300.0
                      ) -> list[Record]:
    """``n_records`` synthetic records named ``syn01``... (deterministic by ``seed``)."""
    if n_records < 1:
        raise ValueError(f"n_records must be at least 1, got {n_records}")
    return [_numbered_record(i, seed, duration_s) for i in range(n_records)]


def _numbered_record(i: int, seed: int, duration_s: float = 300.0) -> Record:
    """Record ``syn<i+1>`` of the set generated with ``seed``."""
    return synthetic_record(f"syn{i + 1:02d}", seed=seed * 1000 + i, duration_s=duration_s,
                            abnormal_rate=0.1 + 0.3 * (i % 4) / 3)


@dataclass(frozen=True)
class Synthetic(Dataset):
    """Generated records ``syn01``..., one per patient, annotated at every R peak."""

    n_records: int = 12
    seed: int = 0

    def configured(self, n_records: int | None = None, seed: int | None = None, **_) -> "Synthetic":
        return replace(self, n_records=self.n_records if n_records is None else n_records,
                       seed=self.seed if seed is None else seed)

    def locate(self, path=None, records=None, download=True, progress=True) -> None:
        return None

    def record_names(self, folder: Path | None) -> list[str]:
        if self.n_records < 1:
            raise ValueError(f"n_records must be at least 1, got {self.n_records}")
        return [f"syn{i + 1:02d}" for i in range(self.n_records)]

    def identity(self, folder: Path | None, names: list[str]) -> dict:
        return {"n_records": self.n_records, "seed": self.seed, "version": SYNTHETIC_VERSION}

    def read(self, folder: Path | None, name: str) -> Record:
        return _numbered_record(int(name[3:]) - 1, self.seed)

    def build_info(self, names: list[str]) -> dict:
        return {"n_records": self.n_records, "seed": self.seed,
                "generator": "ecglib.synthetic (Gaussian-wave model after McSharry et al. 2003)"}


SYNTHETIC = register(Synthetic(
    name="synthetic",
    title="SYNTHETIC ECG generated by ecglib (Gaussian-wave model after McSharry et al. 2003)",
    physionet=None, fs=SYNTHETIC_FS, leads=("synthetic",),
    lead_note="one generated lead", synthetic=True,
))
