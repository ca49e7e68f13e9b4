"""``make bench``: run every lab with its default parameters, build the TinyML examples,
and write both tables to BENCHMARKS.md.

Speed and size targets are read from this table, never asserted on time in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from course_lib.files import write_text_atomically
from course_lib.runner import REPO, format_table, lab_names, run_all


def machine() -> str:
    """Cores, CPU model and TensorFlow version of this machine, one Markdown line."""
    import tensorflow as tf

    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return (
        f"{os.cpu_count()} cores, {model}; Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}"
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.bench")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    runs, failures = run_all(lab_names())
    tinyml_dir = REPO / "build" / "tflite"
    start = time.perf_counter()
    built = subprocess.run(
        [sys.executable, "-m", "tflite", "build", "--example", "all", "--out", str(tinyml_dir)]
    )
    tinyml_seconds = time.perf_counter() - start
    if built.returncode != 0:
        failures["tinyml"] = f"`python -m tflite build` exited with status {built.returncode}"
    from tflite.report import tinyml_table

    sections = [
        "# Benchmarks",
        "",
        f"Written by `make bench` on {date.today().isoformat()}: every lab run headless with "
        "its default parameters on the shipped data.",
        "",
        f"Machine: {machine()}.",
        "",
        "## Labs",
        "",
        format_table(runs, failures),
        "",
        "## TinyML (`make tinyml`)",
        "",
        f"All three examples, every build mode: {tinyml_seconds:.0f} s. Accuracy (MAE for sine) "
        "is measured in the TFLite Micro runtime on held-out data; arena is what it used.",
        "",
        tinyml_table(tinyml_dir),
        "",
    ]
    write_text_atomically(args.out, "\n".join(sections))
    print("\n".join(sections))
    for message in failures.values():
        print(f"error: {message}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
