"""All figures of the book, in one consistent style (matplotlib + seaborn).

Each function returns a :class:`matplotlib.figure.Figure`; notebooks only call them.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython import get_ipython
from sklearn.metrics import precision_recall_curve, roc_curve

from ..beats.extract import fiducial_points
from ..beats.records import Record
from ..beats.segmentation import SegmentParams, resample, windows

PALETTE = {"normal": "#1f77b4", "abnormal": "#d62728", "N": "#1f77b4", "S": "#ff7f0e",
           "V": "#d62728", "F": "#9467bd", "Q": "#7f7f7f", "train": "#1f77b4",
           "validation": "#ff7f0e"}


def setup_style() -> None:
    """One call per notebook: inline figures in a kernel (even when $MPLBACKEND says Agg),
    seaborn theme, readable sizes."""
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        shell.run_line_magic("matplotlib", "inline")
    sns.set_theme(context="notebook", style="whitegrid")
    plt.rcParams.update({"figure.figsize": (8, 4), "figure.dpi": 100, "savefig.dpi": 150,
                         "axes.titleweight": "bold"})


def plot_history(history: pd.DataFrame) -> tuple[plt.Figure, plt.Figure]:
    """The seed's two figures: accuracy and loss per epoch, train vs validation."""
    figs = []
    for metric, title in (("accuracy", "Model accuracy"), ("loss", "Model loss")):
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.plot(history["epoch"], history[metric], "o-", color=PALETTE["train"], label="train")
        ax.plot(history["epoch"], history[f"val_{metric}"], "s-", color=PALETTE["validation"],
                label="validation")
        ax.set(title=title, xlabel="epoch", ylabel=metric)
        ax.legend()
        fig.tight_layout()
        figs.append(fig)
    return figs[0], figs[1]


def plot_confusion(cm: pd.DataFrame, normalize: bool = True) -> plt.Figure:
    """Confusion matrix heat map (rows: true class), normalised per true class if asked."""
    data = cm.div(cm.sum(axis=1), axis=0) if normalize else cm
    fig, ax = plt.subplots(figsize=(4.5 + 0.4 * len(cm), 3.5 + 0.4 * len(cm)))
    annot = cm.astype(str) + ("\n" + (100 * data).round(1).astype(str) + "%" if normalize else "")
    sns.heatmap(data, annot=annot, fmt="", cmap="Blues", vmin=0, vmax=1 if normalize else None,
                cbar=False, ax=ax)
    ax.set(title="Confusion matrix", xlabel="predicted", ylabel="true")
    fig.tight_layout()
    return fig


def plot_roc_pr(y: np.ndarray, p: np.ndarray, label: str = "model") -> plt.Figure:
    """ROC and precision-recall curves side by side (binary)."""
    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4))
    fpr, tpr, _ = roc_curve(y, p)
    prec, rec, _ = precision_recall_curve(y, p)
    a.plot(fpr, tpr, label=label)
    a.plot([0, 1], [0, 1], "k--", lw=0.8, label="chance")
    a.set(title="ROC curve", xlabel="false positive rate", ylabel="sensitivity (recall)")
    b.plot(rec, prec, label=label)
    b.axhline(np.mean(y), color="k", ls="--", lw=0.8, label="prevalence")
    b.set(title="Precision-recall curve", xlabel="recall", ylabel="precision")
    for ax in (a, b):
        ax.legend(loc="lower right" if ax is a else "lower left")
    fig.tight_layout()
    return fig


def plot_reliability(rel: pd.DataFrame, ece: float | None = None) -> plt.Figure:
    """Reliability diagram: mean predicted probability vs observed frequency per bin."""
    fig, ax = plt.subplots(figsize=(5, 5))
    used = rel[rel["count"] > 0]
    ax.plot([0, 1], [0, 1], "k--", lw=0.8, label="perfect calibration")
    ax.plot(used["mean_predicted"], used["observed_frequency"], "o-", label="model")
    title = "Reliability diagram" + (f" (ECE {ece:.3f})" if ece is not None else "")
    ax.set(title=title, xlabel="mean predicted P(abnormal)", ylabel="observed abnormal share",
           xlim=(0, 1), ylim=(0, 1))
    ax.legend()
    fig.tight_layout()
    return fig


