"""Command line: ``python -m tflite build ...`` and ``python -m tflite emit ...``.

    python -m tflite build [--example sine|digits|gestures|all] [--out build/tflite]
                           [--imu-csv DIR] [--imu-source recordings|generated]
                           [--imu-test DIR] [--imu-people DIR|none] [--quick]
                           [--deploy int8|qat_int8|pruned_int8]
    python -m tflite emit MODEL.tflite --out DIR [--name g_model]
    python -m tflite table [BUILD_DIR]     the Markdown table of every report.json (make bench)

Errors print ``error: <message>`` on stderr and exit with status 2; a build whose
deployed model misses its targets exits with status 1 (its output is still written).
"""

from __future__ import annotations

import argparse
import sys
import time


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m tflite",
        description="From a trained Keras model to a verified int8 model, C arrays and an "
        "Arduino sketch for the Nano 33 BLE Sense.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="train and build the examples (all build modes)")
    b.add_argument("--example", default="all", choices=["sine", "digits", "gestures", "all"])
    b.add_argument("--out", default="build/tflite", help="output root (default build/tflite)")
    b.add_argument("--imu-csv", default=None, metavar="DIR",
                   help="gestures: train on capture CSV files in DIR (one file per gesture) "
                   "instead of the shipped recordings")
    b.add_argument("--imu-source", default="recordings", choices=["recordings", "generated"],
                   help="gestures: the shipped real recordings in data/nano33_gestures "
                   "(default; 5-fold cross-validated) or the course_lib.gestures generator")
    b.add_argument("--imu-test", default=None, metavar="DIR",
                   help="gestures: evaluate on the capture CSV files in DIR (the same gesture "
                   "names) instead of cross-validating")
    b.add_argument("--imu-people", default="shipped", metavar="DIR",
                   help="gestures: measure the recipe leave-one-person-out on DIR (one "
                   "sub-folder of capture CSV files per person); by default on the shipped "
                   "four-person set data/people_gestures when training on the shipped "
                   "recordings; 'none' skips it")
    b.add_argument("--quick", action="store_true", help="small training settings (tests)")
    b.add_argument("--deploy", default="int8", choices=["int8", "qat_int8", "pruned_int8",
                                                       "float32", "dynamic_range", "float16"],
                   help="the mode that goes to the board (full-integer modes only)")
    b.add_argument("--seed", type=int, default=0)
    t = sub.add_parser("table", help="print the Markdown table of every report.json in a build folder")
    t.add_argument("build_dir", nargs="?", default="build/tflite")
    e = sub.add_parser("emit", help="C files for the board from any full-integer .tflite")
    e.add_argument("model", help="a .tflite file")
    e.add_argument("--out", required=True, help="output folder (created; replaced if present)")
    e.add_argument("--name", default="g_model", help="C array name (default g_model)")
    return p


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    from tflite.errors import PipelineError

    try:
        if args.command == "table":
            from tflite.report import tinyml_table

            print(tinyml_table(args.build_dir), end="")
            return 0
        if args.command == "emit":
            from tflite.emit import emit_model

            r = emit_model(args.model, args.out, args.name)
            for note in r.info.notes:
                print(f"warning: {args.model}: {note}", file=sys.stderr)
            if r.arena_used is None:
                from tflite.micro import FALLBACK_NOTE

                print(FALLBACK_NOTE)
                arena = (f"arena not measured, kTensorArenaSize {r.arena_size:,} (estimated from the "
                         "model, not a measurement)")
            else:
                arena = f"arena used {r.arena_used:,} bytes, kTensorArenaSize {r.arena_size:,}"
            print(
                f"{args.model}: {r.info.size:,} bytes, operators {', '.join(r.info.operators)}; "
                f"{arena} -> {r.folder}"
            )
            return 0
        if args.deploy not in ("int8", "qat_int8", "pruned_int8"):
            raise PipelineError(
                f"--deploy {args.deploy}: the course deploys full-integer models only (int8, "
                "qat_int8, pruned_int8). A float32 model runs in TFLite Micro but needs about 4x "
                "the flash and misses the CMSIS-NN int8 kernels; TFLite Micro cannot run "
                "dynamic-range (hybrid) or float16 models at all"
            )
        from tflite.build import build_example

        names = ["sine", "digits", "gestures"] if args.example == "all" else [args.example]
        if (args.imu_csv is not None or args.imu_test is not None
                or args.imu_people not in ("shipped", "none")) and "gestures" not in names:
            raise PipelineError("--imu-csv, --imu-test and --imu-people apply to the gestures "
                                "example only")
        start = time.time()
        missed = []
        for name in names:
            gestures = name == "gestures"
            rep = build_example(name, args.out, imu_csv=args.imu_csv if gestures else None,
                                quick=args.quick, seed=args.seed, deploy_mode=args.deploy,
                                imu_source=args.imu_source,
                                imu_test=args.imu_test if gestures else None,
                                imu_people=None if args.imu_people == "none" else args.imu_people)
            if not rep["targets"]["met"]:
                bad = [f"{k} {v['value']} (limit {v['limit']})"
                       for k, v in rep["targets"]["checks"].items() if not v["ok"]]
                missed.append(f"{name} {args.deploy}: " + ", ".join(bad))
        print(f"built {', '.join(names)} in {time.time() - start:.0f} s -> {args.out}")
        if missed:
            for m in missed:
                print(f"error: target missed: {m}", file=sys.stderr)
            return 1
        return 0
    except PipelineError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    from course_lib.native_logs import quiet_native_logs

    quiet_native_logs()
    sys.exit(main())
