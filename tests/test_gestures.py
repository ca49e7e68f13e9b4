"""The IMU generator (course_lib.gestures), the capture CSV reader (imu_capture), the normalization."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import gestures as g
from course_lib import imu_capture as imu
from course_lib import imu_normalization as norm_lib
from tests.tflite_fixtures import run_cli, work_dir


@pytest.fixture(scope="module")
def windows():
    return g.generate_gestures(n_per_class=40, seed=3, n_people=6)


def test_shapes_labels_and_at_least_four_gestures(windows):
    x, y = windows
    assert len(g.GESTURES) >= 4
    assert x.shape == (40 * len(g.GESTURES), 119, 6) and x.dtype == np.float32
    assert sorted(np.unique(y)) == list(range(len(g.GESTURES)))
    assert np.bincount(y).tolist() == [40] * len(g.GESTURES)


def test_deterministic_by_seed():
    a = g.generate_gestures(5, seed=7)
    b = g.generate_gestures(5, seed=7)
    c = g.generate_gestures(5, seed=8)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_sensor_units_and_ranges(windows):
    x, _ = windows
    acc, gyro = x[..., :3], x[..., 3:]
    assert np.abs(acc).max() <= imu.ACCEL_RANGE_G and np.abs(gyro).max() <= imu.GYRO_RANGE_DPS
    assert np.abs(acc).max() > 2.0, "acceleration should be in g with real motion peaks"
    assert np.abs(gyro).max() > 100.0, "angular rate should be in deg/s"


def test_every_window_starts_at_the_trigger(windows):
    x, _ = windows
    start = np.abs(x[:, 0, :3]).sum(axis=1)
    assert (start >= imu.ACCEL_THRESHOLD_G).all()
    assert all(imu.trigger_index(w) == 0 for w in x[:20])


def test_gravity_is_one_g_when_the_hand_is_still(windows):
    # The last tenth of a second of every window is after the motion: the accelerometer
    # reads gravity only (1 g in some direction), the gyroscope nearly nothing.
    x, y = windows
    tail = x[:, -12:, :]
    mag = np.linalg.norm(tail[..., :3], axis=-1)
    still = y != g.GESTURES.index("wave")  # a slow waver may still be waving
    assert np.median(np.abs(mag[still] - 1.0)) < 0.06
    assert np.median(np.abs(tail[still][..., 3:])) < 10.0


def test_gestures_differ_physically(windows):
    x, y = windows
    rms_gyro = {name: np.sqrt((x[y == i][..., 3:] ** 2).mean(axis=(0, 1)))
                for i, name in enumerate(g.GESTURES)}
    # A curl turns the wrist about y, a wave about z (the raised forearm's side swing).
    assert rms_gyro["flex"].argmax() == 1
    assert rms_gyro["wave"].argmax() == 2
    # A punch is a thrust along x.
    punch_acc = np.abs(x[y == g.GESTURES.index("punch")][..., :3]).max(axis=1).mean(axis=0)
    assert punch_acc.argmax() == 0


def test_people_vary_in_speed_size_and_grip():
    x, y = g.generate_gestures(12, seed=0, gestures=("punch",), n_people=12)
    peaks = np.abs(x[..., 0]).max(axis=1)
    rest_dir = x[:, -5:, :3].mean(axis=1)  # where gravity points after the punch
    assert peaks.std() > 0.1
    assert rest_dir.std(axis=0).max() > 0.05


def test_unknown_gesture_is_an_error():
    with pytest.raises(ValueError, match="unknown gesture"):
        g.generate_gestures(1, gestures=("moonwalk",))


# --------------------------------------------------------------------------- CSV


def test_csv_round_trip_with_and_without_blank_lines(tmp_path, windows):
    x, _ = windows
    path = imu.write_imu_csv(tmp_path / "punch.csv", x[:3])
    back = imu.read_imu_csv(path)
    assert back.shape == (3, 119, 6)
    assert np.allclose(back, x[:3], atol=5e-4)
    text = path.read_text().splitlines()
    no_blanks = tmp_path / "flex.csv"
    no_blanks.write_text("\n".join(line for line in text if line.strip()) + "\n")
    assert np.array_equal(imu.read_imu_csv(no_blanks), back)


def test_repeated_header_after_a_restart_is_skipped(tmp_path, windows):
    x, _ = windows
    a = imu.write_imu_csv(tmp_path / "a.csv", x[:1]).read_text()
    path = tmp_path / "wave.csv"
    path.write_text(a + a)
    assert imu.read_imu_csv(path).shape == (2, 119, 6)


def _write(tmp_path, name, lines):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def test_wrong_header_names_file_and_line(tmp_path):
    path = _write(tmp_path, "punch.csv", ["ax,ay,az,gx,gy,gz", *["0,0,1,0,0,0"] * 119])
    with pytest.raises(imu.IMUFormatError, match=r"punch\.csv: line 1: header is 'ax,ay,az,gx,gy,gz'"):
        imu.read_imu_csv(path)


def test_short_window_names_file_and_line(tmp_path):
    rows = ["aX,aY,aZ,gX,gY,gZ", *["0,0,1,0,0,0"] * 119, "", *["0,0,1,0,0,0"] * 50, ""]
    path = _write(tmp_path, "flex.csv", rows)
    with pytest.raises(imu.IMUFormatError, match=r"flex\.csv: line 122: window 2 has only 50 rows"):
        imu.read_imu_csv(path)


def test_short_last_window_without_blank_line(tmp_path):
    path = _write(tmp_path, "flex.csv", ["aX,aY,aZ,gX,gY,gZ", *["0,0,1,0,0,0"] * 130])
    with pytest.raises(imu.IMUFormatError, match=r"line 121: window 2 has only 11 rows, a gesture needs 119"):
        imu.read_imu_csv(path)


def test_non_numeric_value_names_file_line_and_value(tmp_path):
    rows = ["aX,aY,aZ,gX,gY,gZ", *["0,0,1,0,0,0"] * 10, "0,0,abc,0,0,0", *["0,0,1,0,0,0"] * 108]
    path = _write(tmp_path, "circle.csv", rows)
    with pytest.raises(imu.IMUFormatError, match=r"circle\.csv: line 12: non-numeric value 'abc'"):
        imu.read_imu_csv(path)


def test_wrong_column_count_and_empty_file(tmp_path):
    path = _write(tmp_path, "x.csv", ["aX,aY,aZ,gX,gY,gZ", "1,2,3"])
    with pytest.raises(imu.IMUFormatError, match=r"x\.csv: line 2: expected 6 comma-separated values, got 3"):
        imu.read_imu_csv(path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(imu.IMUFormatError, match="empty file"):
        imu.read_imu_csv(empty)


def test_folder_labels_come_from_file_stems(tmp_path, windows):
    x, y = windows
    for i, name in enumerate(g.GESTURES[:3]):
        imu.write_imu_csv(tmp_path / f"{name}.csv", x[y == i][:4])
    xs, ys, names = imu.load_imu_folder(tmp_path)
    assert names == tuple(sorted(g.GESTURES[:3]))
    assert xs.shape == (12, 119, 6) and np.bincount(ys).tolist() == [4, 4, 4]


def test_folder_errors(tmp_path):
    with pytest.raises(imu.IMUFormatError, match="no such folder"):
        imu.load_imu_folder(tmp_path / "missing")
    with pytest.raises(imu.IMUFormatError, match="need one file per gesture class"):
        imu.load_imu_folder(tmp_path)


# --------------------------------------------------------------------------- normalization


def test_normalization_is_per_channel_and_rounded(windows):
    x, _ = windows
    norm = norm_lib.fit_normalization(x)
    assert len(norm.offset) == len(norm.scale) == 6
    assert all(float(f"{v:.6g}") == v for v in norm.offset + norm.scale)
    z = norm.apply(x)
    assert z.dtype == np.float32
    assert np.allclose(z.reshape(-1, 6).mean(axis=0), 0, atol=1e-3)
    assert np.allclose(z.reshape(-1, 6).std(axis=0), 1, atol=1e-3)


# --------------------------------------------------------------------------- augmentation


def test_time_shift_keeps_the_length_and_moves_the_samples(windows):
    from course_lib import gesture_augment as ga

    x = windows[0][:4]
    out = ga.time_shift(x, [3, -5, 0, 8])
    assert out.shape == x.shape and out.dtype == np.float32
    assert np.array_equal(out[0, 3:], x[0, :-3]) and np.array_equal(out[0, :3], np.repeat(x[0, :1], 3, 0))
    assert np.array_equal(out[1, :-5], x[1, 5:]) and np.array_equal(out[1, -5:], np.repeat(x[1, -1:], 5, 0))
    assert np.array_equal(out[2], x[2])


def test_amplitude_scale_keeps_gravity_and_scales_the_motion(windows):
    from course_lib import gesture_augment as ga

    x = windows[0][:3]
    out = ga.amplitude_scale(x, 1.2)
    assert np.allclose(out[:, 0, :3], x[:, 0, :3])  # the hand at rest: gravity unchanged
    assert np.allclose(out[..., 3:], 1.2 * x[..., 3:], rtol=1e-6)
    assert np.allclose(out[..., :3] - x[:, :1, :3], 1.2 * (x[..., :3] - x[:, :1, :3]), atol=1e-5)


def test_rotation_preserves_norms_and_turns_both_sensors_alike(windows):
    from course_lib import gesture_augment as ga

    x = windows[0][:5]
    rot = ga.random_rotations(5, 10.0, np.random.default_rng(1))
    assert np.allclose(rot @ np.transpose(rot, (0, 2, 1)), np.eye(3), atol=1e-12)
    assert np.allclose(np.linalg.det(rot), 1.0)
    angles = np.degrees(np.arccos(np.clip((np.trace(rot, axis1=1, axis2=2) - 1) / 2, -1, 1)))
    assert angles.max() <= 10.0 + 1e-9
    out = ga.rotate_frame(x, rot)
    for sl in (slice(0, 3), slice(3, 6)):
        assert np.allclose(np.linalg.norm(out[..., sl], axis=-1), np.linalg.norm(x[..., sl], axis=-1),
                           rtol=1e-5, atol=1e-4)
    # The same matrix for acceleration and angular rate: a window whose gyro copies its
    # accelerometer stays that way.
    twin = np.concatenate([x[..., :3], x[..., :3]], axis=-1)
    t_out = ga.rotate_frame(twin, rot)
    assert np.allclose(t_out[..., :3], t_out[..., 3:])
    assert np.allclose(t_out[0, :, :3], x[0, :, :3] @ rot[0].T, atol=1e-5)


def test_time_warp_plays_faster_or_slower_from_the_first_sample():
    from course_lib import gesture_augment as ga

    ramp = np.tile(np.arange(119, dtype=np.float32)[None, :, None], (3, 1, 6))
    out = ga.time_warp(ramp, [1.0, 2.0, 0.5])
    assert out.shape == ramp.shape and np.array_equal(out[0], ramp[0])
    assert np.allclose(out[1, :60, 0], 2 * np.arange(60)) and np.all(out[1, 60:, 0] == 118)
    assert np.allclose(out[2, :, 0], 0.5 * np.arange(119))  # halfway between samples: interpolated


def test_sensor_offsets_add_one_bias_per_window_and_channel(windows):
    from course_lib import gesture_augment as ga

    x = windows[0][:2]
    acc, gyr = np.array([[0.1, 0, -0.1], [0, 0, 0]]), np.array([[0, 5, 0], [-3, 0, 0]])
    out = ga.sensor_offsets(x, acc, gyr)
    assert np.allclose(out - x, np.concatenate([acc, gyr], axis=1)[:, None, :], atol=1e-5)


def test_upside_down_is_a_half_turn_that_flips_gravity_or_nothing():
    from course_lib import gesture_augment as ga

    r = ga.upside_down(400, 0.5, np.random.default_rng(2))
    assert np.allclose(r @ np.transpose(r, (0, 2, 1)), np.eye(3)) and np.allclose(np.linalg.det(r), 1)
    flipped = r[:, 2, 2] < 0
    assert 0.4 < flipped.mean() < 0.6
    assert np.allclose(r[flipped] @ [0, 0, 1], [0, 0, -1])  # gravity on z turns to -z
    assert np.allclose(r[~flipped], np.eye(3))
    assert np.allclose(r[flipped] @ r[flipped], np.eye(3))  # a half turn twice: home


def test_noise_has_the_requested_spread_per_sensor():
    from course_lib import gesture_augment as ga

    x = np.zeros((200, 119, 6), np.float32)
    out = ga.add_noise(x, np.random.default_rng(0), accel_g=0.02, gyro_dps=2.0)
    assert abs(out[..., :3].std() - 0.02) < 0.001 and abs(out[..., 3:].std() - 2.0) < 0.1


def test_augment_is_seeded_and_keeps_the_shape(windows):
    from course_lib import gesture_augment as ga

    x = windows[0][:6]
    a, b, c = ga.augment(x, seed=5), ga.augment(x, seed=5), ga.augment(x, seed=6)
    assert a.shape == x.shape and a.dtype == np.float32
    assert np.array_equal(a, b) and not np.array_equal(a, c) and not np.allclose(a, x)


# --------------------------------------------------------------------------- recordings, folds


def test_shipped_recordings_load_with_their_checksums():
    x, y, names = imu.load_recordings()
    assert names == ("circ", "flex", "hori", "punch", "vert")
    assert x.shape == (265, 119, 6)
    assert np.bincount(y).tolist() == [48, 26, 98, 16, 77]
    assert (imu.recordings_dir() / "LICENSE").read_text().startswith("MIT License")


def test_folds_are_stratified_seeded_and_by_recording():
    y = np.repeat(np.arange(3), [16, 26, 48])
    f = imu.stratified_folds(y, 5, seed=0)
    assert np.array_equal(f, imu.stratified_folds(y, 5, seed=0))
    assert not np.array_equal(f, imu.stratified_folds(y, 5, seed=1))
    for c, n in enumerate([16, 26, 48]):
        counts = np.bincount(f[y == c], minlength=5)
        assert counts.max() - counts.min() <= 1 and counts.sum() == n


def test_too_few_recordings_for_the_folds_is_an_error():
    y = np.repeat(np.arange(2), [10, 3])
    with pytest.raises(imu.IMUFormatError, match="b has 3"):
        imu.stratified_folds(y, 5, names=("a", "b"), source="myfolder")


# --------------------------------------------------------------------------- through the CLI


def _bad_folder(name, lines):
    folder = work_dir() / f"imu-{name}"
    folder.mkdir(exist_ok=True)
    good = ["aX,aY,aZ,gX,gY,gZ", *["0.1,0.2,1.0,1,2,3"] * 119]
    (folder / "flex.csv").write_text("\n".join(good) + "\n")
    (folder / "punch.csv").write_text("\n".join(lines) + "\n")
    return folder


@pytest.mark.parametrize(
    "case,lines,needle",
    [
        ("header", ["time,aX,aY,aZ,gX,gY,gZ", *["0,0,1,0,0,0"] * 119], "line 1: header is"),
        ("short", ["aX,aY,aZ,gX,gY,gZ", *["0,0,1,0,0,0"] * 100], "has only 100 rows"),
        ("text", ["aX,aY,aZ,gX,gY,gZ", "0,0,1,0,0,x", *["0,0,1,0,0,0"] * 118], "non-numeric value 'x'"),
    ],
)
def test_build_with_bad_csv_exits_2_and_writes_nothing(case, lines, needle):
    folder = _bad_folder(case, lines)
    out = work_dir() / f"imu-out-{case}"
    proc = run_cli("build", "--example", "gestures", "--imu-csv", folder, "--quick", "--out", out)
    assert proc.returncode == 2, proc.stderr[-1000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and "punch.csv" in last and needle in last, last
    assert not (out / "gestures").exists()


@pytest.mark.slow
def test_build_trains_on_recorded_csv_files():
    from tflite.build import build_example

    folder = work_dir() / "imu-recordings"
    folder.mkdir(exist_ok=True)
    x, y = g.generate_gestures(40, seed=11)
    for i, name in enumerate(g.GESTURES):
        imu.write_imu_csv(folder / f"{name}.csv", x[y == i])
    rep = build_example("gestures", work_dir() / "csv-build", imu_csv=folder, quick=True,
                        modes=("int8",), log=lambda m: None)
    assert rep["gestures"] == sorted(g.GESTURES)
    assert rep["imu_csv"] == str(folder)
    assert rep["eval_samples"] == len(g.GESTURES) * 8  # one fold of five: 8 of 40 per class
    assert rep["cross_validation"]["total"] == 40 * len(g.GESTURES)
    assert rep["modes"]["int8"]["tflm_metric"] >= 0.6
    header = (work_dir() / "csv-build" / "gestures" / "gesture_params.h").exists()
    assert not header  # the header lives in the sketch folders
    sketch = work_dir() / "csv-build" / "gestures" / "arduino" / "gestures" / "gesture_params.h"
    assert '"circle", "flex", "punch", "push", "swipe", "wave"' in sketch.read_text()


def _recorded_folder(name, per_class, gestures=("flex", "punch")):
    folder = work_dir() / f"imu-rec-{name}"
    folder.mkdir(exist_ok=True)
    for i, gname in enumerate(gestures):
        x, _ = g.generate_gestures(per_class, seed=20 + i, gestures=(gname,))
        imu.write_imu_csv(folder / f"{gname}.csv", x)
    return folder


def test_fewer_recordings_than_folds_exits_2_and_writes_nothing():
    folder = _recorded_folder("few", 3)
    out = work_dir() / "imu-out-few"
    proc = run_cli("build", "--example", "gestures", "--imu-csv", folder, "--quick", "--out", out)
    assert proc.returncode == 2, proc.stderr[-1000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and str(folder) in last, last
    assert "5-fold cross-validation needs at least 5 recordings" in last and "flex has 3" in last
    assert not (out / "gestures").exists()


def test_test_folder_with_other_gesture_names_exits_2_and_writes_nothing():
    train = _recorded_folder("train", 6, ("flex", "punch"))
    test = _recorded_folder("test", 2, ("flex", "wave"))
    out = work_dir() / "imu-out-names"
    proc = run_cli("build", "--example", "gestures", "--imu-csv", train, "--imu-test", test,
                   "--quick", "--out", out)
    assert proc.returncode == 2, proc.stderr[-1000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("error: ") and str(train) in last and str(test) in last, last
    assert f"only in {train}: punch" in last and f"only in {test}: wave" in last
    assert not (out / "gestures").exists()
