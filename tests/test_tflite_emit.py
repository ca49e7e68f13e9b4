"""`python -m tflite emit`: C arrays, the op resolver, the measured arena, and every bad input."""

from __future__ import annotations

import re

import pytest

from tests.tflite_fixtures import run_cli, tiny_models, work_dir
from tflite.board_rules import MICRO_RESOLVER_METHODS
from tflite.emit import (
    check_c_identifier,
    emit_model,
    read_c_array,
    staged_folder,
)
from tflite.errors import PipelineError
from tflite.micro import arena_size_for, measure_arena
from tflite.model_info import inspect_model, read_model_file


@pytest.fixture(scope="module")
def models():
    return tiny_models()


@pytest.fixture(scope="module")
def emitted(models):
    out = work_dir() / "emit-ok"
    proc = run_cli("emit", models["int8"], "--out", out, "--name", "g_model")
    assert proc.returncode == 0, proc.stderr
    return out


def test_emit_writes_the_four_files(emitted):
    names = sorted(p.name for p in emitted.iterdir())
    assert names == ["model.tflite", "model_data.cc", "model_data.h", "op_resolver.h"]


def test_parsing_model_data_cc_back_gives_exactly_the_model(emitted, models):
    back = read_c_array(emitted / "model_data.cc", "g_model")
    assert back == models["int8"].read_bytes() == (emitted / "model.tflite").read_bytes()
    length = re.search(r"const unsigned int g_model_len = (\d+);", (emitted / "model_data.cc").read_text())
    assert int(length.group(1)) == len(back)


def test_model_data_is_const_aligned_and_documented(emitted, models):
    import hashlib

    cc = (emitted / "model_data.cc").read_text()
    h = (emitted / "model_data.h").read_text()
    data = models["int8"].read_bytes()
    info = inspect_model(data)
    assert "alignas(16) const unsigned char g_model[] = {" in cc
    assert hashlib.sha256(data).hexdigest() in cc
    inp, out = info.inputs[0], info.outputs[0]
    assert f"Input:     int8 {inp.shape}, scale {inp.scale!r}, zero point {inp.zero_point}" in cc
    assert f"Output:    int8 {out.shape}, scale {out.scale!r}, zero point {out.zero_point}" in cc
    assert "#ifndef G_MODEL_MODEL_DATA_H_" in h and "#define G_MODEL_MODEL_DATA_H_" in h
    assert "extern const unsigned char g_model[];" in h
    assert "extern const unsigned int g_model_len;" in h


def test_arena_is_measured_plus_margin_rounded_to_16(emitted, models):
    data = models["int8"].read_bytes()
    used = measure_arena(data)
    h = (emitted / "model_data.h").read_text()
    size = int(re.search(r"constexpr int kTensorArenaSize = (\d+);", h).group(1))
    assert size == arena_size_for(used)
    assert size % 16 == 0 and size >= used + 1024
    assert f"used {used} bytes" in h


def test_op_resolver_has_one_add_per_distinct_operator(emitted, models):
    info = inspect_model(models["int8"].read_bytes())
    text = (emitted / "op_resolver.h").read_text()
    n = int(re.search(r"MicroMutableOpResolver<(\d+)>", text).group(1))
    assert n == len(set(info.operators)) == len(info.operators)
    adds = re.findall(r"resolver\.(Add\w+)\(\)", text)
    assert adds == [MICRO_RESOLVER_METHODS[op] for op in info.operators]
    assert "return kTfLiteError" in text  # a failing Add is reported


def test_custom_array_name_is_used(models):
    out = work_dir() / "emit-named"
    emit_model(models["int8"], out, name="digit_model")
    assert read_c_array(out / "model_data.cc", "digit_model") == models["int8"].read_bytes()
    assert "extern const unsigned int digit_model_len;" in (out / "model_data.h").read_text()


@pytest.mark.parametrize("name", ["g_model", "_m", "model2", "kModel"])
def test_good_array_names(name):
    assert check_c_identifier(name) == name


@pytest.mark.parametrize("name", ["2model", "g-model", "g model", "", "int", "class", "__x", "_X", "modèle"])
def test_bad_array_names(name):
    with pytest.raises(PipelineError, match="array name"):
        check_c_identifier(name)


# --------------------------------------------------------------------------- bad input


def _expect_refusal(args, out, *needles):
    proc = run_cli("emit", *args, "--out", out)
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip().splitlines()[-1]
    assert err.startswith("error: "), err
    for needle in needles:
        assert needle in err, f"{needle!r} not in {err!r}"
    assert not out.exists(), f"a partial output folder was left at {out}"
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.tmp")]
    assert not leftovers, leftovers
    return err


def test_missing_path():
    out = work_dir() / "bad-missing"
    _expect_refusal([work_dir() / "nope.tflite"], out, "nope.tflite", "no such file")


def test_not_a_flatbuffer():
    bad = work_dir() / "notes.tflite"
    bad.write_text("this is not a model, just some text that is long enough")
    _expect_refusal([bad], work_dir() / "bad-text", "notes.tflite", "not a TFLite flatbuffer")


