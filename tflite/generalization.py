"""How the gestures model does on recordings and people it never saw.

A student records about 20 captures of each gesture on their own board and expects the
model to recognize the next one, or a classmate's. Two measurements stand for that case,
and both train fresh models with the example's recipe, convert them to full-integer int8
and count right answers in TFLite Micro (LiteRT's reference kernels where TFLite Micro's
runtime is missing):

- :func:`small_data_curve`: train on ``n`` recordings per gesture (seeded draws), test on
  every other recording of the set.
- :func:`leave_one_person_out`: train on every person but one, test on that person's
  recordings; once per person.

:func:`cross_validate` (k folds by recording) shares the same train-convert-measure step,
:func:`train_and_measure`.
"""

from __future__ import annotations

import numpy as np

from tflite.convert import convert, representative_dataset
from tflite.micro import measured_in, runtime_model
from tflite.model_info import inspect_model
from tflite.quantization import to_model_input
from tflite.strip import strip_model

#: Every gesture keeps at least this many recordings for testing in a small-data draw.
MIN_TEST_PER_GESTURE = 4


def int8_predictions(model_bytes: bytes, x) -> np.ndarray:
    """Class predictions of a model in TFLite Micro (else LiteRT) on real-valued inputs ``x``."""
    info = inspect_model(model_bytes, "<int8>")
    raw = runtime_model(model_bytes, "<int8>").run(to_model_input(np.asarray(x, np.float32), info))
    return np.asarray(raw).reshape(len(raw), -1).argmax(axis=1)


def confusion(y, pred, n_classes: int) -> list[list[int]]:
    """Counts ``[true][predicted]``."""
    m = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(m, (np.asarray(y), np.asarray(pred)), 1)
    return m.tolist()


def train_and_measure(example, settings, x_train, y_train, x_test, y_test, names, seed: int,
                      description: str, model_bytes: bytes | None = None) -> dict:
    """Train the example's model on raw windows ``x_train`` (normalization fitted on them,
    the example's augmentation), convert to full-integer int8 and predict ``x_test`` in
    TFLite Micro. ``model_bytes`` skips the training: that int8 model, whose normalization
    was fitted on ``x_train``, is measured instead.

    Returns ``accuracy``, ``balanced_accuracy`` (the mean of the per-gesture recalls over
    the gestures present in ``y_test``), ``confusion``, ``arena_bytes`` (``None`` where
    the arena cannot be measured) and ``model_bytes``.
    """
    from course_lib.seeds import set_seed

    data = example.prepare(x_train, y_train, x_test, y_test, names, description, seed)
    if model_bytes is None:
        set_seed(seed)
        model = example.build_model(data)
        example.train(model, data, settings, seed=seed)
        rep = representative_dataset(data.x_rep, n=len(data.x_rep), seed=seed)
        model_bytes = strip_model(convert(model, "int8", rep))
    pred = int8_predictions(model_bytes, data.x_eval)
    conf = np.asarray(confusion(data.y_eval, pred, len(names)))
    present = conf.sum(axis=1) > 0
    recalls = np.diag(conf)[present] / conf.sum(axis=1)[present]
    return {
        "accuracy": float(np.mean(pred == data.y_eval)),
        "balanced_accuracy": float(np.mean(recalls)),
        "confusion": conf,
        "arena_bytes": runtime_model(model_bytes, "<int8>").arena_used(),
        "model_bytes": model_bytes,
    }


def cross_validate(example, data, settings, seed: int, fold0_int8: bytes | None,
                   log=print) -> dict:
    """k-fold cross-validation of the int8 model in TFLite Micro, split by recording.

    Fold 0 is the main build's held-out fold (its int8 model, ``fold0_int8``, is reused);
    for every other fold a model is trained from scratch on the remaining folds (the
    normalization refitted on them, the same augmentation), converted to full-integer int8
    and run in TFLite Micro on the fold. Returns ``k``, per-fold accuracies, their ``mean``
    and ``std`` (population), ``min``, the recordings per fold and the confusion matrix
    summed over the folds (every recording predicted once, by the model that did not see it).
    """
    names = data.extra["names"]
    fold, x_all, y_all = data.extra["fold"], data.extra["x_all"], data.extra["y_all"]
    k = int(fold.max()) + 1
    accs, sizes, arenas = [], [], []
    conf = np.zeros((len(names), len(names)), dtype=int)
    for f in range(k):
        held = fold == f
        if not (f == 0 and fold0_int8 is not None):
            log(f"gestures: cross-validation fold {f + 1} of {k}: training on {int((~held).sum())} "
                "recordings")
        r = train_and_measure(example, settings, x_all[~held], y_all[~held], x_all[held],
                              y_all[held], names, seed + f, f"fold {f + 1}",
                              model_bytes=fold0_int8 if f == 0 else None)
        accs.append(r["accuracy"])
        sizes.append(int(held.sum()))
        arenas.append(r["arena_bytes"])
        conf += r["confusion"]
    return {
        "k": k, "seed": seed, "split": "by recording, stratified by gesture",
        "model": "int8 (full-integer post-training quantization) in " + measured_in(),
        "folds": accs, "recordings_per_fold": sizes,
        "mean": float(np.mean(accs)), "std": float(np.std(accs)), "min": float(np.min(accs)),
        "max_arena_bytes": None if None in arenas else int(max(arenas)),
        "names": list(names), "confusion": conf.tolist(),
        "correct": int(np.trace(conf)), "total": int(conf.sum()),
    }


