"""``report.json`` per example, and the TinyML table ``make bench`` adds to BENCHMARKS.md.

A report holds, per build mode: model bytes (and gzip bytes), the metric measured in
the TFLite Micro runtime on held-out data (accuracy, or MAE for sine), the float Keras
model's figure on the same data, the arena TFLite Micro actually used, the operator list,
input/output quantization, and whether TFLite Micro and LiteRT give the same int8 outputs
on the same inputs. The gestures example adds its cross-validation, its small-data curve
and its leave-one-person-out table (:mod:`tflite.generalization`).

``"micro"`` says, per mode, whether TFLite Micro runs the model and whether the course
deploys it (:func:`tflite.board_rules.micro_status`):

- ``"deployable"``: full-integer int8 (int8, qat_int8, pruned_int8): what the course
  deploys to the board;
- ``"runs, not deployed: <why>"``: TFLite Micro runs it but the course does not deploy it;
  float32 runs with TFLite Micro's float reference kernels (its metric and arena are
  measured), at about 4x the flash of int8 and without the CMSIS-NN int8 speed-up;
- ``"cannot run: <why>"``: TFLite Micro cannot run it: dynamic-range (hybrid) and
  float16-weight models, an operator TFLite Micro lacks, a model too big for the flash;
- ``"not deployed: <why>"``: a mix of tensor types the pipeline does not classify further.

Where TFLite Micro's Python runtime is missing (its wheels are Linux x86-64 only) the report
says ``"runtime": "LiteRT (TFLite Micro's Python runtime is Linux x86-64 only)"``,
``"arena_measured": false`` and why in ``"arena_note"``; the TFLite Micro fields
(``tflm_metric``, ``arena_bytes``, ``tflm_vs_litert``) are ``null`` and ``litert_metric``
holds the figure measured with LiteRT's reference kernels (``"litert_kernels":
"reference"``); ``kTensorArenaSize`` is estimated from the model
(:func:`tflite.micro.estimate_arena`), not measured.
"""

from __future__ import annotations

import json
from pathlib import Path

REPORT_NAME = "report.json"


def write_report(folder: Path, report: dict) -> Path:
    path = Path(folder) / REPORT_NAME
    path.write_text(json.dumps(report, indent=2, sort_keys=False) + "\n")
    return path


def read_report(path) -> dict:
    return json.loads(Path(path).read_text())


def _fmt_metric(metric: str, value) -> str:
    if value is None:
        return "-"
    if metric == "mae":
        return f"MAE {value:.4f}"
    return f"{100 * value:.2f} %"


def board_column(micro: str) -> str:
    """The short form of a ``micro`` field for a table: the part before the colon."""
    return micro.split(":", 1)[0] if micro else "-"


