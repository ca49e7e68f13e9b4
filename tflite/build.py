"""Build an example end to end: train, convert every mode, measure in TFLite Micro, emit.

:func:`build_example` writes ``<out>/<example>/``::

    model.tflite         the deployed full-integer model (names and metadata stripped)
    model_data.h/.cc     the C array (flash, 16-byte aligned), quantization, kTensorArenaSize
    op_resolver.h        MicroMutableOpResolver<N> with exactly the model's operators
    report.json          every mode side by side (see tflite.report)
    modes/<mode>.tflite  the model of every build mode
    heldout.npz          the held-out inputs and targets the report measured (board check)
    arduino/<example>/   a sketch folder that opens in the Arduino IDE as it is
    arduino/capture/     (gestures) the IMU recorder sketch

The folder is written to a temporary sibling and renamed into place at the end, so a
failure never leaves a partial folder.

Where TFLite Micro's Python runtime is missing (its wheels are Linux x86-64 only), the build
says so in one line and measures the models TFLite Micro would run in LiteRT's reference
kernels instead; ``report.json`` then says ``"runtime": FALLBACK_RUNTIME``, every arena
figure is ``null`` (not measured) and ``kTensorArenaSize`` is estimated from the model's
tensors and operators, marked as not measured (see :func:`tflite.emit.prepare_micro_model`).
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np

from tflite.board_rules import micro_status, micro_unsupported
from tflite.convert import (
    MICRO_MODES,
    MODES,
    convert,
    prune,
    quantization_aware_training,
    representative_dataset,
    weight_sparsity,
)
from tflite.emit import prepare_micro_model, sha256_hex, staged_folder, write_c_files
from tflite.errors import PipelineError
from tflite.examples import METRICS, Example, ExampleData, get_example, score
from tflite.generalization import (
    confusion,
    cross_validate,
    int8_predictions,
    leave_one_person_out,
    small_data_curve,
)
from tflite.micro import (
    FALLBACK_NOTE,
    MicroModel,
    arena_size_for,
    measured_in,
    micro_runtime_available,
    run_litert,
    runtime_model,
    runtime_name,
)
from tflite.model_info import inspect_model
from tflite.quantization import quantize, to_model_input, to_real
from tflite.report import write_report
from tflite.sketches import gesture_params_h, test_images_h, write_capture_sketch, write_sketch
from tflite.strip import strip_model

#: Pruning aims a little past 50 % so every layer's rounding still leaves at least 50 % zeros.
PRUNE_TARGET_SPARSITY = 0.55
MIN_SPARSITY = 0.50
#: Eval samples used to prove the stripped model gives the very same outputs.
STRIP_CHECK_SAMPLES = 200


def measure_model(model_bytes: bytes, x, y, metric: str = "accuracy",
                  source: str = "<model>") -> dict:
    """Measure one ``.tflite`` model on real-valued inputs ``x`` with targets ``y``.

    ``x`` is what the Keras model takes (float32); the function quantizes it with the
    model's input scale and zero point if the model takes int8, and dequantizes int8
    outputs before scoring (``metric``: ``"accuracy"`` against integer labels, or
    ``"mae"``). Returns the record ``report.json`` holds per build mode: ``bytes``,
    ``gzip_bytes``, ``kind``, ``full_integer``, ``operators``, ``input``/``output``,
    ``micro`` (see :func:`tflite.board_rules.micro_status`), ``tflm_metric`` and
    ``arena_bytes`` (measured in the TFLite Micro runtime where it runs the model, else
    ``None``), ``kTensorArenaSize``, ``litert_metric`` and ``tflm_vs_litert``.

    Without TFLite Micro's Python runtime (:func:`tflite.micro.micro_runtime_available`),
    the models it would run are measured in LiteRT's reference kernels (``litert_metric``);
    ``tflm_metric``, ``arena_bytes``, ``kTensorArenaSize`` and ``tflm_vs_litert`` are ``None``.
    """
    if metric not in METRICS:
        raise PipelineError(f"{source}: unknown metric {metric!r}; known: {', '.join(METRICS)}")
    info = inspect_model(model_bytes, source)
    rec: dict = {
        "bytes": len(model_bytes),
        "gzip_bytes": len(gzip.compress(model_bytes, 9)),
        "kind": info.kind,
        "full_integer": info.full_integer,
        "operators": info.operators,
        "input": info.inputs[0].to_dict(),
        "output": info.outputs[0].to_dict(),
        "micro": micro_status(info),
    }
    if info.notes:
        rec["notes"] = info.notes
    x = to_model_input(np.asarray(x, dtype=np.float32), info)
    tflm_runs = info.kind in ("int8", "float32") and not micro_unsupported(info)
    if tflm_runs and not micro_runtime_available():
        rec["tflm_metric"] = None
        rec["arena_bytes"] = None
        rec["kTensorArenaSize"] = None
        rec["litert_metric"] = score(to_real(run_litert(model_bytes, x, reference=True), info),
                                     y, metric)
        rec["litert_kernels"] = "reference"
        rec["tflm_vs_litert"] = None
    elif tflm_runs:
        m = MicroModel(model_bytes, source)
        raw = m.run(x)
        rec["tflm_metric"] = score(to_real(raw, info), y, metric)
        rec["arena_bytes"] = m.arena_used()
        rec["kTensorArenaSize"] = arena_size_for(rec["arena_bytes"])
        ref = run_litert(model_bytes, x, reference=True)
        rec["litert_metric"] = score(to_real(ref, info), y, metric)
        diff = np.abs(raw.astype(np.float64) - ref.astype(np.float64)).reshape(len(raw), -1)
        rec["tflm_vs_litert"] = {
            "identical": bool(np.array_equal(raw, ref)),
            "max_abs_diff": float(diff.max()),
            "samples_differing": int((diff.max(axis=1) > 0).sum()),
            "samples": int(len(raw)),
            "units": "int8 steps" if info.outputs[0].dtype == "int8" else "float",
        }
        if metric == "accuracy":
            rec["tflm_vs_litert"]["same_predictions"] = int(
                (raw.reshape(len(raw), -1).argmax(1) == ref.reshape(len(ref), -1).argmax(1)).sum()
            )
    else:
        rec["tflm_metric"] = None
        rec["arena_bytes"] = None
        rec["tflm_vs_litert"] = None
        rec["litert_metric"] = score(to_real(run_litert(model_bytes, x, False), info), y, metric)
    return rec


def evaluate_mode(example: Example, data: ExampleData, mode: str, model_bytes: bytes) -> dict:
    """Measure one build mode's model on the example's held-out data (see :func:`measure_model`)."""
    rec = measure_model(model_bytes, data.x_eval, data.y_eval, example.metric,
                        source=f"{example.name}/{mode}")
    if mode == "dynamic_range" and rec["kind"] == "float32":
        rec["note"] = (
            "no weight tensor reached the converter's 1,024-element minimum for dynamic-range "
            "quantization, so this model stayed float32"
        )
    return rec


def _keras_metric(example: Example, model, data: ExampleData) -> float:
    out = model.predict(data.x_eval, verbose=0, batch_size=256)
    return example.score(np.asarray(out), data)


def _example_targets(example: Example, quick: bool, data: ExampleData):
    if example.name == "gestures":
        return example.targets(quick, data.extra.get("cross_validated", False))
    return example.targets(quick)


def _check_targets(example: Example, quick: bool, rec: dict, float_metric: float,
                   targets=None, cv: dict | None = None, curve: dict | None = None) -> dict:
    t = targets if targets is not None else example.targets(quick)
    checks = {}

    def add(name, value, limit, ok):
        checks[name] = {"value": value, "limit": limit, "ok": bool(ok)}

    if t.max_bytes is not None:
        add("bytes", rec["bytes"], t.max_bytes, rec["bytes"] <= t.max_bytes)
    if t.max_arena is not None and rec["arena_bytes"] is not None:
        add("arena_bytes", rec["arena_bytes"], t.max_arena, rec["arena_bytes"] <= t.max_arena)
    # Without TFLite Micro's runtime: LiteRT's reference kernels (see measure_model).
    m = rec["tflm_metric"] if rec["tflm_metric"] is not None else rec["litert_metric"]
    if t.max_mae is not None:
        add("mae", m, t.max_mae, m <= t.max_mae)
    if t.min_accuracy is not None:
        add("accuracy", m, t.min_accuracy, m >= t.min_accuracy)
    if t.max_gap is not None:
        gap = float_metric - m
        add("gap_to_float", gap, t.max_gap, gap <= t.max_gap)
    if t.min_cv_accuracy is not None and cv is not None:
        add("cv_accuracy", cv["mean"], t.min_cv_accuracy, cv["mean"] >= t.min_cv_accuracy)
    if t.min_curve_accuracy is not None and curve is not None:
        largest = curve["rows"][-1]
        add(f"small_data_accuracy_{largest['per_gesture']}_per_gesture", largest["accuracy_mean"],
            t.min_curve_accuracy, largest["accuracy_mean"] >= t.min_curve_accuracy)
    return {"settings": "quick" if quick else "full", "checks": checks,
            "met": all(c["ok"] for c in checks.values())}


def build_example(
    name: str,
    out_root="build/tflite",
    imu_csv=None,
    quick: bool = False,
    seed: int = 0,
    deploy_mode: str = "int8",
    modes=MODES,
    log=print,
    imu_source: str = "recordings",
    imu_test=None,
    imu_people="shipped",
) -> dict:
    """Train example ``name``, build every mode, measure, and write ``<out_root>/<name>/``.

    Returns the report (also written as ``report.json``). ``deploy_mode`` picks which
    full-integer mode goes to the board (``int8``, ``qat_int8`` or ``pruned_int8``); any
    other is refused with the reason. ``quick`` uses the small training settings (and the
    matching targets) the tests use. Gestures only: ``imu_source`` (``recordings``, the
    shipped real ones or ``imu_csv``, cross-validated; or ``generated``) and ``imu_test``
    (a folder of capture files to evaluate on instead of the held-out fold). Trained on
    recordings and cross-validated, gestures also gets its small-data curve; and its
    leave-one-person-out on ``imu_people``: a folder of people (one capture folder each),
    ``"shipped"`` for ``data/people_gestures`` when training on the shipped recordings, or
    ``None`` to skip it (see :mod:`tflite.generalization`).
    """
    from course_lib.seeds import set_seed

    example = get_example(name)
    if deploy_mode not in modes:
        raise PipelineError(f"deploy mode {deploy_mode!r} is not among the built modes {modes}")
    if (imu_csv is not None or imu_test is not None) and name != "gestures":
        raise PipelineError("--imu-csv and --imu-test apply to the gestures example only")
    settings = example.settings(quick)
    t0 = time.time()
    say = log

    def log(msg):  # noqa: F811 - the same logger, with the elapsed time
        say(f"[{time.time() - t0:5.1f} s] {msg}")

    set_seed(seed)
    if name == "gestures":
        data = example.load_data(settings, imu_csv=imu_csv, seed=seed, imu_source=imu_source,
                                 imu_test=imu_test)
    else:
        data = example.load_data(settings, imu_csv=imu_csv, seed=seed)
    log(f"{name}: training the float model ({settings.epochs} epochs, {len(data.x_train)} samples)")
    model = example.build_model(data)
    example.train(model, data, settings, seed=seed)
    float_metric = _keras_metric(example, model, data)
    log(f"{name}: float model {example.metric} {float_metric:.4f} on {data.description}")

    rep = representative_dataset(data.x_rep, n=len(data.x_rep), seed=seed)
    built: dict[str, bytes] = {}
    keras_metrics: dict[str, float] = {"float32": float_metric}
    extra: dict[str, dict] = {}
    for mode in modes:
        if mode in ("float32", "dynamic_range", "float16", "int8"):
            raw = convert(model, mode, rep)
        elif mode == "qat_int8":
            log(f"{name}: quantization-aware training ({settings.qat_epochs} epochs)")
            q = quantization_aware_training(model, data.x_train, data.y_train, loss=example.loss,
                                            epochs=settings.qat_epochs,
                                            batch_size=settings.batch_size,
                                            learning_rate=settings.qat_learning_rate)
            keras_metrics[mode] = _keras_metric(example, q, data)
            raw = convert(q, "int8", rep)
        elif mode == "pruned_int8":
            log(f"{name}: pruning to at least {MIN_SPARSITY:.0%} zero weights "
                f"({settings.prune_epochs} epochs)")
            p = prune(model, data.x_train, data.y_train, loss=example.loss,
                      target_sparsity=PRUNE_TARGET_SPARSITY,
                      epochs=settings.prune_epochs, batch_size=settings.batch_size,
                      learning_rate=settings.prune_learning_rate)
            keras_metrics[mode] = _keras_metric(example, p, data)
            extra[mode] = {"weight_sparsity": round(weight_sparsity(p), 4)}
            if extra[mode]["weight_sparsity"] < MIN_SPARSITY:
                raise PipelineError(
                    f"{name}: pruning reached only {extra[mode]['weight_sparsity']:.1%} sparsity"
                )
            raw = convert(p, "int8", rep)
        else:
            raise PipelineError(f"unknown build mode {mode!r}; known: {', '.join(MODES)}")
        stripped = strip_model(raw)
        if mode in MICRO_MODES:
            _check_strip(raw, stripped, data, f"{name}/{mode}")
        built[mode] = stripped
        extra.setdefault(mode, {})["bytes_before_strip"] = len(raw)

    if not micro_runtime_available():
        log(FALLBACK_NOTE)
    log(f"{name}: measuring every mode in {measured_in()}")
    modes_report = {}
    for mode, b in built.items():
        rec = evaluate_mode(example, data, mode, b)
        rec["keras_metric"] = keras_metrics.get(mode, float_metric)
        rec.update(extra.get(mode, {}))
        modes_report[mode] = rec

    deploy = built[deploy_mode]
    source = f"{name}/modes/{deploy_mode}.tflite"
    info, arena_used, arena_size = prepare_micro_model(deploy, source)
    deploy_rec = modes_report[deploy_mode]
    cv = curve = people = None
    if name == "gestures" and data.extra.get("cross_validated"):
        cv = cross_validate(example, data, settings, seed, built.get("int8"), log)
        if settings.curve_sizes:
            curve = small_data_curve(example, data.extra["x_all"], data.extra["y_all"],
                                     data.extra["names"], settings, settings.curve_sizes,
                                     settings.curve_draws, seed, log)
            curve["data"] = "the shipped recordings" if imu_csv is None else str(imu_csv)
    if name == "gestures":
        people = _people_measurement(example, settings, seed, imu_people, imu_csv, imu_source,
                                     imu_test, log)
    targets_used = _example_targets(example, quick, data)
    targets = _check_targets(example, quick, deploy_rec, float_metric, targets_used, cv, curve)
    report = {
        "example": name,
        "metric": example.metric,
        "evaluated_on": data.description,
        "eval_samples": int(len(data.x_eval)),
        "float_metric": float_metric,
        "deploy_mode": deploy_mode,
        "model_sha256": sha256_hex(deploy),
        "arena_bytes": arena_used,
        "kTensorArenaSize": arena_size,
        "targets": {**targets_used.to_dict(), **targets},
        "settings": settings.__dict__,
        "seed": seed,
        "modes": modes_report,
    }
    if not micro_runtime_available():
        report["runtime"] = runtime_name()
        report["arena_measured"] = False
        report["arena_note"] = arena_note(arena_size)
        report["targets"]["not_measured"] = ["arena_bytes"]
    if name == "gestures":
        report["gestures"] = data.extra["names"]
        report["normalization"] = data.extra["normalization"].to_dict()
        report["imu_csv"] = None if imu_csv is None else str(imu_csv)
        report["imu_source"] = imu_source
        report["imu_test"] = None if imu_test is None else str(imu_test)
        report["augmentation"] = {"copies_per_epoch": settings.augment_copies,
                                  "min_windows_per_epoch": settings.min_windows_per_epoch,
                                  **augmentation_settings()}
        if cv is not None:
            report["cross_validation"] = cv
        if curve is not None:
            report["small_data_curve"] = curve
        if people is not None:
            report["leave_one_person_out"] = people
        else:  # the confusion matrix of the held-out set (the --imu-test folder, the generator)
            pred = int8_predictions(built["int8"], data.x_eval) if "int8" in built else None
            if pred is not None:
                report["confusion_int8"] = confusion(data.y_eval, pred, len(data.extra["names"]))

    out_dir = Path(out_root) / name
    with staged_folder(out_dir) as tmp:
        (tmp / "modes").mkdir()
        for mode, b in built.items():
            (tmp / "modes" / f"{mode}.tflite").write_bytes(b)
        (tmp / "model.tflite").write_bytes(deploy)
        write_c_files(tmp, deploy, "g_model", info, f"{name}/model.tflite ({deploy_mode})",
                      arena_used, arena_size)
        extra_files = {}
        if name == "gestures":
            params = gesture_params_h(example.header_params(data))
            extra_files["gesture_params.h"] = params
            write_capture_sketch(tmp, params)
        if name == "digits":
            inp = info.inputs[0]
            imgs = quantize(data.x_eval[:10], inp.scale, inp.zero_point)
            extra_files["test_images.h"] = test_images_h(imgs, data.y_eval[:10])
        write_sketch(tmp, name, "g_model", extra_files)
        # The held-out inputs the report measured, for the board check (tflite/board_check.py).
        np.savez_compressed(tmp / "heldout.npz", x=data.x_eval, y=data.y_eval)
        report["seconds"] = round(time.time() - t0, 1)
        write_report(tmp, report)
    d = modes_report[deploy_mode]
    where = measured_in()
    if cv is not None:
        log(f"{name}: int8 {cv['k']}-fold cross-validation in {where}: mean "
            f"{cv['mean']:.4f}, std {cv['std']:.4f} (folds {', '.join(f'{a:.3f}' for a in cv['folds'])})")
    for row in (curve or {}).get("rows", []):
        log(f"{name}: int8 trained on {row['per_gesture']} recordings per gesture: mean accuracy "
            f"{row['accuracy_mean']:.4f} over {len(row['accuracy'])} draws "
            f"({', '.join(f'{a:.3f}' for a in row['accuracy'])}) on the other recordings")
    if people is not None:
        log(f"{name}: int8 leave-one-person-out on {people['data']}: mean "
            f"{people['accuracy_mean']:.4f} ("
            + ", ".join(f"{r['person']} {r['accuracy']:.3f}" for r in people["rows"]) + ")")
    if arena_used is None:
        metric_value = d["litert_metric"]
        arena = f"arena not measured, kTensorArenaSize {arena_size:,} (estimated from the model)"
    else:
        metric_value = d["tflm_metric"]
        arena = f"arena {arena_used:,} bytes"
    log(
        f"{name}: {deploy_mode} {d['bytes']:,} bytes, {where} {example.metric} "
        f"{metric_value:.4f} (float {float_metric:.4f}), {arena} "
        f"-> {out_dir} ({report['seconds']} s)"
    )
    return report


def _people_measurement(example, settings, seed, imu_people, imu_csv, imu_source, imu_test, log):
    """Leave-one-person-out on ``imu_people`` (see :func:`build_example`), or None."""
    from course_lib import imu_capture as imu
    from course_lib.data import DataFileError

    own_data = imu_csv is not None or imu_test is not None or imu_source != "recordings"
    if imu_people is None or (imu_people == "shipped" and own_data):
        return None  # on the user's own data the shipped people would measure the recipe, not it
    try:
        if imu_people == "shipped":
            x, y, names, persons = imu.load_people_recordings()
            where = f"data/{imu.PEOPLE_FOLDER}"
        else:
            x, y, names, persons = imu.load_people_folder(imu_people)
            where = str(imu_people)
    except (imu.IMUFormatError, DataFileError) as err:
        raise PipelineError(str(err)) from None
    result = leave_one_person_out(example, x, y, persons, names, settings, seed, log)
    result["data"] = where
    return result


def arena_note(arena_size: int) -> str:
    """The report's ``arena_note`` where the arena could not be measured."""
    return (
        f"not measured: only TFLite Micro's Python runtime measures the arena, and it is not "
        f"installed here (Linux x86-64 only); kTensorArenaSize {arena_size:,} is estimated from "
        "the model's tensors and operators (tflite.micro.estimate_arena), not measured. Run "
        "`make tinyml` on Linux x86-64 or in Colab to measure it"
    )