def plot_beats_by_class(X: np.ndarray, aami: np.ndarray, n: int = 20, seed: int = 0,
                        title: str | None = None) -> plt.Figure:
    """A few beats of each class present (grey) with the class mean (colour)."""
    aami = np.asarray(aami)
    classes = [c for c in ("N", "S", "V", "F", "Q", "MI") if (aami == c).any()]
    fig, axes = plt.subplots(1, len(classes), figsize=(3.2 * len(classes), 3), sharey=True,
                             squeeze=False)
    rng = np.random.default_rng(seed)
    t = np.arange(X.shape[1]) / 125
    for ax, c in zip(axes[0], classes):
        idx = np.flatnonzero(aami == c)
        pick = rng.choice(idx, size=min(n, idx.size), replace=False)
        ax.plot(t, X[pick].T, color="0.7", lw=0.6)
        ax.plot(t, X[idx].mean(axis=0), color=PALETTE.get(c, "k"), lw=2)
        ax.set(title=f"{c} ({idx.size:,} beats)", xlabel="time from R peak (s)")
    axes[0, 0].set_ylabel("normalised amplitude")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_class_balance(counts: pd.Series, title: str = "Beats per class") -> plt.Figure:
    """Bar chart of beat counts per class (log scale shows the rare classes)."""
    fig, ax = plt.subplots(figsize=(6, 3.5))
    colors = [PALETTE.get(str(k), "0.5") for k in counts.index]
    ax.bar(counts.index.astype(str), counts.to_numpy(), color=colors)
    ax.set_yscale("log")
    for i, v in enumerate(counts.to_numpy()):
        ax.text(i, v, f"{v:,}", ha="center", va="bottom", fontsize=9)
    ax.set(title=title, ylabel="beats (log scale)")
    fig.tight_layout()
    return fig


def plot_segmentation(record: Record, start_s: float = 0.0, seconds: float = 20.0,
                      params: SegmentParams = SegmentParams()) -> plt.Figure:
    """Kachuee segmentation drawn on a record: 125 Hz signal, 10 s windows normalised to
    [0, 1], R peaks, and each beat's 1.2 x median RR cut, from the same code
    (:func:`ecglib.beats.segmentation.windows`) that cuts the beats."""
    x = resample(record.signal, record.fs, params.fs)
    peaks = np.minimum(np.sort(fiducial_points(record, record.reference_beats()[0], params,
                                               fs=params.fs)), x.size - 1)
    a, b = int(start_s * params.fs), int((start_s + seconds) * params.fs)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(12, 6), sharex=True)
    t = np.arange(x.size) / params.fs
    top.plot(t[a:b], x[a:b], lw=0.8)
    top.set(title=f"Record {record.name}, lead {record.lead}, resampled to {params.fs} Hz",
            ylabel="mV")
    for w in windows(x, peaks, params):
        if w.stop <= a or w.start >= b:
            continue
        top.axvline(t[w.start], color="k", ls=":", lw=1)
        bottom.axvline(t[w.start], color="k", ls=":", lw=1)
        if w.norm is None:          # a flat window: its beats are dropped
            continue
        bottom.plot(t[w.start:w.stop], w.norm, color="0.3", lw=0.8)
        for j, p in enumerate(peaks[w.lo:w.hi]):
            end = min(p + w.cut, w.stop) - 1
            bottom.axvspan(t[p], t[end], color=f"C{j % 2 + 1}", alpha=0.15)
            bottom.plot(t[p], w.norm[p - w.start], "rv")
    bottom.set(title="10 s windows normalised to [0, 1]; shaded: one beat = 1.2 x median RR "
               "from each R peak (v)", xlabel="time (s)", ylabel="normalised",
               xlim=(t[a], t[min(b, x.size) - 1]))
    fig.tight_layout()
    return fig