def tinyml_table(build_dir="build/tflite") -> str:
    """A Markdown table (example, mode, bytes, accuracy/MAE, arena) from every report.json.

    The metric is the one measured in the TFLite Micro runtime; for modes TFLite Micro
    cannot run (dynamic range, float16) it is LiteRT's, marked "(LiteRT)". The board
    column is the report's ``micro`` field in short: **deployed** (the model the sketch
    holds), "deployable" (full-integer int8), "runs, not deployed" (float32: the course's
    choice) or "cannot run" (a TFLite Micro limit). Returns a note instead of a table if
    nothing has been built yet.
    """
    build_dir = Path(build_dir)
    reports = sorted(build_dir.glob(f"*/{REPORT_NAME}"))
    if not reports:
        return f"_No TinyML reports in {build_dir}; run `make tinyml` first._\n"
    lines = [
        "| example | mode | bytes | gzip bytes | accuracy / MAE (TFLite Micro) | float model | "
        "arena (measured) | board |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for path in reports:
        rep = read_report(path)
        metric = rep.get("metric", "accuracy")
        float_fig = _fmt_metric(metric, rep.get("float_metric"))
        for mode, rec in rep.get("modes", {}).items():
            value = rec.get("tflm_metric")
            shown = _fmt_metric(metric, value)
            if value is None and rec.get("litert_metric") is not None:
                shown = _fmt_metric(metric, rec["litert_metric"]) + " (LiteRT)"
            arena = rec.get("arena_bytes")
            arena_shown = "-" if arena is None else f"{arena:,}"
            if arena is None and rec.get("litert_kernels") == "reference":
                arena_shown = "not measured"  # TFLite Micro runs it, but was missing here
            board = board_column(rec.get("micro", ""))
            if mode == rep.get("deploy_mode"):
                board = "**deployed**"
            lines.append(
                f"| {rep.get('example', path.parent.name)} | {mode} | {rec.get('bytes', 0):,} | "
                f"{rec.get('gzip_bytes', 0):,} | {shown} | {float_fig} | "
                f"{arena_shown} | {board} |"
            )
    runtimes = {read_report(path).get("runtime") for path in reports} - {None}
    for runtime in sorted(runtimes):
        lines += ["", f"Runtime: {runtime}. The modes TFLite Micro runs were measured in "
                  "LiteRT's reference kernels instead, and no arena was measured."]
    for path in reports:
        lines += _gesture_section(read_report(path))
    return "\n".join(lines) + "\n"


def confusion_table(names, matrix) -> list[str]:
    """A Markdown confusion matrix: one row per true gesture, one column per prediction."""
    out = ["| true \\ predicted | " + " | ".join(names) + " | recall |",
           "| --- | " + " | ".join("---:" for _ in names) + " | ---: |"]
    for name, row in zip(names, matrix, strict=True):
        total = sum(row)
        recall = f"{100 * row[names.index(name)] / total:.1f} %" if total else "-"
        out.append(f"| {name} | " + " | ".join(str(v) for v in row) + f" | {recall} |")
    return out


def _runtime(rep: dict) -> str:
    return "LiteRT" if "runtime" in rep else "TFLite Micro"


def small_data_lines(rep: dict) -> list[str]:
    """The small-data curve of a gestures report as Markdown: one row per size."""
    curve = rep.get("small_data_curve")
    if not curve:
        return []
    lines = [
        "",
        f"**{rep.get('example', 'gestures')}, small-data curve, int8 in {_runtime(rep)}** "
        f"(data: {curve.get('data', 'the recordings')}; {curve['split']}):",
        "",
        "| recordings per gesture | trained on (per gesture) | draws (seeds) | accuracy, mean "
        "[min, max] | balanced accuracy, mean |",
        "| ---: | --- | --- | ---: | ---: |",
    ]
    for row in curve["rows"]:
        seeds = ", ".join(str(s) for s in row["seeds"])
        trained = ", ".join(f"{c} {n}" for n, c in zip(curve["names"], row["train_per_gesture"],
                                                        strict=True))
        bal = sum(row["balanced_accuracy"]) / len(row["balanced_accuracy"])
        lines.append(
            f"| {row['per_gesture']} | {trained} | {len(row['seeds'])} ({seeds}) | "
            f"{100 * row['accuracy_mean']:.1f} % [{100 * row['accuracy_min']:.1f}, "
            f"{100 * row['accuracy_max']:.1f}] | {100 * bal:.1f} % |"
        )
    return lines


def people_lines(rep: dict) -> list[str]:
    """The leave-one-person-out table of a gestures report as Markdown: one row per person."""
    lopo = rep.get("leave_one_person_out")
    if not lopo:
        return []
    lines = [
        "",
        f"**{rep.get('example', 'gestures')}, leave-one-person-out, int8 in {_runtime(rep)}** "
        f"(data: {lopo.get('data')}; gestures {', '.join(lopo['names'])}; seed {lopo['seed']}): "
        f"mean over people {100 * lopo['accuracy_mean']:.1f} %, all recordings pooled "
        f"{100 * lopo['pooled_accuracy']:.1f} %.",
        "",
        "| person left out | recordings | accuracy | balanced accuracy |",
        "| --- | ---: | ---: | ---: |",
    ]
    for row in lopo["rows"]:
        lines.append(f"| {row['person']} | {row['recordings']} | {100 * row['accuracy']:.1f} % | "
                     f"{100 * row['balanced_accuracy']:.1f} % |")
    return lines + ["", "Confusion matrix summed over the people left out:", "",
                    *confusion_table(lopo["names"], lopo["confusion"])]


def _gesture_section(rep: dict) -> list[str]:
    """The gestures example's cross-validation (or held-out) figures and confusion matrix,
    its small-data curve and its leave-one-person-out table."""
    return _held_out_lines(rep) + small_data_lines(rep) + people_lines(rep)


def _held_out_lines(rep: dict) -> list[str]:
    cv = rep.get("cross_validation")
    names = rep.get("gestures")
    if cv:
        folds = ", ".join(f"{100 * a:.1f}" for a in cv["folds"])
        return [
            "",
            f"**{rep.get('example', 'gestures')}, int8 in {_runtime(rep)}, {cv['k']}-fold "
            f"cross-validation** ({cv['split']}, seed {cv['seed']}, data: "
            f"{rep.get('imu_csv') or 'the shipped recordings'}): mean {100 * cv['mean']:.2f} %, "
            f"std {100 * cv['std']:.2f} points (folds {folds} %); {cv['correct']} of "
            f"{cv['total']} recordings right. Confusion matrix summed over the folds:",
            "",
            *confusion_table(cv["names"], cv["confusion"]),
        ]
    if rep.get("confusion_int8") and names:
        return [
            "",
            f"**{rep.get('example', 'gestures')}, int8 in {_runtime(rep)}**, confusion matrix on "
            f"{rep.get('evaluated_on', 'the held-out data')}:",
            "",
            *confusion_table(names, rep["confusion_int8"]),
        ]
    return []