def _check_strip(raw: bytes, stripped: bytes, data: ExampleData, source: str) -> None:
    """Stripping names and metadata must not change a single output in TFLite Micro (LiteRT's
    reference kernels where TFLite Micro's runtime is missing)."""
    info = inspect_model(raw, source)
    x = to_model_input(data.x_eval[:STRIP_CHECK_SAMPLES], info)
    a = runtime_model(raw, source).run(x)
    b = runtime_model(stripped, source + " (stripped)").run(x)
    if not np.array_equal(a, b):
        raise PipelineError(f"{source}: the stripped model's outputs differ from the original's")


def augmentation_settings() -> dict:
    """The augmentation strengths (course_lib.gesture_augment defaults), for the report."""
    from course_lib import gesture_augment as ga

    return {"max_shift_samples": ga.MAX_SHIFT, "scale_range": list(ga.SCALE_RANGE),
            "max_rotation_degrees": ga.MAX_ROTATION_DEG,
            "upside_down_probability": ga.UPSIDE_DOWN_PROBABILITY,
            "speed_range": list(ga.SPEED_RANGE), "accel_offset_g": ga.ACCEL_OFFSET_G,
            "gyro_offset_dps": ga.GYRO_OFFSET_DPS, "accel_noise_g": ga.ACCEL_NOISE_G,
            "gyro_noise_dps": ga.GYRO_NOISE_DPS}