def plot_steps(beat: np.ndarray, steps: int = 10, step_len: int = 18) -> plt.Figure:
    """One beat cut into the seed's 10 steps of 18 samples; the dropped tail in red."""
    fig, ax = plt.subplots(figsize=(10, 3.5))
    keep = steps * step_len
    for s in range(steps):
        idx = np.arange(s * step_len, (s + 1) * step_len)
        ax.plot(idx, beat[idx], color=f"C{s % 10}", lw=2)
        ax.text(idx.mean(), 1.03, f"step {s + 1}", ha="center", fontsize=8)
    ax.plot(np.arange(keep - 1, beat.size), beat[keep - 1:], color="red", lw=2, ls="--",
            label=f"dropped samples {keep}-{beat.size - 1}")
    ax.set(title=f"{steps} steps x {step_len} samples = {keep} of {beat.size} samples",
           xlabel="sample (125 Hz)", ylabel="normalised", ylim=(-0.05, 1.1))
    ax.legend(loc="center right")
    fig.tight_layout()
    return fig


def plot_misclassified(X: np.ndarray, y: np.ndarray, p: np.ndarray, threshold: float,
                       n: int = 6, seed: int = 0) -> plt.Figure:
    """A few false negatives and false positives with their predicted P(abnormal)."""
    yhat = (p >= threshold).astype(int)
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(2, n, figsize=(2.2 * n, 4.5), sharey=True, squeeze=False)
    for row, (name, mask) in enumerate((("missed abnormal (FN)", (y == 1) & (yhat == 0)),
                                        ("false alarm (FP)", (y == 0) & (yhat == 1)))):
        idx = np.flatnonzero(mask)
        pick = rng.choice(idx, size=min(n, idx.size), replace=False) if idx.size else []
        for ax in axes[row]:
            ax.axis("off")
        for ax, i in zip(axes[row], pick):
            ax.axis("on")
            ax.plot(X[i], color=PALETTE["abnormal" if row == 0 else "normal"], lw=1)
            ax.set_title(f"p={p[i]:.2f}", fontsize=9)
            ax.set_xticks([])
        axes[row, 0].axis("on")
        axes[row, 0].set_ylabel(f"{name}\n({idx.size:,} beats)", fontsize=9)
    fig.tight_layout()
    return fig


def plot_record_predictions(record: Record, preds: pd.DataFrame, start_s: float = 0.0,
                            seconds: float = 20.0) -> plt.Figure:
    """A stretch of a record with each detected beat's predicted label (above) and the
    reference annotation class (below), when known."""
    a, b = int(start_s * record.fs), int((start_s + seconds) * record.fs)
    t = np.arange(record.signal.size) / record.fs
    fig, ax = plt.subplots(figsize=(12, 3.8))
    ax.plot(t[a:b], record.signal[a:b], color="0.3", lw=0.8)
    part = preds[(preds["sample"] >= a) & (preds["sample"] < b)]
    top = record.signal[a:b].max()
    bottom = record.signal[a:b].min()
    for _, r in part.iterrows():
        color = PALETTE.get(r["label"], "k")
        ax.text(r["time_s"], top + 0.1, "A" if r["label"] != "normal" else "n", color=color,
                ha="center", fontweight="bold")
        ref = r.get("reference", "")
        if isinstance(ref, str) and ref:
            ax.text(r["time_s"], bottom - 0.25, ref, ha="center", fontsize=9,
                    color=PALETTE.get(ref, "k"))
    ax.set(title=f"Record {record.name}: predicted (top: n normal, A abnormal) and reference "
           f"AAMI class (bottom)", xlabel="time (s)", ylabel="mV",
           ylim=(bottom - 0.5, top + 0.35))
    fig.tight_layout()
    return fig


