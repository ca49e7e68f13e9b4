"""The three examples the pipeline builds: data, model, training, metric and targets.

- ``sine``: y = sin(x) on [0, 2 pi], the TFLite Micro hello world (a 1-16-16-1 network);
  metric: mean absolute error over 1,000 evenly spaced x.
- ``digits``: a small CNN on the shipped MNIST split (train on the first 8,000 images,
  evaluate on the held-out last 2,000); metric: accuracy.
- ``gestures``: an IMU gesture classifier (119 samples x 6 channels) trained on the 265
  real recordings shipped in ``data/nano33_gestures/`` (or a folder of capture CSV files
  read by :mod:`course_lib.imu_capture`), split by recording and 5-fold cross-validated,
  with augmented training windows (:mod:`course_lib.gesture_augment`); or on
  :mod:`course_lib.gestures` windows evaluated on *other* simulated people; metric: accuracy.

Each example has full settings (``make tinyml``) and quick settings (``--quick``, the
tests) with targets to match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from tflite.errors import PipelineError

#: Metrics :func:`score` computes from real-valued (dequantized) outputs.
METRICS = ("accuracy", "mae")


def score(outputs, y, metric: str = "accuracy") -> float:
    """Accuracy (argmax of each output vs the integer labels ``y``) or mean absolute error."""
    outputs = np.asarray(outputs)
    y = np.asarray(y)
    if metric == "mae":
        return float(np.mean(np.abs(outputs.reshape(-1) - y.reshape(-1))))
    if metric == "accuracy":
        return float(np.mean(np.argmax(outputs.reshape(len(outputs), -1), axis=1) == y))
    raise PipelineError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")


@dataclass
class Settings:
    """Training knobs of one example (full or quick)."""

    epochs: int
    qat_epochs: int
    prune_epochs: int
    batch_size: int = 64
    learning_rate: float = 3e-3
    qat_learning_rate: float = 2e-4
    prune_learning_rate: float = 5e-4
    n_train: int = 0  # gestures: windows per class for training (0: example default)
    n_eval: int = 0  # gestures: windows per class for evaluation
    folds: int = 0  # gestures (recordings): k of the k-fold cross-validation
    augment_copies: int = 0  # gestures: augmented copies of each training window per epoch
    balance_classes: bool = False  # gestures (recordings): balanced class weights in training
    min_windows_per_epoch: int = 0  # gestures: more augmented copies when recordings are few
    curve_sizes: tuple[int, ...] = ()  # gestures (recordings): recordings per gesture, small-data curve
    curve_draws: int = 0  # gestures (recordings): seeded draws per size of the small-data curve


@dataclass
class Targets:
    """What the deployed int8 model must reach in the TFLite Micro runtime."""

    max_bytes: int | None = None
    max_arena: int | None = None
    min_accuracy: float | None = None
    max_mae: float | None = None
    max_gap: float | None = None  # accuracy points (0..1) the int8 model may lose vs float
    min_cv_accuracy: float | None = None  # gestures: k-fold mean of the int8 model
    min_curve_accuracy: float | None = None  # gestures: small-data curve, mean at the largest size

    def to_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass
class ExampleData:
    """Arrays an example trains and evaluates on, already as model inputs (float32)."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_eval: np.ndarray
    y_eval: np.ndarray
    x_rep: np.ndarray  # representative samples for int8 calibration
    description: str
    extra: dict = field(default_factory=dict)


class Example:
    """Base class: subclasses define data, model, training and the metric."""

    name = ""
    metric = "accuracy"  # or "mae"
    loss = "sparse_categorical_crossentropy"
    full = Settings(epochs=10, qat_epochs=2, prune_epochs=3)
    quick = Settings(epochs=2, qat_epochs=1, prune_epochs=1)
    targets_full = Targets()
    targets_quick = Targets()

    def settings(self, quick: bool) -> Settings:
        return self.quick if quick else self.full

    def targets(self, quick: bool) -> Targets:
        return self.targets_quick if quick else self.targets_full

    def load_data(self, settings: Settings, imu_csv=None, seed: int = 0) -> ExampleData:
        raise NotImplementedError

    def build_model(self, data: ExampleData):
        raise NotImplementedError

    def train(self, model, data: ExampleData, settings: Settings, seed: int = 0):
        raise NotImplementedError

    def score(self, outputs: np.ndarray, data: ExampleData) -> float:
        """The metric from real-valued (dequantized) outputs on ``data.x_eval``."""
        return score(outputs, data.y_eval, self.metric)

    def header_params(self, data: ExampleData) -> dict:
        """Constants for the generated sketch (gestures: names, normalization, threshold)."""
        return {}


