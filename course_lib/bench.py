"""``make bench``: run every lab with its default parameters and write BENCHMARKS.md.

Speed and size targets are read from this table, never asserted on time in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import date
from pathlib import Path

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


def write_atomically(path: Path, text: str) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text)
    partial.replace(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m course_lib.bench")
    parser.add_argument("--out", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    runs, failures = run_all(lab_names())
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
    ]
    write_atomically(args.out, "\n".join(sections))
    print("\n".join(sections))
    for message in failures.values():
        print(f"error: {message}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
