"""``report.json`` per example, and the TinyML table ``make bench`` adds to BENCHMARKS.md.

A report holds, per build mode: model bytes (and gzip bytes), the metric measured in
the TFLite Micro runtime on held-out data (accuracy, or MAE for sine), the float Keras
model's figure on the same data, the arena TFLite Micro actually used, the operator list,
input/output quantization, and whether TFLite Micro and LiteRT give the same int8 outputs
on the same inputs. Modes the board must not get say why under ``"micro"``.
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


def tinyml_table(build_dir="build/tflite") -> str:
    """A Markdown table (example, mode, bytes, accuracy/MAE, arena) from every report.json.

    The metric is the one measured in the TFLite Micro runtime; for modes TFLite Micro
    cannot run (dynamic range, float16) it is LiteRT's, marked "(LiteRT)". Returns a
    note instead of a table if nothing has been built yet.
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
            board = "yes" if rec.get("micro") == "ok" else "no"
            if mode == rep.get("deploy_mode"):
                board = "**deployed**"
            lines.append(
                f"| {rep.get('example', path.parent.name)} | {mode} | {rec.get('bytes', 0):,} | "
                f"{rec.get('gzip_bytes', 0):,} | {shown} | {float_fig} | "
                f"{'-' if arena is None else f'{arena:,}'} | {board} |"
            )
    return "\n".join(lines) + "\n"
