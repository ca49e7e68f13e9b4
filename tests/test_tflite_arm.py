"""The board's compiler accepts the generated C++ and keeps the model in flash.

Uses the Debian cross-compiler ``arm-none-eabi-g++`` (package gcc-arm-none-eabi, which
``.ci/run`` installs) with the Nano 33 BLE Sense's core flags. Without the compiler the
tests skip on a workstation, but fail in CI (``CI`` set).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.tflite_fixtures import tiny_models, work_dir
from tflite.emit import emit_model
from tflite.model_info import inspect_model

CXX = "arm-none-eabi-g++"
CPU_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=softfp", "-Os"]


def _require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing in CI; install the Debian package gcc-arm-none-eabi")
        pytest.skip(f"{tool} not installed (apt-get install gcc-arm-none-eabi)")
    return path


@pytest.fixture(scope="module")
def emitted():
    out = work_dir() / "arm-emit"
    emit_model(tiny_models()["int8"], out)
    return out


def _compile(source, out_dir, extra=()):
    obj = out_dir / (source.stem + ".o")
    proc = subprocess.run(
        [_require(CXX), "-c", str(source), "-I", str(source.parent), "-std=gnu++17", *CPU_FLAGS,
         "-fdata-sections", "-Wall", "-Werror", *extra, "-o", str(obj)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stderr
    return obj


def test_model_data_compiles_for_cortex_m4_into_flash(emitted):
    obj = _compile(emitted / "model_data.cc", emitted)
    objdump = _require("arm-none-eabi-objdump")
    table = subprocess.run([objdump, "-t", str(obj)], capture_output=True, text=True, check=True).stdout
    rows = {line.split()[-1]: line for line in table.splitlines() if line.strip().endswith("g_model")}
    assert "g_model" in rows, table
    section = rows["g_model"].split()[3]
    assert section.startswith(".rodata"), f"g_model is in {section}, not read-only data (flash)"
    assert not section.startswith((".data", ".bss")), f"g_model would be copied to RAM ({section})"
    size = int(rows["g_model"].split()[4], 16)
    assert size == (emitted / "model.tflite").stat().st_size


def test_model_array_is_16_byte_aligned(emitted):
    obj = _compile(emitted / "model_data.cc", emitted)
    readelf = _require("arm-none-eabi-readelf")
    sections = subprocess.run([readelf, "-S", "-W", str(obj)], capture_output=True, text=True,
                              check=True).stdout
    table = subprocess.run([_require("arm-none-eabi-objdump"), "-t", str(obj)], capture_output=True,
                           text=True, check=True).stdout
    line = next(ln for ln in table.splitlines() if ln.strip().endswith(" g_model"))
    section, address = line.split()[3], int(line.split()[0], 16)
    row = next(ln for ln in sections.splitlines() if re.search(rf"\] {re.escape(section)}\s", ln))
    align = int(row.split()[-1])
    assert align >= 16 and address % 16 == 0, (row, line)


def test_op_resolver_header_compiles_against_the_resolver_interface(emitted, tmp_path):
    # The real TFLite Micro headers come with the Arduino library; a stub with the same
    # interface proves the generated header is valid C++ that calls exactly these methods.
    info = inspect_model((emitted / "model.tflite").read_bytes())
    stub_dir = tmp_path / "tensorflow" / "lite" / "micro"
    stub_dir.mkdir(parents=True)
    from tflite.board_rules import MICRO_RESOLVER_METHODS

    methods = "\n".join(f"  TfLiteStatus {MICRO_RESOLVER_METHODS[op]}() {{ return Add(); }}"
                        for op in info.operators)
    (stub_dir / "micro_mutable_op_resolver.h").write_text(
        "#pragma once\n"
        "enum TfLiteStatus { kTfLiteOk = 0, kTfLiteError = 1 };\n"
        "namespace tflite {\n"
        "template <unsigned int tOpCount> class MicroMutableOpResolver {\n public:\n"
        f"{methods}\n"
        " private:\n  TfLiteStatus Add() { return n_ < tOpCount ? (++n_, kTfLiteOk) : kTfLiteError; }\n"
        "  unsigned int n_ = 0;\n};\n}  // namespace tflite\n"
    )
    shutil.copy(emitted / "op_resolver.h", tmp_path / "op_resolver.h")
    main = tmp_path / "use_resolver.cc"
    main.write_text(
        '#include "op_resolver.h"\n'
        "int Setup() { static ModelOpResolver r; return RegisterOps(r) == kTfLiteOk ? 0 : 1; }\n"
    )
    _compile(main, tmp_path, extra=["-I", str(tmp_path)])