def small_data_draw(y, per_gesture: int, seed: int, names=None) -> np.ndarray:
    """A boolean mask of the recordings to train on: ``per_gesture`` of each gesture, drawn
    with ``seed``; a gesture with fewer than ``per_gesture + MIN_TEST_PER_GESTURE``
    recordings gives all but ``MIN_TEST_PER_GESTURE`` of them."""
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    train = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        take = min(per_gesture, len(idx) - MIN_TEST_PER_GESTURE)
        if take < 1:
            name = names[c] if names is not None else c
            raise ValueError(f"gesture {name!r} has {len(idx)} recordings; a small-data draw "
                             f"needs at least {MIN_TEST_PER_GESTURE + 1}")
        train[rng.choice(idx, take, replace=False)] = True
    return train


def _summary(values) -> dict:
    return {"mean": float(np.mean(values)), "min": float(np.min(values)),
            "max": float(np.max(values))}


def small_data_curve(example, x, y, names, settings, sizes, draws: int, seed: int = 0,
                     log=print) -> dict:
    """Accuracy of int8 models trained on ``n`` recordings per gesture, for each ``n`` in
    ``sizes``, tested on every recording not drawn; ``draws`` seeded draws per size
    (draw ``d`` of size ``n`` uses seed ``seed + 1000 * n + d``, for the draw and the training).
    """
    rows = []
    for n in sizes:
        accs, bals, per_gesture = [], [], None
        seeds = [seed + 1000 * n + d for d in range(draws)]
        for d, s in enumerate(seeds):
            train = small_data_draw(y, n, s, names)
            per_gesture = np.bincount(y[train], minlength=len(names)).tolist()
            log(f"gestures: small-data curve, {n} recordings per gesture, draw {d + 1} of {draws}: "
                f"training on {int(train.sum())}, testing on {int((~train).sum())}")
            r = train_and_measure(example, settings, x[train], y[train], x[~train], y[~train],
                                  names, s, f"{n} per gesture, draw {d + 1}")
            accs.append(r["accuracy"])
            bals.append(r["balanced_accuracy"])
        rows.append({"per_gesture": n, "train_per_gesture": per_gesture, "seeds": seeds,
                     "accuracy": accs,
                     "balanced_accuracy": bals, **{f"accuracy_{k}": v for k, v in
                                                   _summary(accs).items()}})
    return {"split": "n recordings per gesture drawn for training, every other recording "
                     f"tested (each gesture keeps at least {MIN_TEST_PER_GESTURE})",
            "model": "int8 (full-integer post-training quantization) in " + measured_in(),
            "names": list(names), "rows": rows}


def leave_one_person_out(example, x, y, persons, names, settings, seed: int = 0,
                         log=print) -> dict:
    """Accuracy of int8 models trained on every person but one and tested on that one."""
    persons = np.asarray(persons)
    rows = []
    conf = np.zeros((len(names), len(names)), dtype=int)
    for i, p in enumerate(sorted(set(persons.tolist()))):
        held = persons == p
        log(f"gestures: leave-one-person-out, person {p}: training on {int((~held).sum())} "
            f"recordings of the others, testing on {int(held.sum())}")
        r = train_and_measure(example, settings, x[~held], y[~held], x[held], y[held], names,
                              seed + i, f"person {p}")
        rows.append({"person": p, "recordings": int(held.sum()), "accuracy": r["accuracy"],
                     "balanced_accuracy": r["balanced_accuracy"]})
        conf += r["confusion"]
    accs = [r["accuracy"] for r in rows]
    return {"split": "leave one person out", "seed": seed,
            "model": "int8 (full-integer post-training quantization) in " + measured_in(),
            "names": list(names), "rows": rows, **{f"accuracy_{k}": v for k, v in
                                                   _summary(accs).items()},
            "pooled_accuracy": float(np.trace(conf) / conf.sum()), "confusion": conf.tolist()}