def plot_split_comparison(frame: pd.DataFrame, metrics: list[str]) -> plt.Figure:
    """Metric values with 95% CIs, one colour per split (``frame``: split, metric, value,
    ci_low, ci_high)."""
    part = frame[frame["metric"].isin(metrics)]
    splits = list(part["split"].unique())
    fig, ax = plt.subplots(figsize=(1.6 * len(metrics) + 2, 4))
    width = 0.8 / len(splits)
    for k, split in enumerate(splits):
        s = part[part["split"] == split].set_index("metric").loc[metrics]
        x = np.arange(len(metrics)) + (k - (len(splits) - 1) / 2) * width
        ax.bar(x, s["value"], width, label=split, color=f"C{k}")
        ax.errorbar(x, s["value"], yerr=[s["value"] - s["ci_low"], s["ci_high"] - s["value"]],
                    fmt="none", color="k", capsize=3)
    ax.set_xticks(np.arange(len(metrics)), metrics, rotation=20)
    ax.set(ylim=(0, 1.05), ylabel="value (95% CI)", title="Random beat split vs inter-patient")
    ax.legend()
    fig.tight_layout()
    return fig


def plot_tradeoff(frame: pd.DataFrame, x: str, y: str, label: str = "model") -> plt.Figure:
    """Scatter of models: ``x`` (e.g. parameters, log scale) vs ``y`` (e.g. accuracy)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for split, part in frame.groupby("split"):
        ax.scatter(part[x], part[y], s=60, label=split)
        for _, r in part.iterrows():
            ax.annotate(r[label], (r[x], r[y]), textcoords="offset points", xytext=(5, 4),
                        fontsize=9)
    if (frame[x] > 0).all():
        ax.set_xscale("log")
    ax.set(xlabel=x, ylabel=y, title=f"{y} vs {x}")
    ax.legend(title="split")
    fig.tight_layout()
    return fig


def plot_record(record: Record, start_s: float = 0.0, seconds: float = 10.0) -> plt.Figure:
    """A stretch of a raw record with its reference beat symbols above the R peaks."""
    a, b = int(start_s * record.fs), int((start_s + seconds) * record.fs)
    t = np.arange(record.signal.size) / record.fs
    fig, ax = plt.subplots(figsize=(12, 3.5))
    ax.plot(t[a:b], record.signal[a:b], lw=0.8, color="0.2")
    top = record.signal[a:b].max()
    for s, sym, cls in zip(*record.reference_beats()):
        if a <= s < b:
            ax.text(s / record.fs, top + 0.1, sym, ha="center", color=PALETTE.get(cls, "k"),
                    fontweight="bold")
    ax.set(title=f"Record {record.name}, lead {record.lead}, {record.fs:g} Hz "
           "(symbols: reference beat annotations)", xlabel="time (s)", ylabel="mV",
           ylim=(record.signal[a:b].min() - 0.2, top + 0.4))
    fig.tight_layout()
    return fig


def plot_step_features(features: dict[str, np.ndarray]) -> plt.Figure:
    """Heat maps of what the LSTM reads: TimeDistributed CNN features (10 steps x 256)."""
    fig, axes = plt.subplots(1, len(features), figsize=(6 * len(features), 3.2), squeeze=False)
    for ax, (name, f) in zip(axes[0], features.items()):
        sns.heatmap(np.asarray(f).T, cmap="viridis", ax=ax, cbar=True)
        ax.set(title=name, xlabel="step (18 samples each)", ylabel="CNN feature (256)",
               yticks=[])
    fig.tight_layout()
    return fig


def plot_val_curves(history: pd.DataFrame, columns: dict[str, str]) -> plt.Figure:
    """One curve per named column of ``history`` (e.g. validation accuracy with PreciseBN
    and with Keras' own BN statistics)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for name, column in columns.items():
        ax.plot(history["epoch"], history[column], "o-", label=name)
    ax.set(title="validation per epoch", xlabel="epoch",
           ylabel=" / ".join(dict.fromkeys(columns.values())), ylim=(0, 1.02))
    ax.legend()
    fig.tight_layout()
    return fig


def plot_ectopic_by_record(breakdown: pd.DataFrame, cls: str = "S") -> plt.Figure:
    """Per record (``breakdown``: :func:`ecglib.metrics.ectopy.ectopic_breakdown`): the
    reference beats of ``cls`` and how many the model found, and its +P in that record."""
    rows = breakdown[breakdown["kind"] == "record"].sort_values("n")
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 0.28 * len(rows) + 1.6),
                                      sharey=True, gridspec_kw={"width_ratios": [3, 1]})
    y = np.arange(len(rows))
    left.barh(y, rows["n"], color="0.85", label=f"{cls} beats (reference)")
    left.barh(y, rows["found"], color=PALETTE.get(cls, "C1"), label="found")
    left.set_xscale("symlog", linthresh=10)
    left.set(yticks=y, yticklabels=rows["group"], xlabel=f"{cls} beats (log scale)",
             ylabel="record", title=f"{cls} beats found, record by record")
    left.legend(loc="lower right")
    right.scatter(rows["ppv"], y, color=PALETTE.get(cls, "C1"))
    right.set(xlim=(-0.05, 1.05), xlabel=f"+P of the {cls} calls", title="+P")
    fig.tight_layout()
    return fig


