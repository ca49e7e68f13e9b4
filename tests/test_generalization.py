"""The measurements of how the gestures recipe does on recordings and people it never saw
(tflite.generalization), the four-person set's loader, and their Markdown tables."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import imu_capture as imu
from tests.tflite_fixtures import work_dir
from tflite import generalization as gen
from tflite.report import people_lines, small_data_lines


def test_a_small_data_draw_takes_n_per_gesture_and_leaves_every_gesture_some_to_test():
    y = np.repeat(np.arange(3), [30, 12, 6])
    for seed in range(5):
        train = gen.small_data_draw(y, 10, seed)
        assert np.bincount(y[train]).tolist() == [10, 8, 2]  # capped at count - 4
        assert np.bincount(y[~train]).tolist() == [20, 4, 4]
    assert np.array_equal(gen.small_data_draw(y, 10, 3), gen.small_data_draw(y, 10, 3))
    assert not np.array_equal(gen.small_data_draw(y, 10, 3), gen.small_data_draw(y, 10, 4))


def test_a_small_data_draw_refuses_a_gesture_too_small_to_test_on():
    y = np.repeat(np.arange(2), [30, 4])
    with pytest.raises(ValueError, match="'punch' has 4 recordings"):
        gen.small_data_draw(y, 5, 0, names=("flex", "punch"))


def _recording_calls(monkeypatch):
    calls = []

    def fake(example, settings, x_train, y_train, x_test, y_test, names, seed, description,
             model_bytes=None):
        calls.append({"train": x_train[:, 0, 0].tolist(), "test": x_test[:, 0, 0].tolist(),
                      "seed": seed})
        conf = np.zeros((len(names), len(names)), dtype=int)
        np.add.at(conf, (y_test, y_test), 1)
        return {"accuracy": 1.0, "balanced_accuracy": 1.0, "confusion": conf,
                "arena_bytes": None, "model_bytes": b""}

    monkeypatch.setattr(gen, "train_and_measure", fake)
    return calls


def test_leave_one_person_out_tests_each_person_on_a_model_that_never_saw_them(monkeypatch):
    calls = _recording_calls(monkeypatch)
    persons = np.array(["b", "a", "c", "a", "b", "c", "c"])
    x = np.zeros((7, 119, 6), np.float32)
    x[:, 0, 0] = np.arange(7)  # recording i carries its index
    y = np.array([0, 1, 0, 1, 0, 1, 1])
    result = gen.leave_one_person_out(None, x, y, persons, ("p", "q"), None, seed=5,
                                      log=lambda m: None)
    assert [r["person"] for r in result["rows"]] == ["a", "b", "c"]
    for call, person in zip(calls, "abc", strict=True):
        held = set(np.flatnonzero(persons == person).tolist())
        assert set(call["test"]) == held
        assert set(call["train"]) == set(range(7)) - held
    assert [c["seed"] for c in calls] == [5, 6, 7]
    assert [r["recordings"] for r in result["rows"]] == [2, 2, 3]
    assert np.asarray(result["confusion"]).sum() == 7


def test_the_small_data_curve_trains_on_the_draw_and_tests_on_every_other_recording(monkeypatch):
    calls = _recording_calls(monkeypatch)
    y = np.repeat(np.arange(2), [20, 9])
    x = np.zeros((29, 119, 6), np.float32)
    x[:, 0, 0] = np.arange(29)
    curve = gen.small_data_curve(None, x, y, ("p", "q"), None, sizes=(2, 8), draws=3, seed=1,
                                 log=lambda m: None)
    assert [r["per_gesture"] for r in curve["rows"]] == [2, 8]
    assert curve["rows"][1]["train_per_gesture"] == [8, 5]
    assert len(calls) == 6 and len({tuple(c["train"]) for c in calls}) == 6  # distinct draws
    for c in calls:
        assert sorted(c["train"] + c["test"]) == list(range(29))
    assert curve["rows"][0]["seeds"] == [2001, 2002, 2003]


def _people_folder(name, people):
    folder = work_dir() / f"people-{name}"
    for person, gestures in people.items():
        (folder / person).mkdir(parents=True, exist_ok=True)
        for i, gesture in enumerate(gestures):
            w = np.full((3, imu.WINDOW, 6), float(i), np.float32)
            imu.write_imu_csv(folder / person / f"{gesture}.csv", w)
    return folder


def test_the_people_loader_names_each_recordings_person():
    folder = _people_folder("ok", {"ann": ("flex", "punch"), "bob": ("flex", "punch")})
    x, y, names, persons = imu.load_people_folder(folder)
    assert x.shape == (12, imu.WINDOW, 6) and names == ("flex", "punch")
    assert persons == ("ann",) * 6 + ("bob",) * 6 and y.tolist() == [0, 0, 0, 1, 1, 1] * 2


def test_the_people_loader_refuses_one_person_and_differing_gestures():
    one = _people_folder("one", {"ann": ("flex", "punch")})
    with pytest.raises(imu.IMUFormatError, match="found 1 person folder"):
        imu.load_people_folder(one)
    odd = _people_folder("odd", {"ann": ("flex", "punch"), "bob": ("flex", "wave")})
    with pytest.raises(imu.IMUFormatError, match=r"bob: gestures flex, wave differ from .*ann"):
        imu.load_people_folder(odd)


def test_the_shipped_people_set_has_four_people_and_four_gestures():
    x, y, names, persons = imu.load_people_recordings()
    assert names == ("circle", "idle", "peak", "wave") and x.shape == (1013, imu.WINDOW, 6)
    assert sorted(set(persons)) == ["haoranli", "jiuenfeng", "tangerine", "yuhe_b"]
    # Converted to the course's units: about 1 g of gravity in the idle recordings.
    idle = x[y == names.index("idle")]
    assert np.median(np.linalg.norm(idle[..., :3], axis=-1)) == pytest.approx(1.0, abs=0.1)


def test_the_tables_show_every_size_and_every_person():
    rep = {"example": "gestures", "small_data_curve": {
        "data": "the shipped recordings", "split": "n per gesture", "names": ["p", "q"],
        "rows": [{"per_gesture": 5, "train_per_gesture": [5, 5], "seeds": [5000, 5001],
                  "accuracy": [0.5, 0.7], "balanced_accuracy": [0.4, 0.6], "accuracy_mean": 0.6,
                  "accuracy_min": 0.5, "accuracy_max": 0.7}]},
        "leave_one_person_out": {
            "data": "data/people_gestures", "names": ["p", "q"], "seed": 0, "accuracy_mean": 0.75,
            "pooled_accuracy": 0.8, "confusion": [[3, 1], [0, 4]],
            "rows": [{"person": "ann", "recordings": 4, "accuracy": 1.0, "balanced_accuracy": 1.0},
                     {"person": "bob", "recordings": 4, "accuracy": 0.5, "balanced_accuracy": 0.5}]}}
    curve = "\n".join(small_data_lines(rep))
    assert "| 5 | 5 p, 5 q | 2 (5000, 5001) | 60.0 % [50.0, 70.0] | 50.0 % |" in curve
    people = "\n".join(people_lines(rep))
    assert "mean over people 75.0 %, all recordings pooled 80.0 %" in people
    assert "| bob | 4 | 50.0 % | 50.0 % |" in people and "| p | 3 | 1 | 75.0 % |" in people
