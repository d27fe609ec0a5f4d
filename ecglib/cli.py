"""The ``ecglib`` command: data, model, train, evaluate, predict and book subcommands.

Start-up: ``ecglib --help`` takes about 0.1 s because this module imports nothing heavy at
its top; each subcommand imports what it uses when it runs, and its options (whose choices
come from the datasets, label-scheme, model and split registries) are declared only when
that subcommand is the one called. Importing the registries costs seconds (SciPy,
scikit-learn, skops; measured in the issue note), Keras about 8 s more.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .core.atomic import check_not_input
from .core.errors import DataError, EcglibError


def _data_build(args: argparse.Namespace) -> int:
    from .data.build import build_table, write_dataset

    check_not_input(args.out, {"--data-dir": args.data_dir})
    table = build_table(args.source, data_dir=args.data_dir, records=args.records,
                        n_synthetic=args.n_synthetic, seed=args.seed,
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
    from .data.beatfiles import check_files

    for line in check_files(args.files):
        print(line)
    return 0


def _model_summary(args: argparse.Namespace) -> int:
    from .beats.labels import get_scheme
    from .models import get_model_spec

    model = get_model_spec(args.model).create(n_classes=get_scheme(args.labels).n_classes)
    print(model.summary())
    return 0


def _train(args: argparse.Namespace) -> int:
    from .data.loading import load
    from .training.config import config_from_args
    from .training.trainer import check_run_target, train

    cfg = config_from_args(args)
    cfg.validate()
    check_not_input(args.out, {"--data": args.data})
    check_run_target(args.out, args.force)
    table = load(args.data, progress=True, other_lead=cfg.other_lead)
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
    from .data.loading import load
    from .training.runs import evaluate_run, read_params

    if args.database is not None:
        return _evaluate_database(args)
    if args.records is not None:
        raise DataError("--records selects records of --database; give --database too")
    params = read_params(args.run, not args.no_verify)
    data = args.data or params["data"].get("path") or params["data"]["source"]
    frame = evaluate_run(args.run, load(data, progress=True), verify=not args.no_verify)
    print(frame.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
    print(f"wrote {args.run / 'evaluation.csv'}")
    import pandas as pd

    breakdown = args.run / "evaluation_s_breakdown.csv"      # labels with class S
    if breakdown.is_file():
        print("S beats on the test part: alone, in pairs and runs, by record")
        print(pd.read_csv(breakdown).to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"wrote {breakdown}")
    return 0


def _evaluate_database(args: argparse.Namespace) -> int:
    from .evaluation.transfer import evaluate_database

    per_class, per_record, breakdown = evaluate_database(
        args.run, args.database, args.out, records=args.records, verify=not args.no_verify)
    fmt = {"index": False, "float_format": lambda v: f"{v:.4f}"}
    print(f"{args.run} on {args.database}: {int(per_class['n'].sum()):,} beats of "
          f"{len(per_record)} records")
    print(per_class.to_string(**fmt))
    if breakdown is not None:
        print("S beats: alone, in pairs and runs, by record")
        print(breakdown.to_string(**fmt))
    if args.out is not None:
        names = ["per_class.csv", "per_record.csv"] + (
            ["s_breakdown.csv"] if breakdown is not None else [])
        print(f"wrote {', '.join(names)} into {args.out}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    import time

    from .evaluation.predict import Predictor, predict_beat_files, record_paths, write_predictions

    if args.out.is_dir():
        raise DataError(f"--out {args.out}: is a folder; give the predictions file's name")
    check_not_input(args.out, {"--model": args.model, **{"--record": r for r in args.record or ()},
                               **{"--csv": c for c in args.csv or ()}})
    if args.record is None:
        preds, report = predict_beat_files(args.model, args.csv, not args.no_verify)
        write_predictions(preds, args.out)
        counts = ", ".join(f"{k} {v:,}" for k, v in preds["label"].value_counts().items())
        print(f"wrote {args.out}: {len(preds):,} beats, predicted {counts}")
        print(report.to_string(index=False, float_format=lambda v: f"{v:.4f}"))
        return 0
    paths = record_paths(args.record)
    stem = args.out.with_suffix("")
    side = [Path(f"{stem}.agreement.csv"), Path(f"{stem}.per_class.csv")]
    taken = [str(p) for p in side if p.exists()]
    if taken and not args.force:
        raise DataError(f"--out {args.out}: predict --record also writes {taken[0]}"
                        f"{' and ' + taken[1] if len(taken) > 1 else ''}, which exist; "
                        f"refusing to overwrite (pass --force, or choose another --out)")
    start = time.perf_counter()
    predictor = Predictor(args.model, not args.no_verify)
    loaded = time.perf_counter() - start
    preds, per_record, per_class, warns = predictor.records(paths, progress=len(paths) > 1)
    work = time.perf_counter() - start - loaded
    write_predictions(preds, args.out)
    print(f"wrote {args.out}: {len(preds):,} beats from {len(paths)} record(s); model loaded "
          f"in {loaded:.1f} s, records processed in {work:.1f} s "
          f"({work / len(paths):.2f} s per record)")
    if per_record is not None:
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
    from .book.notebooks import parse_params, run_notebook

    out = run_notebook(args.notebook, args.out, parse_params(args.param or []))
    print(f"wrote {out}")
    return 0


def _book_student(args: argparse.Namespace) -> int:
    from .book.exercises import write_student_copies

    notebooks = args.notebooks or sorted(Path("notebooks").glob("*.ipynb"))
    for path in write_student_copies(notebooks, args.out):
        print(f"wrote {path}")
    return 0


def _book_build(args: argparse.Namespace) -> int:
    from .book.build import build_book
    from .book.profiles import cell_timeout, default_profile

    profile = args.profile or default_profile()
    cell_timeout(profile)                      # an unknown profile: one line, before building
    if args.jobs < 1:
        raise EcglibError(f"--jobs {args.jobs}: at least one chapter must run at a time")
    return build_book(profile, out=args.out, strict=not args.lenient, jobs=args.jobs)


def _profile_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default=None, help="default: $ECGLIB_PROFILE or 'default'")


def _build_options(bb: argparse.ArgumentParser) -> None:
    _profile_option(bb)
    bb.add_argument("--out", type=Path, default=Path("_build"))
    bb.add_argument("--lenient", action="store_true",
                    help="let Sphinx warnings pass (default: a warning fails the build)")
    bb.add_argument("--jobs", type=int, default=2,
                    help="chapters run at once, each in its own kernel with its share of the "
                         "cores (default 2; measured on 2 cores: a first build in 22.5 min "
                         "against 32.0 with 1, a rebuild from the run cache about twice as "
                         "fast; book/chapter_times.csv)")


def _book_config(args: argparse.Namespace) -> int:
    from .book.profiles import book_config
    from .core.atomic import atomic_write_text

    atomic_write_text(args.out, book_config(args.template, args.profile))
    print(f"wrote {args.out}")
    return 0


def _book_grade(args: argparse.Namespace) -> int:
    from .book.grading import grade

    table = grade(args.submissions, args.out, args.timeout, args.profile)
    print(table.to_string())
    print(f"wrote {args.out}")
    return 0


def _book_clean(args: argparse.Namespace) -> int:
    import nbformat

    from .book.nbread import read_notebook
    from .book.notebooks import hygiene_problems, refresh_outputs, strip_outputs
    from .core.atomic import atomic_write_text

    notebooks = args.notebooks or sorted(Path("notebooks").glob("*.ipynb"))
    problems = []
    for path in notebooks:
        if args.refresh:
            refresh_outputs(path)
        nb = read_notebook(path)
        if args.check:
            problems += hygiene_problems(nb, str(path))
        else:
            atomic_write_text(path, nbformat.writes(nbformat.from_dict(strip_outputs(nb))))
    for line in problems:
        print(line)
    return 1 if problems else 0


def _data_build_options(b: argparse.ArgumentParser) -> None:
    from .beats.labels import SCHEMES
    from .datasets import DATASETS

    b.add_argument("--source", choices=list(DATASETS), default="mitdb")
    b.add_argument("--out", required=True, type=Path, help="output folder")
    b.add_argument("--labels", default="binary",
                   help=f"label scheme: {', '.join(SCHEMES)} or a scheme .json file")
    b.add_argument("--data-dir", type=Path, default=None,
                   help="database folder (default: $ECGLIB_DATA_DIR, then the user cache)")
    b.add_argument("--records", nargs="+", default=None, help="only these records")
    b.add_argument("--n-synthetic", type=int, default=12, help="synthetic records to generate")
    b.add_argument("--seed", type=int, default=0, help="seed of the synthetic source")
    b.add_argument("--no-cache", action="store_true", help="rebuild, ignoring the cache")
    b.add_argument("--no-download", action="store_true", help="never download from PhysioNet")
    b.add_argument("--force", action="store_true",
                   help="replace --out even when it holds files that are not an ecglib build")


def _check_options(c: argparse.ArgumentParser) -> None:
    c.add_argument("files", nargs="+", type=Path)


def _summary_options(ms: argparse.ArgumentParser) -> None:
    from .beats.labels import SCHEMES
    from .models import MODELS

    ms.add_argument("--model", choices=sorted(MODELS), default="seed")
    ms.add_argument("--labels", default="binary",
                    help=f"label scheme: {', '.join(SCHEMES)} or a scheme .json file")


def _train_options(t: argparse.ArgumentParser) -> None:
    from .training.config import add_config_arguments

    t.add_argument("--data", required=True,
                   help="beat folder or Kaggle file, or a dataset name (mitdb, synthetic, "
                        "...) or auto")
    add_config_arguments(t)
    t.add_argument("--out", required=True, type=Path, help="run folder (must not exist)")
    t.add_argument("--force", action="store_true", help="replace an existing run folder")


def _evaluate_options(e: argparse.ArgumentParser) -> None:
    from .datasets import DATASETS

    e.add_argument("--run", required=True, type=Path)
    e.add_argument("--no-verify", action="store_true",
                   help="read a run folder without manifest.json, unverified")
    e.add_argument("--data", default=None, help="the data the run was trained on")
    e.add_argument("--database", default=None,
                   help=f"score the run on a whole other database instead: "
                        f"{', '.join(DATASETS)} or a folder of WFDB records with .atr")
    e.add_argument("--out", type=Path, default=None,
                   help="with --database: folder for per_class.csv and per_record.csv")
    e.add_argument("--records", nargs="+", default=None,
                   help="with --database: only these records (e.g. a run's test patients "
                        "in mitdb_v, the other lead of the MIT-BIH records)")


def _predict_options(pr: argparse.ArgumentParser) -> None:
    pr.add_argument("--model", required=True, type=Path, help="RUN/model.keras (or RUN)")
    src = pr.add_mutually_exclusive_group(required=True)
    src.add_argument("--record", nargs="+",
                     help="WFDB record path(s) without extension, folders or globs: the model "
                          "is loaded once for all of them")
    src.add_argument("--csv", type=Path, nargs="+", help="beat CSV file(s)")
    pr.add_argument("--out", required=True, type=Path, help="predictions CSV")
    pr.add_argument("--no-verify", action="store_true",
                    help="read a run folder without manifest.json, unverified")
    pr.add_argument("--force", action="store_true",
                    help="with --record: overwrite OUT.agreement.csv and OUT.per_class.csv")


def _book_run_options(br: argparse.ArgumentParser) -> None:
    br.add_argument("notebook", type=Path)
    br.add_argument("--out", type=Path, default=Path("out"))
    br.add_argument("-p", "--param", action="append", help="NAME=VALUE (repeatable)")


def _student_options(bs: argparse.ArgumentParser) -> None:
    bs.add_argument("notebooks", nargs="*", type=Path)
    bs.add_argument("--out", type=Path, default=Path("student"))


def _config_options(bk: argparse.ArgumentParser) -> None:
    _profile_option(bk)
    bk.add_argument("--template", type=Path, default=None,
                    help="default: _config.yml here, else the checkout's")
    bk.add_argument("--out", type=Path, required=True)


def _grade_options(bg: argparse.ArgumentParser) -> None:
    bg.add_argument("submissions", type=Path,
                    help="folder of STUDENT.ipynb or STUDENT/CHAPTER.ipynb notebooks")
    bg.add_argument("--out", type=Path, default=Path("grades.csv"), help="the table (CSV)")
    bg.add_argument("--profile", default="fast", help="profile the chapters run at")
    bg.add_argument("--timeout", type=int, default=600, help="seconds per cell")


def _clean_options(bc: argparse.ArgumentParser) -> None:
    bc.add_argument("notebooks", nargs="*", type=Path)
    bc.add_argument("--check", action="store_true", help="only report, exit 1 if unclean")
    bc.add_argument("--refresh", action="store_true",
                    help="re-execute (fast profile) to regenerate the checked outputs")


#: (command, subcommand or None): (help, options, handler)
COMMANDS = {
    ("data", "build"): ("build the two-class (or five-class) beat files", _data_build_options,
                        _data_build),
    ("data", "check"): ("validate beat files; exit 1 on the first problem", _check_options,
                        _data_check),
    ("model", "summary"): ("print a model's summary", _summary_options, _model_summary),
    ("train", None): ("train a model and write a run folder", _train_options, _train),
    ("evaluate", None): ("re-evaluate a run folder, or score it on another database",
                         _evaluate_options, _evaluate),
    ("predict", None): ("classify the beats of a raw record or a beat CSV", _predict_options,
                        _predict),
    ("book", "run"): ("execute one chapter with papermill and parameters", _book_run_options,
                      _book_run),
    ("book", "student-copies"): ("notebooks without solutions and outputs", _student_options,
                                 _book_student),
    ("book", "build"): ("build the book with Jupyter Book, showing the chapter and model at "
                        "work and the time left", _build_options, _book_build),
    ("book", "config"): ("the book's _config.yml with the profile's cell timeout",
                         _config_options, _book_config),
    ("book", "grade"): ("grade submitted notebooks: student x exercise CSV", _grade_options,
                        _book_grade),
    ("book", "clean"): ("strip outputs (except NBVAL_CHECK_OUTPUT cells)", _clean_options,
                        _book_clean),
}
GROUPS = {"data": "build and check beat files", "model": "model information",
          "book": "run chapters, student copies, grading, notebook hygiene"}


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The argument parser of the ``ecglib`` command. With ``argv``, only the called
    subcommand's options are declared (they import the registries); without, all are."""
    p = argparse.ArgumentParser(prog="ecglib", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)
    groups: dict[str, argparse._SubParsersAction] = {}
    for (cmd, subcmd), (help_text, options, handler) in COMMANDS.items():
        if subcmd is None:
            parser = sub.add_parser(cmd, help=help_text)
        else:
            if cmd not in groups:
                groups[cmd] = sub.add_parser(cmd, help=GROUPS[cmd]).add_subparsers(
                    dest=f"{cmd}_command", required=True)
            parser = groups[cmd].add_parser(subcmd, help=help_text)
        words = argv or []
        if argv is None or (cmd in words[:1] and (subcmd is None or subcmd in words[1:2])):
            options(parser)
        parser.set_defaults(func=handler)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point: run a subcommand; ecglib errors print one line and exit 1."""
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser(argv).parse_args(argv)
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
