"""The Arduino IMU capture format: constants, the window rule, reading and writing CSV.

Introduced in lab 12 (TinyML). A gesture is a window of 119 samples (one second at 119 Hz,
the IMU's rate) of six channels ``aX, aY, aZ, gX, gY, gZ``: acceleration in g (gravity
included, about +-4 g full scale) and angular rate in degrees per second (about +-2000 dps
full scale). A window starts when ``|aX| + |aY| + |aZ|`` first reaches
:data:`ACCEL_THRESHOLD_G` (:func:`trigger_index`), as in the capture and classifier sketches.

The capture format (what ``arduino/capture/capture.ino`` prints and :func:`read_imu_csv`
reads) is CSV with the header ``aX,aY,aZ,gX,gY,gZ`` and 119 rows per gesture; blank lines
between gestures are optional. A folder holds one file per gesture class and the file stem
is the label (``punch.csv`` holds punches): :func:`load_imu_folder`.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from course_lib.files import write_text_atomically

#: Samples per second of the board's IMU (LSM9DS1 and BMI270 as the sketches configure them).
SAMPLE_RATE_HZ = 119
#: Samples per gesture window (one second).
WINDOW = 119
#: Channel names, in column order, exactly as the capture CSV header spells them.
CHANNELS = ("aX", "aY", "aZ", "gX", "gY", "gZ")
#: A window starts at the first sample where |aX| + |aY| + |aZ| reaches this (in g).
ACCEL_THRESHOLD_G = 2.5
#: Sensor full scale: readings are clipped here like the real IMU does.
ACCEL_RANGE_G = 4.0
GYRO_RANGE_DPS = 2000.0


class IMUFormatError(ValueError):
    """An IMU capture CSV (or folder of them) is not in the expected format."""


def trigger_index(stream, threshold: float = ACCEL_THRESHOLD_G) -> int | None:
    """First row where ``|aX| + |aY| + |aZ|`` reaches ``threshold`` (the sketches' rule), or None."""
    s = np.abs(np.asarray(stream)[:, :3]).sum(axis=1)
    hits = np.flatnonzero(s >= threshold)
    return int(hits[0]) if len(hits) else None


def write_imu_csv(path, windows) -> Path:
    """Write windows ``(N, 119, 6)`` in the capture format (header, 119 rows each, blank line)."""
    path = Path(path)
    w = np.asarray(windows, dtype=np.float64)
    if w.ndim != 3 or w.shape[1:] != (WINDOW, len(CHANNELS)):
        raise ValueError(f"expected windows of shape (N, {WINDOW}, 6), got {w.shape}")
    lines = [",".join(CHANNELS)]
    for win in w:
        lines.extend(",".join(f"{v:.3f}" for v in row) for row in win)
        lines.append("")
    write_text_atomically(path, "\n".join(lines) + "\n")
    return path


def read_imu_csv(path) -> np.ndarray:
    """Read one capture file into windows ``(N, 119, 6)`` float32.

    Introduced in lab 12 (TinyML). The first non-blank line must be the header
    ``aX,aY,aZ,gX,gY,gZ`` (a repeated header, e.g. after restarting the capture sketch, is
    skipped). Rows are cut into windows of 119; a blank line ends a window early only if
    it is complete. Raises :class:`IMUFormatError` naming the file and line for a wrong
    header, a row that is not six numbers, or a window shorter than 119 rows.
    """
    path = Path(path)
    if not path.is_file():
        raise IMUFormatError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        raise IMUFormatError(f"{path}: not a text CSV file ({err})") from None
    header = ",".join(CHANNELS)
    windows: list[list[list[float]]] = []
    current: list[list[float]] = []
    current_start = 0
    seen_header = False

    def close():
        nonlocal current
        if current:
            if len(current) < WINDOW:
                raise IMUFormatError(
                    f"{path}: line {current_start}: window {len(windows) + 1} has only "
                    f"{len(current)} rows, a gesture needs {WINDOW} (one second at "
                    f"{SAMPLE_RATE_HZ} Hz); re-record it or delete it"
                )
            windows.append(current)
            current = []

    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            close()
            continue
        normalized = line.replace(" ", "")
        if not seen_header:
            if normalized != header:
                raise IMUFormatError(
                    f"{path}: line {line_no}: header is {line!r}, expected {header!r} "
                    "(the capture sketch's first line)"
                )
            seen_header = True
            continue
        if normalized == header:
            close()
            continue
        fields = line.split(",")
        if len(fields) != len(CHANNELS):
            raise IMUFormatError(
                f"{path}: line {line_no}: expected 6 comma-separated values, got {len(fields)}: "
                f"{line[:60]!r}"
            )
        try:
            row = [float(f) for f in fields]
        except ValueError:
            bad = next(f for f in fields if not _is_number(f))
            raise IMUFormatError(
                f"{path}: line {line_no}: non-numeric value {bad.strip()!r} in {line[:60]!r}"
            ) from None
        if not all(math.isfinite(v) for v in row):
            raise IMUFormatError(f"{path}: line {line_no}: value is not finite: {line[:60]!r}")
        if not current:
            current_start = line_no
        current.append(row)
        if len(current) == WINDOW:
            windows.append(current)
            current = []
    close()
    if not seen_header:
        raise IMUFormatError(f"{path}: empty file; expected the header {header!r} and rows")
    if not windows:
        raise IMUFormatError(f"{path}: header but no gesture rows")
    return np.asarray(windows, dtype=np.float32)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def load_imu_folder(folder):
    """Read a folder of capture files, one per class: ``(x, y, names)``.

    Introduced in lab 12 (TinyML). Every ``*.csv`` file is one gesture class named by its
    stem (sorted alphabetically for the label order); ``x`` is float32 ``(N, 119, 6)``,
    ``y`` int32 labels into ``names``. Needs at least two classes.
    """
    folder = Path(folder)
    if not folder.exists():
        raise IMUFormatError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise IMUFormatError(f"{folder}: not a folder of capture CSV files")
    files = sorted(folder.glob("*.csv"))
    if len(files) < 2:
        raise IMUFormatError(
            f"{folder}: found {len(files)} .csv file(s); need one file per gesture class "
            "(at least two), e.g. punch.csv and flex.csv"
        )
    xs, ys, names = [], [], []
    for label, f in enumerate(files):
        w = read_imu_csv(f)
        xs.append(w)
        ys.append(np.full(len(w), label, dtype=np.int32))
        names.append(f.stem)
    return np.concatenate(xs), np.concatenate(ys), tuple(names)


# --------------------------------------------------------------------------- shipped recordings

#: The real recordings shipped in ``data/nano33_gestures/`` (see ``data/README.md``): one
#: person, an Arduino Nano 33 BLE Sense (Rev1, LSM9DS1), MIT licence. File -> SHA-256.
RECORDINGS_FOLDER = "nano33_gestures"
RECORDINGS_SHA256 = {
    "circ.csv": "5f8f4c447ca81f6a4e53456e9cfb3af8bebd43c28e62d9bcd376f2acc8687a41",
    "flex.csv": "03477072dd7d03d0c706851f9e827561880af980ede6d8d091fc7c0be8d049e9",
    "hori.csv": "c54de46dbcd216b4558dd4ccf897db0af73bbfd7411d364a2d356ec86143bf05",
    "punch.csv": "d76bc514f5c6fa2dc0848fba1290358b9687d458e2df48726fd1d67d686d0504",
    "vert.csv": "76dfb1e4ffcb8b4c80d303ecc68d27125d3a06810fa86d33ebd84b6e0d4f1c1b",
    "LICENSE": "76a2bd9703f42fd554c0ee7e6f470ed1d6b8c25eb3bf9962a05a89f4341c8c3f",
}


def recordings_dir(data_dir=None) -> Path:
    """The folder of the shipped recordings (``data/nano33_gestures`` of the repository)."""
    from course_lib.data import default_data_dir

    return Path(data_dir or default_data_dir()) / RECORDINGS_FOLDER


def load_recordings(data_dir=None):
    """The 265 shipped real recordings as ``(x, y, names)`` (see :func:`load_imu_folder`).

    Introduced for the TinyML pipeline's ``gestures`` example (lab 12). Every file is
    checked against its SHA-256 first; a missing or changed file is an error naming it.
    """
    return load_imu_folder(_verified(recordings_dir(data_dir), RECORDINGS_SHA256))


def _verified(folder: Path, digests: dict) -> Path:
    """``folder``, after checking each of its files against ``digests`` (name -> SHA-256)."""
    from course_lib.data import verify_file

    for name, digest in digests.items():
        verify_file(folder / name, digest)
    return folder


def load_people_folder(folder):
    """Read a folder of people, one sub-folder per person, each a capture folder with the same
    gesture files (:func:`load_imu_folder`): ``(x, y, names, persons)``, where ``persons[i]``
    is the sub-folder (the person) of recording ``i``.

    Introduced for the TinyML pipeline's leave-one-person-out measurement
    (:func:`tflite.generalization.leave_one_person_out`). Needs at least two people; a person
    whose gesture files differ from the first person's is an error naming both.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise IMUFormatError(f"{folder}: not a folder of people (one sub-folder of capture "
                             "CSV files per person)")
    people = sorted(p for p in folder.iterdir() if p.is_dir())
    if len(people) < 2:
        raise IMUFormatError(f"{folder}: found {len(people)} person folder(s); leave-one-person-"
                             "out needs at least two (one sub-folder of capture CSV files each)")
    xs, ys, persons, names = [], [], [], None
    for person in people:
        x, y, person_names = load_imu_folder(person)
        if names is None:
            names, first = person_names, person
        elif person_names != names:
            raise IMUFormatError(
                f"{person}: gestures {', '.join(person_names)} differ from {first}'s "
                f"({', '.join(names)}); every person needs the same <gesture>.csv files")
        xs.append(x)
        ys.append(y)
        persons += [person.name] * len(y)
    return np.concatenate(xs), np.concatenate(ys), names, tuple(persons)


def stratified_folds(y, k: int = 5, seed: int = 0, source="the recordings", names=None):
    """Assign every recording to one of ``k`` folds, stratified by class and seeded.

    Introduced for the TinyML pipeline's cross-validation (lab 12's ``gestures`` example).
    Each class's recordings are shuffled with ``seed`` and dealt round robin, starting at a
    random fold, so every fold holds each class in proportion (sizes differ by at most one).
    A class with fewer than ``k`` recordings cannot appear in every fold: an
    :class:`IMUFormatError` names ``source``, the class and its count.
    """
    y = np.asarray(y)
    counts = np.bincount(y)
    short = [(c, int(n)) for c, n in enumerate(counts) if n < k]
    if short:
        label = (lambda c: names[c]) if names is not None else str
        listed = ", ".join(f"{label(c)} has {n}" for c, n in short)
        raise IMUFormatError(
            f"{source}: {k}-fold cross-validation needs at least {k} recordings of every "
            f"gesture; {listed}. Record more, or evaluate on your own folder with --imu-test"
        )
    rng = np.random.default_rng(seed)
    fold = np.zeros(len(y), dtype=np.int32)
    for c in range(len(counts)):
        idx = rng.permutation(np.flatnonzero(y == c))
        fold[idx] = (np.arange(len(idx)) + rng.integers(k)) % k
    return fold


#: The second shipped set, ``data/people_gestures/`` (see ``data/README.md``): four people,
#: an Arduino Nano 33 BLE (Sense), converted from an Edge Impulse export; MIT licence.
PEOPLE_FOLDER = "people_gestures"
PEOPLE_SHA256 = {
    "haoranli/circle.csv": "d83d1721327d760a6607b4b324adf7dd3a2561dd47bc0a5f03b550c06ec79201",
    "haoranli/idle.csv": "7dccda4b05f7426f294b549ab19c84d7a97e1395266ed6beae6cdf899de8f8df",
    "haoranli/peak.csv": "aa42d78dcfee4d3e777b923f84d2e0532bcba272396d5bd0c5f3422cc0e9574d",
    "haoranli/wave.csv": "74fd81cded7329df2a2064ae6af09c4b71efdecf1680c2e1d2e66a580951f3a2",
    "jiuenfeng/circle.csv": "30d22ebd4cf43c5059150e997226d7650cecc1904d0186d30b092b3da4925403",
    "jiuenfeng/idle.csv": "21f968ff44ab745219993dc79aaab4a0ed1d6e52c1fe9da2dc520b5dc9c72933",
    "jiuenfeng/peak.csv": "990a6751eeb03f3496feed7524f73eabe7c910e832c13b9c278dd31c70f2935b",
    "jiuenfeng/wave.csv": "cf7a9955890569433d034a05ab7fa3e8dba5b227dfa56fd9120718c9ef7ec95d",
    "tangerine/circle.csv": "4f2fc304e2e0d1c1cdd1eff4643feea02f01b85dcc9b4f2a8ca4a87c8abe7c3c",
    "tangerine/idle.csv": "b96cc78fa538360f661b0fe932060ca6afe12241d18eb7769201399a166b59af",
    "tangerine/peak.csv": "a5cbbaa2ac80279fabc702c8b5661297f5bf9fa7e02079528c5cbc66bf8b5da0",
    "tangerine/wave.csv": "c5ed1b1ba61200957f4419e2e2797cf88f3942ab6795d5ced4c31d53bc936671",
    "yuhe_b/circle.csv": "2505eb520c7dabbf3b5a93337a139638f07d2f0d75b82f1f075ee0412f982c2d",
    "yuhe_b/idle.csv": "0e806586f87f2b72399d3644861a7a17d4df1baec58904d33c5af09db57c6663",
    "yuhe_b/peak.csv": "bd66bd4f872d12bf6c72afe8470a9be2935607f137c9dc3fc408efee7052988b",
    "yuhe_b/wave.csv": "763c4ad606ac490816550afb8c832a5e724aa3a8c22794acb4debcc7c5371280",
    "LICENSE": "14dd65e342e055bbe5720efb8056d24056ff90a9ead76e0cfa1ef23f6a8b5c95",
}


def people_dir(data_dir=None) -> Path:
    """The folder of the shipped four-person set (``data/people_gestures``)."""
    from course_lib.data import default_data_dir

    return Path(data_dir or default_data_dir()) / PEOPLE_FOLDER


def load_people_recordings(data_dir=None):
    """The 1,013 shipped recordings of four people as ``(x, y, names, persons)`` (see
    :func:`load_people_folder`), every file checked against its SHA-256 first."""
    return load_people_folder(_verified(people_dir(data_dir), PEOPLE_SHA256))