def test_truncated_model(models):
    data = models["int8"].read_bytes()
    for cut in (len(data) // 2, len(data) - 40):
        bad = work_dir() / f"truncated-{cut}.tflite"
        bad.write_bytes(data[:cut])
        _expect_refusal([bad], work_dir() / f"bad-trunc-{cut}", bad.name, "truncated or corrupt")


def test_float_model_is_refused_with_the_reason(models):
    err = _expect_refusal([models["float32"]], work_dir() / "bad-float", "float32.tflite",
                          "refused for the micro target", "float32 model")
    assert "full-integer" in err
    # The reason is the course's choice, not a TFLite Micro limit: TFLite Micro runs float32.
    assert "TFLite Micro runs it" in err and "by choice" in err
    assert "cannot run" not in err


def test_dynamic_range_model_is_refused_with_the_reason(models):
    info = inspect_model(models["dynamic_range"].read_bytes())
    assert info.kind == "dynamic_range"
    _expect_refusal([models["dynamic_range"]], work_dir() / "bad-dynamic", "dynamic_range.tflite",
                    "refused for the micro target", "dynamic-range (hybrid)",
                    "TFLite Micro cannot run it")


def test_operator_tflite_micro_lacks(models):
    _expect_refusal([models["gelu_int8"]], work_dir() / "bad-gelu", "gelu_int8.tflite", "GELU",
                    "not available in TFLite Micro")


def test_a_model_converted_without_a_fixed_batch_is_told_to_use_batch_1(models):
    _expect_refusal([models["dynamic_batch_int8"]], work_dir() / "bad-batch", "dynamic_batch_int8.tflite",
                    "batch size that is not fixed", "fixed batch of 1")


def test_bad_array_name_on_the_command_line(models):
    out = work_dir() / "bad-name"
    proc = run_cli("emit", models["int8"], "--out", out, "--name", "3d-model")
    assert proc.returncode == 2
    assert "error: array name '3d-model' is not a C identifier" in proc.stderr
    assert not out.exists()


def test_float_mode_cannot_be_deployed_by_build():
    proc = run_cli("build", "--example", "sine", "--deploy", "float16", "--out", work_dir() / "x")
    assert proc.returncode == 2
    assert "--deploy float16" in proc.stderr and "full-integer" in proc.stderr
    assert "TFLite Micro cannot run" in proc.stderr  # a TFLite Micro limit, not a choice


def test_model_too_big_for_the_board_is_refused(models, monkeypatch):
    import tflite.board_rules as mi

    monkeypatch.setattr(mi, "MAX_MODEL_BYTES", 100)
    with pytest.raises(PipelineError, match="more than the 100 bytes"):
        emit_model(models["int8"], work_dir() / "too-big")
    assert not (work_dir() / "too-big").exists()


def test_arena_too_big_for_the_board_is_refused(models, monkeypatch):
    import tflite.emit as em

    monkeypatch.setattr(em, "MAX_ARENA_BYTES", 64)
    with pytest.raises(PipelineError, match="tensor arena needs"):
        emit_model(models["int8"], work_dir() / "arena-too-big")
    assert not (work_dir() / "arena-too-big").exists()


def test_read_model_file_accepts_a_good_model(models):
    assert read_model_file(models["int8"]) == models["int8"].read_bytes()


def test_staged_folder_leaves_nothing_on_failure():
    dest = work_dir() / "staged"
    with pytest.raises(RuntimeError):
        with staged_folder(dest) as tmp:
            (tmp / "half.txt").write_text("half")
            raise RuntimeError("boom")
    assert not dest.exists()
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(".staged")]


def test_staged_folder_replaces_an_old_folder_only_when_complete():
    dest = work_dir() / "staged2"
    dest.mkdir()
    (dest / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with staged_folder(dest) as tmp:
            (tmp / "new.txt").write_text("new")
            raise RuntimeError("boom")
    assert (dest / "old.txt").exists()
    with staged_folder(dest) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in dest.iterdir()) == ["new.txt"]


def test_dense_layers_are_per_tensor_by_default_and_per_channel_ones_are_flagged(models):
    assert inspect_model(models["int8"].read_bytes()).notes == []
    info = inspect_model(models["int8_per_channel"].read_bytes())
    assert info.full_integer and "per-channel" in info.notes[0] and "PR #2673" in info.notes[0]
    out = work_dir() / "emit-per-channel"
    proc = run_cli("emit", models["int8_per_channel"], "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "warning: " in proc.stderr and "FULLY_CONNECTED layer(s) with per-channel weights" in proc.stderr


def test_isolated_arena_measurement_matches_the_in_process_one(models):
    from tflite.micro import measure_arena_isolated

    data = models["int8"].read_bytes()
    assert measure_arena_isolated(data, "tiny") == measure_arena(data, "tiny")


def test_a_runtime_crash_becomes_an_error_naming_the_model(models, monkeypatch):
    # Some models make the TFLite Micro runtime abort the process from C++ (seen with an
    # int8 MobileNet); stand in for such a model with a probe that aborts the same way.
    import tflite.micro

    monkeypatch.setattr(tflite.micro, "_ARENA_PROBE", "import os\nos.abort()")
    out = work_dir() / "emit-crash"
    crashed = r"mobilenet.tflite: the TFLite Micro runtime crashed \(SIGABRT\)"
    with pytest.raises(PipelineError, match=crashed):
        tflite.micro.measure_arena_isolated(models["int8"].read_bytes(), "mobilenet.tflite")
    with pytest.raises(PipelineError, match=r"crashed \(SIGABRT\)"):
        emit_model(models["int8"], out)
    assert not out.exists()
