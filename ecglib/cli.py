"""The ``ecglib`` command: data, model, train, evaluate and predict subcommands."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import EcglibError


def _data_build(args: argparse.Namespace) -> int:
    from .build import build_table, write_dataset
    from .segment import SegmentParams

    table = build_table(args.source, data_dir=args.data_dir, records=args.records,
                        params=SegmentParams(), n_synthetic=args.n_synthetic, seed=args.seed,
                        use_cache=not args.no_cache, download=not args.no_download)
    man = write_dataset(table, args.out, args.labels, force=args.force)
    tag = " [SYNTHETIC DATA]" if table.synthetic else ""
    counts = ", ".join(f"{k} {v:,}" for k, v in man["counts"].items())
    print(f"wrote {args.out}: {len(table):,} beats ({counts}) from {args.source}{tag}")
    leads: dict[str, list[str]] = {}
    for name, rec in table.info.get("records", {}).items():
        leads.setdefault(rec["lead"], []).append(name)
    print("leads used: " + "; ".join(f"{lead} ({len(r)} record{'s' * (len(r) > 1)}"
                                     f"{': ' + ' '.join(r) if len(r) <= 5 else ''})"
                                     for lead, r in leads.items()))
    if table.info.get("gap_beats_dropped"):
        print(f"dropped {table.info['gap_beats_dropped']:,} beats in 10 s windows holding "
              f"signal gaps (NaN samples); per record in manifest.json")
    return 0


def _data_check(args: argparse.Namespace) -> int:
    from .beatfiles import check_files

    for line in check_files(args.files):
        print(line)
    return 0


def _model_summary(args: argparse.Namespace) -> int:
    from .labels import get_scheme
    from .models import get_model_spec

    spec = get_model_spec(args.model)
    if spec.kind != "keras":
        print(f"{args.model}: {spec.description} (scikit-learn, no layer summary)")
        return 0
    spec.build(n_classes=get_scheme(args.labels).n_classes).summary()
    return 0


def _train(args: argparse.Namespace) -> int:
    from .data import load
    from .train import TrainConfig, check_run_target, train

    cfg = TrainConfig(model=args.model, split=args.split, labels=args.labels,
                      epochs=args.epochs, batch_size=args.batch_size,
                      learning_rate=args.lr, seed=args.seed, class_weight=args.class_weight,
                      patience=args.patience, subset=args.subset,
                      precise_bn=not args.no_precise_bn)
    cfg.validate()
    check_run_target(args.out, args.force)
    table = load(args.data, progress=True)
    if table.synthetic:
        print("NOTE: training on SYNTHETIC data")
    train(table, cfg, out_dir=args.out, verbose=2, force=args.force)
    return _print_metrics(args.out / "metrics.json")


def _print_metrics(path: Path) -> int:
    import json

    import pandas as pd

    m = json.loads(path.read_text())
    frame = pd.DataFrame(m["test"])
    print(f"test metrics (threshold {m['threshold']:.3f} chosen on validation; "
          f"95% CI, {m['bootstrap'].get('resampled', 'beats')} resampled):")
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from .data import load
    from .runs import evaluate_run, read_params

    params = read_params(args.run)
    data = args.data or params["data"].get("path") or params["data"]["source"]
    frame = evaluate_run(args.run, load(data, progress=True))
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"wrote {args.run / 'evaluation.csv'}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    import time

    from .predict import Predictor, predict_beat_files, record_paths, write_predictions

    if args.record is None:
        preds, report = predict_beat_files(args.model, args.csv)
        write_predictions(preds, args.out)
        counts = ", ".join(f"{k} {v:,}" for k, v in preds["label"].value_counts().items())
        print(f"wrote {args.out}: {len(preds):,} beats, predicted {counts}")
        print(report.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        return 0
    paths = record_paths(args.record)
    start = time.perf_counter()
    predictor = Predictor(args.model)
    loaded = time.perf_counter() - start
    preds, per_record, per_class, warns = predictor.records(paths, progress=len(paths) > 1)
    work = time.perf_counter() - start - loaded
    write_predictions(preds, args.out)
    print(f"wrote {args.out}: {len(preds):,} beats from {len(paths)} record(s); model loaded "
          f"in {loaded:.1f} s, records processed in {work:.1f} s "
          f"({work / len(paths):.2f} s per record)")
    if per_record is not None:
        stem = args.out.with_suffix("")
        write_predictions(per_record, f"{stem}.agreement.csv")
        write_predictions(per_class, f"{stem}.per_class.csv")
        fmt = {"float_format": lambda v: f"{v:.4f}", "index": False}
        print("agreement with the reference annotations, per record "
              "(classification metrics on detected beats matched within 150 ms):")
        print(per_record.to_string(**fmt))
        print("per AAMI class of the reference beats:")
        print(per_class.to_string(**fmt))
        print(f"wrote {stem}.agreement.csv and {stem}.per_class.csv")
    for w in warns:
        print(f"ecglib: warning: {w}", file=sys.stderr)
    return 0


def _book_run(args: argparse.Namespace) -> int:
    from .notebooks import parse_params, run_notebook

    out = run_notebook(args.notebook, args.out, parse_params(args.param or []))
    print(f"wrote {out}")
    return 0


def _book_student(args: argparse.Namespace) -> int:
    from .exercises import write_student_copies

    notebooks = args.notebooks or sorted(Path("notebooks").glob("*.ipynb"))
    for path in write_student_copies(notebooks, args.out):
        print(f"wrote {path}")
    return 0


def _book_clean(args: argparse.Namespace) -> int:
    import nbformat

    from .atomic import atomic_write_text
    from .notebooks import hygiene_problems, refresh_outputs, strip_outputs

    notebooks = args.notebooks or sorted(Path("notebooks").glob("*.ipynb"))
    problems = []
    for path in notebooks:
        if args.refresh:
            refresh_outputs(path)
        nb = nbformat.read(path, as_version=4)
        if args.check:
            problems += hygiene_problems(nb, str(path))
        else:
            atomic_write_text(path, nbformat.writes(nbformat.from_dict(strip_outputs(nb))))
    for line in problems:
        print(line)
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``ecglib`` command."""
    p = argparse.ArgumentParser(prog="ecglib", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="build and check beat files").add_subparsers(
        dest="data_command", required=True)
    b = data.add_parser("build", help="build the two-class (or five-class) beat files")
    b.add_argument("--source", choices=["mitdb", "ptbdb", "synthetic"], default="mitdb")
    b.add_argument("--out", required=True, type=Path, help="output folder")
    b.add_argument("--labels", choices=["binary", "aami5"], default="binary")
    b.add_argument("--data-dir", type=Path, default=None,
                   help="database folder (default: $ECGLIB_DATA_DIR, then the user cache)")
    b.add_argument("--records", nargs="+", default=None, help="only these records")
    b.add_argument("--n-synthetic", type=int, default=12, help="synthetic records to generate")
    b.add_argument("--seed", type=int, default=0, help="seed of the synthetic source")
    b.add_argument("--no-cache", action="store_true", help="rebuild, ignoring the cache")
    b.add_argument("--no-download", action="store_true", help="never download from PhysioNet")
    b.add_argument("--force", action="store_true",
                   help="replace --out even when it holds files that are not an ecglib build")
    b.set_defaults(func=_data_build)
    c = data.add_parser("check", help="validate beat files; exit 1 on the first problem")
    c.add_argument("files", nargs="+", type=Path)
    c.set_defaults(func=_data_check)

    model = sub.add_parser("model", help="model information").add_subparsers(
        dest="model_command", required=True)
    ms = model.add_parser("summary", help="print a model's Keras summary")
    ms.add_argument("--model", default="seed")
    ms.add_argument("--labels", choices=["binary", "aami5"], default="binary")
    ms.set_defaults(func=_model_summary)

    t = sub.add_parser("train", help="train a model and write a run folder")
    t.add_argument("--data", required=True,
                   help="beat folder or Kaggle file, or a source: mitdb, synthetic, auto")
    t.add_argument("--model", default="seed", help="seed, seed190, kachuee, cnn, gbm")
    t.add_argument("--split", choices=["random", "interpatient"], default="random")
    t.add_argument("--labels", choices=["binary", "aami5"], default="binary")
    t.add_argument("--epochs", type=int, default=10)
    t.add_argument("--batch-size", type=int, default=256)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--patience", type=int, default=3)
    t.add_argument("--subset", type=int, default=None, help="at most this many training beats")
    t.add_argument("--class-weight", action="store_true", help="balance classes in the loss")
    t.add_argument("--no-precise-bn", action="store_true",
                   help="keep Keras' moving BN statistics (reproduces the seed's swings)")
    t.add_argument("--out", required=True, type=Path, help="run folder (must not exist)")
    t.add_argument("--force", action="store_true", help="replace an existing run folder")
    t.set_defaults(func=_train)

    e = sub.add_parser("evaluate", help="re-evaluate a run folder")
    e.add_argument("--run", required=True, type=Path)
    e.add_argument("--data", default=None, help="the data the run was trained on")
    e.set_defaults(func=_evaluate)

    pr = sub.add_parser("predict", help="classify the beats of a raw record or a beat CSV")
    pr.add_argument("--model", required=True, type=Path, help="RUN/model.keras")
    src = pr.add_mutually_exclusive_group(required=True)
    src.add_argument("--record", nargs="+",
                     help="WFDB record path(s) without extension, folders or globs: the model "
                          "is loaded once for all of them")
    src.add_argument("--csv", type=Path, nargs="+", help="beat CSV file(s)")
    pr.add_argument("--out", required=True, type=Path, help="predictions CSV")
    pr.set_defaults(func=_predict)

    bk = sub.add_parser("book", help="run chapters, student copies, notebook hygiene"
                        ).add_subparsers(dest="book_command", required=True)
    br = bk.add_parser("run", help="execute one chapter with papermill and parameters")
    br.add_argument("notebook", type=Path)
    br.add_argument("--out", type=Path, default=Path("out"))
    br.add_argument("-p", "--param", action="append", help="NAME=VALUE (repeatable)")
    br.set_defaults(func=_book_run)
    bs = bk.add_parser("student-copies", help="notebooks without solutions and outputs")
    bs.add_argument("notebooks", nargs="*", type=Path)
    bs.add_argument("--out", type=Path, default=Path("student"))
    bs.set_defaults(func=_book_student)
    bc = bk.add_parser("clean", help="strip outputs (except NBVAL_CHECK_OUTPUT cells)")
    bc.add_argument("notebooks", nargs="*", type=Path)
    bc.add_argument("--check", action="store_true", help="only report, exit 1 if unclean")
    bc.add_argument("--refresh", action="store_true",
                    help="re-execute (fast profile) to regenerate the checked outputs")
    bc.set_defaults(func=_book_clean)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point: run a subcommand; ecglib errors print one line and exit 1."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except EcglibError as exc:
        print(f"ecglib: error: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"ecglib: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:         # file-system trouble: name the path, no traceback
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"ecglib: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