#: what :func:`plot_ablation` draws for each row, per part
ABLATION_METRICS = ("S_se", "S_ppv", "S_f1", "S_se runs of 3+", "V_se", "V_ppv",
                    "binary_balanced_accuracy")


def plot_ablation(frame: pd.DataFrame, parts: tuple[str, ...] = ("DS1 ", "stress ", "DS2 "),
                  roles: tuple[str, ...] = ("out of fold: chooses", "chooses",
                                            "test: never chooses")) -> plt.Figure:
    """One panel per part (a column prefix of ``frame``, one row per configuration: see
    :func:`ecglib.evaluation.ablation.ablation_row`), a group of bars per metric of
    :data:`ABLATION_METRICS` and a bar per row."""
    fig, axes = plt.subplots(1, len(parts), figsize=(5.6 * len(parts), 5.2), sharey=True,
                             squeeze=False)
    width = 0.8 / len(frame)
    x = np.arange(len(ABLATION_METRICS))
    for ax, part, role in zip(axes[0], parts, roles):
        for k, (label, row) in enumerate(frame.iterrows()):
            values = [row.get(part + m, np.nan) for m in ABLATION_METRICS]
            ax.bar(x + (k - (len(frame) - 1) / 2) * width, values, width, label=label)
        ax.set_xticks(x, ABLATION_METRICS, rotation=25, ha="right")
        ax.set(title=f"{part.strip()} ({role})", ylim=(0, 1.05))
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(len(labels), 5), fontsize=8)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig


#: one colour per reference ratio column (``ecglib.beats.rr``), none of them a class colour
REFERENCE_COLORS = {"pre_centre": "#2ca02c", "pre_record": "#8c564b", "pre_p90": "#17becf",
                    "pre_sinus": "#000000"}


def plot_references(beats: pd.DataFrame, references: dict[str, str], ax=None,
                    title: str = "") -> plt.Figure:
    """The R-R interval before each of ``beats`` (consecutive beats of one record: ``meta``
    rows with ``pre_rr`` and ``aami``), coloured by reference class, and for each
    ``label -> ratio column`` of ``references`` the interval that column divides by
    (``pre_rr / ratio``) as a line: the patient's rhythm as that reference sees it."""
    if ax is None:
        fig, ax = plt.subplots(figsize=(10, 3.6))
    fig = ax.figure
    x = np.arange(len(beats))
    pre = beats["pre_rr"].to_numpy()
    for c in sorted(beats["aami"].unique()):
        here = (beats["aami"] == c).to_numpy()
        ax.scatter(x[here], pre[here], s=12, color=PALETTE.get(c, "grey"), label=f"{c} beat")
    for label, column in references.items():      # dashed, over the beats
        ax.plot(x, pre / beats[column].to_numpy(), lw=1.8, ls="--", label=label,
                color=REFERENCE_COLORS.get(column, "grey"))
    ax.set(xlabel="beat", ylabel="R-R before the beat (s)", title=title)
    ax.legend(fontsize=8, ncol=3, loc="upper right")
    return fig