# --------------------------------------------------------------------------- sine


def _compile_cosine_adam(model, settings, n_train: int, loss, **compile_kwargs) -> int:
    """Compile with Adam whose learning rate decays along a cosine over the whole run;
    returns the steps per epoch."""
    import keras

    steps_per_epoch = int(math.ceil(n_train / settings.batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(
        settings.learning_rate, decay_steps=settings.epochs * steps_per_epoch
    )
    model.compile(optimizer=keras.optimizers.Adam(schedule), loss=loss, **compile_kwargs)
    return steps_per_epoch


class SineExample(Example):
    """y = sin(x), x in [0, 2 pi]: the hello world of TFLite Micro, but measured."""

    name = "sine"
    metric = "mae"
    loss = "mse"
    # Pruning half the weights of a 1-16-16-1 network needs a long, brisk fine-tune.
    full = Settings(epochs=60, qat_epochs=3, prune_epochs=15, batch_size=100, learning_rate=5e-3,
                    prune_learning_rate=5e-3)
    quick = Settings(epochs=30, qat_epochs=1, prune_epochs=5, batch_size=100, learning_rate=5e-3,
                     prune_learning_rate=5e-3)
    targets_full = Targets(max_bytes=2704, max_mae=0.020)
    targets_quick = Targets(max_bytes=2704, max_mae=0.030)

    def load_data(self, settings, imu_csv=None, seed=0):
        rng = np.random.default_rng(seed)
        x_train = np.concatenate([rng.uniform(0, 2 * math.pi, 7998), [0.0, 2 * math.pi]])
        x_eval = np.linspace(0, 2 * math.pi, 1000)
        # Calibrate on an even grid that includes both ends: the input's int8 step then
        # spans [0, 2 pi] and nothing more (scale 2 pi / 255, zero point -128).
        x_rep = np.linspace(0, 2 * math.pi, 256)
        f = np.float32
        return ExampleData(
            x_train.astype(f).reshape(-1, 1), np.sin(x_train).astype(f).reshape(-1, 1),
            x_eval.astype(f).reshape(-1, 1), np.sin(x_eval).astype(f).reshape(-1, 1),
            x_rep.astype(f).reshape(-1, 1),
            "1,000 evenly spaced x in [0, 2 pi]; MAE of the dequantized output against sin(x)",
        )

    def build_model(self, data):
        import keras

        layers = keras.layers
        model = keras.Sequential(
            [
                keras.Input((1,)),
                layers.Dense(16, activation="relu"),
                layers.GaussianNoise(0.03),  # robustness to int8 steps; a no-op at inference
                layers.Dense(16, activation="relu"),
                layers.GaussianNoise(0.03),
                layers.Dense(1),
            ],
            name="sine",
        )
        # Start the first layer's 16 ReLU "knots" evenly over [0, 2 pi]: no dead units,
        # and every part of the curve gets a piece of the piecewise-linear fit.
        knots = np.linspace(0, 2 * math.pi, 17)[:-1].astype(np.float32)
        model.layers[0].set_weights([np.ones((1, 16), np.float32), -knots])
        return model

    def train(self, model, data, settings, seed=0):
        steps = int(math.ceil(len(data.x_train) / settings.batch_size))
        _compile_cosine_adam(model, settings, len(data.x_train), "mse", steps_per_execution=steps)
        model.fit(data.x_train, data.y_train, epochs=settings.epochs,
                  batch_size=settings.batch_size, verbose=0, shuffle=True)
        return model


# --------------------------------------------------------------------------- digits


def _shift_images(x, rng, max_shift=2):
    """Randomly shift each image by up to ``max_shift`` pixels (zero fill): cheap augmentation."""
    n, h, w = x.shape[:3]
    out = np.zeros_like(x)
    dy = rng.integers(-max_shift, max_shift + 1, n)
    dx = rng.integers(-max_shift, max_shift + 1, n)
    for i in range(n):
        sy, sx = dy[i], dx[i]
        out[i, max(sy, 0) : h + min(sy, 0), max(sx, 0) : w + min(sx, 0)] = x[
            i, max(-sy, 0) : h + min(-sy, 0), max(-sx, 0) : w + min(-sx, 0)
        ]
    return out


class DigitsExample(Example):
    """A three-block CNN (8-16-32 filters, about 9 k parameters) on the shipped MNIST split."""

    name = "digits"
    full = Settings(epochs=10, qat_epochs=2, prune_epochs=3, batch_size=64, learning_rate=3e-3)
    quick = Settings(epochs=2, qat_epochs=1, prune_epochs=1, batch_size=64, learning_rate=3e-3)
    targets_full = Targets(max_bytes=20_000, max_arena=16_000, min_accuracy=0.98, max_gap=0.005)
    targets_quick = Targets(max_bytes=20_000, max_arena=16_000, min_accuracy=0.96, max_gap=0.01)

    def load_data(self, settings, imu_csv=None, seed=0):
        from course_lib.data import load_mnist

        (xt, yt), (xe, ye) = load_mnist()
        xt = (xt.astype(np.float32) / 255.0)[..., None]
        xe = (xe.astype(np.float32) / 255.0)[..., None]
        rng = np.random.default_rng(seed)
        rep = xt[np.sort(rng.choice(len(xt), 300, replace=False))]
        return ExampleData(
            xt, yt.astype(np.int32), xe, ye.astype(np.int32), rep,
            f"the held-out last {len(xe):,} of the shipped MNIST images (trained on the first "
            f"{len(xt):,})",
        )

    def build_model(self, data):
        import keras

        L = keras.layers
        blocks = [keras.Input((28, 28, 1))]
        for filters in (8, 16, 32):
            blocks += [
                L.Conv2D(filters, 3, padding="same", use_bias=False),
                L.BatchNormalization(momentum=0.9),
                L.ReLU(),
                L.MaxPooling2D(),
            ]
        blocks += [L.Flatten(), L.Dropout(0.25), L.Dense(10, activation="softmax")]
        return keras.Sequential(blocks, name="digits")

    def train(self, model, data, settings, seed=0):
        _compile_cosine_adam(model, settings, len(data.x_train), self.loss)
        rng = np.random.default_rng(seed)
        for epoch in range(settings.epochs):
            last = epoch == settings.epochs - 1 and settings.epochs > 1
            x = data.x_train if last else _shift_images(data.x_train, rng)
            model.fit(x, data.y_train, epochs=1, batch_size=settings.batch_size, verbose=0)
        return model


# --------------------------------------------------------------------------- gestures


#: Where the gestures example's data comes from (``--imu-source``).
IMU_SOURCES = ("recordings", "generated")


def _names_mismatch(train_dir, train_names, test_dir, test_names) -> str:
    only_train = sorted(set(train_names) - set(test_names))
    only_test = sorted(set(test_names) - set(train_names))
    parts = []
    if only_train:
        parts.append(f"only in {train_dir}: {', '.join(only_train)}")
    if only_test:
        parts.append(f"only in {test_dir}: {', '.join(only_test)}")
    return (
        f"{test_dir}: the gesture names of the test folder differ from the training data's "
        f"({'; '.join(parts)}). Training and --imu-test need the same set of <gesture>.csv files"
    )


class GesturesExample(Example):
    """A small 1-D CNN (as Conv2D over (119, 1, 6)) on IMU windows, normalized per channel.

    Data (``--imu-source``): by default the 265 real recordings shipped in
    ``data/nano33_gestures/`` (or a folder given with ``--imu-csv``), split by recording into
    ``folds`` stratified, seeded folds: the model of every build mode is trained on folds
    1..k-1 and measured on fold 0, and the int8 model is cross-validated over all k folds
    (:func:`tflite.generalization.cross_validate`). ``--imu-test DIR`` trains on all recordings and
    evaluates on DIR instead. ``--imu-source generated`` trains on
    :mod:`course_lib.gestures` windows and evaluates on other simulated people. Training
    windows are augmented each epoch (:mod:`course_lib.gesture_augment`).
    """

    name = "gestures"
    full = Settings(epochs=30, qat_epochs=3, prune_epochs=6, batch_size=32, learning_rate=3e-3,
                    n_train=200, n_eval=100, folds=5, augment_copies=3,
                    balance_classes=True, min_windows_per_epoch=1600, curve_sizes=(5, 10, 20),
                    curve_draws=3)
    quick = Settings(epochs=10, qat_epochs=1, prune_epochs=2, batch_size=32, learning_rate=3e-3,
                     n_train=60, n_eval=40, folds=5, augment_copies=1,
                     balance_classes=True, curve_sizes=(10,), curve_draws=1)
    # Recordings: the k-fold mean of the int8 model in TFLite Micro (cv_accuracy); the
    # single held-out fold is too small (about 53 recordings) to judge alone.
    # The small-data curve: the mean over draws at 20 recordings per gesture (full settings).
    targets_full = Targets(max_bytes=16_000, max_arena=8_000, min_cv_accuracy=0.97,
                           min_curve_accuracy=0.95)
    targets_quick = Targets(max_bytes=16_000, max_arena=8_000, min_cv_accuracy=0.85)
    # The generator (other simulated people) and --imu-test (the user's own folder).
    targets_full_heldout = Targets(max_bytes=16_000, max_arena=8_000, min_accuracy=0.90)
    targets_quick_heldout = Targets(max_bytes=16_000, max_arena=8_000, min_accuracy=0.70)

    def targets(self, quick: bool, cross_validated: bool = True) -> Targets:
        if cross_validated:
            return self.targets_quick if quick else self.targets_full
        return self.targets_quick_heldout if quick else self.targets_full_heldout

    def load_data(self, settings, imu_csv=None, seed=0, imu_source="recordings", imu_test=None):
        from course_lib import gestures as g
        from course_lib import imu_capture as imu
        from course_lib.data import DataFileError

        if imu_source not in IMU_SOURCES:
            raise PipelineError(f"--imu-source {imu_source!r}: choose one of {', '.join(IMU_SOURCES)}")
        if imu_csv is not None and imu_source != "recordings":
            raise PipelineError("--imu-csv gives recordings; it cannot be combined with "
                                "--imu-source generated")
        fold = None
        try:
            if imu_source == "recordings":
                if imu_csv is not None:
                    train_dir = str(imu_csv)
                    x, y, names = imu.load_imu_folder(imu_csv)
                else:
                    train_dir = str(imu.recordings_dir())
                    x, y, names = imu.load_recordings()
            else:
                train_dir = "the generator"
                names = g.GESTURES
                x, y = g.generate_gestures(settings.n_train, seed=seed)
            if imu_test is not None:
                xe, ye, test_names = imu.load_imu_folder(imu_test)
                if tuple(test_names) != tuple(names):
                    raise PipelineError(_names_mismatch(train_dir, names, imu_test, test_names))
                xt, yt = x, y
                description = (
                    f"the {len(ye)} recordings in {imu_test} (trained on all {len(yt)} of "
                    f"{train_dir})"
                )
            elif imu_source == "recordings":
                fold = imu.stratified_folds(y, settings.folds, seed, source=train_dir, names=names)
                held = fold == 0
                xt, yt, xe, ye = x[~held], y[~held], x[held], y[held]
                description = (
                    f"fold 1 of {settings.folds} ({held.sum()} of {len(y)} recordings, stratified, "
                    f"seed {seed}) of {train_dir}"
                )
            else:
                xt, yt = x, y
                xe, ye = g.generate_gestures(settings.n_eval, seed=seed + 1000)
                description = (
                    f"{len(ye)} generated windows of other simulated people (seed {seed + 1000}); "
                    f"trained on {len(yt)} windows"
                )
        except (imu.IMUFormatError, DataFileError) as err:
            raise PipelineError(str(err)) from None
        return self.prepare(xt, yt, xe, ye, names, description, seed,
                            {"fold": fold, "x_all": x, "y_all": y, "imu_source": imu_source,
                             "cross_validated": fold is not None})

    @staticmethod
    def prepare(xt, yt, xe, ye, names, description, seed, extra=None) -> ExampleData:
        """Normalize with the training windows' statistics; keep the raw training windows
        for augmentation."""
        from course_lib.imu_normalization import fit_normalization

        norm = fit_normalization(xt)
        rng = np.random.default_rng(seed)
        xt_n, xe_n = norm.apply(xt), norm.apply(xe)
        rep = xt_n[np.sort(rng.choice(len(xt_n), min(300, len(xt_n)), replace=False))]
        return ExampleData(
            xt_n, np.asarray(yt, np.int32), xe_n, np.asarray(ye, np.int32), rep, description,
            extra={**(extra or {}), "names": list(names), "normalization": norm,
                   "x_train_raw": np.asarray(xt, np.float32)},
        )

    def build_model(self, data):
        import keras

        from course_lib.imu_capture import CHANNELS, WINDOW

        L = keras.layers
        n_classes = len(data.extra["names"])
        return keras.Sequential(
            [
                keras.Input((WINDOW, len(CHANNELS))),
                L.Reshape((WINDOW, 1, len(CHANNELS))),  # a 1-D signal as a 119 x 1 image
                L.Conv2D(16, (5, 1), strides=(2, 1), activation="relu"),
                L.MaxPooling2D((2, 1)),
                L.Conv2D(24, (5, 1), activation="relu"),
                L.MaxPooling2D((2, 1)),
                L.Conv2D(32, (3, 1), activation="relu"),
                # Flatten + Dense, not global average pooling: its MEAN operator rounds
                # differently in the board's kernels (up to 5 int8 steps, make board-check),
                # while CONV_2D, MAX_POOL_2D and FULLY_CONNECTED agree bit for bit.
                L.Flatten(),
                L.Dropout(0.2),
                L.Dense(n_classes, activation="softmax"),
            ],
            name="gestures",
        )

    def train(self, model, data, settings, seed=0):
        """Every epoch sees the recorded windows plus ``augment_copies`` fresh augmented
        copies of each (:func:`course_lib.gesture_augment.augment`, seeded)."""
        from course_lib.gesture_augment import augment

        raw = data.extra.get("x_train_raw")
        copies = max(settings.augment_copies,
                     -(-settings.min_windows_per_epoch // max(len(data.x_train), 1)) - 1)
        if data.extra.get("imu_source") == "generated":
            copies = 0  # the generator's people already vary; augmentation is for recordings
        n = len(data.x_train) * (1 + copies)
        _compile_cosine_adam(model, settings, n, self.loss)
        if not copies or raw is None:
            model.fit(data.x_train, data.y_train, epochs=settings.epochs,
                      batch_size=settings.batch_size, verbose=0, shuffle=True)
            return model
        norm = data.extra["normalization"]
        rng = np.random.default_rng(seed)
        y = np.concatenate([data.y_train] * (1 + copies))
        # Balanced class weights: the recordings range from 16 to 98 per gesture, and the
        # rare ones (punch) would otherwise be sacrificed to the common ones.
        counts = np.bincount(data.y_train, minlength=len(data.extra["names"]))
        weights = {c: len(data.y_train) / (len(counts) * max(int(n), 1)) for c, n in enumerate(counts)}
        for _ in range(settings.epochs):
            x = np.concatenate([data.x_train] + [norm.apply(augment(raw, rng)) for _ in range(copies)])
            model.fit(x, y, epochs=1, batch_size=settings.batch_size, verbose=0, shuffle=True,
                      class_weight=weights if settings.balance_classes else None)
        return model

    def header_params(self, data):
        from course_lib import imu_capture as imu

        return {
            "names": data.extra["names"],
            "normalization": data.extra["normalization"],
            "threshold": imu.ACCEL_THRESHOLD_G,
            "window": imu.WINDOW,
            "sample_rate": imu.SAMPLE_RATE_HZ,
            "channels": list(imu.CHANNELS),
        }


EXAMPLES: dict[str, Example] = {
    "sine": SineExample(),
    "digits": DigitsExample(),
    "gestures": GesturesExample(),
}


def get_example(name: str) -> Example:
    try:
        return EXAMPLES[name]
    except KeyError:
        raise PipelineError(
            f"unknown example {name!r}; choose one of {', '.join(EXAMPLES)} or all"
        ) from None
