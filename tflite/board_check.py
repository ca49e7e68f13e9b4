"""The board's kernels, run without a board: each example's inference path on an emulated Cortex-M4.

The Python TFLite Micro runtime (:mod:`tflite.micro`) runs the reference kernels; the Nano 33
BLE Sense runs the CMSIS-NN kernels that ship in the Arduino library. This module runs those:

1. finds the Arduino library where a user has it after following the README (the Arduino
   sketchbook's ``libraries/`` folder, or a folder named by ``ARDUINO_LIBRARIES``) and checks
   it is the pinned version (:data:`tflite.sketches.TFLM_LIBRARY_VERSION`);
2. compiles the library's ``.cpp``/``.c`` files with ``arm-none-eabi-g++`` for the board's core
   (the Arduino mbed core's flags for the Nano 33 BLE, :data:`CPU_FLAGS`, plus ``-DARDUINO``,
   which selects the CMSIS-NN registrations, and ``-DARDUINO_EXCLUDE_CODE``, which leaves out
   the library's ``Serial`` code) once, into ``build/board/tflm-<version>-<key>/``, where the
   key hashes the compiler, the flags and the file list (the first build takes about 2.5 min
   on 2 cores; later checks reuse the archive);
3. per example, compiles the sketch folder's own ``inference.cc`` and ``model_data.cc`` (the
   files the Arduino IDE compiles: what is tested is what is flashed) with a small harness
   (``tflite/board/``: ``main()``, the start-up code the Arduino core usually gives, a linker
   script for QEMU's ``mps2-an386``), links the held-out inputs into a section of their own,
   and runs the image under ``qemu-system-arm -icount shift=0`` with semihosting;
4. compares every int8 output with the Python TFLite Micro runtime on the same inputs, and
   the sketch's quantize/dequantize with :func:`tflite.quantization.quantize`/``dequantize``.

Reported per example (``board_check.json`` beside ``report.json``): agreement, the arena the
board build uses (``arena_used_bytes()``) against ``kTensorArenaSize``, flash (text + rodata,
held-out inputs excluded) and static RAM (data + bss, arena included) against the board's
983,040 B and 262,144 B, and instructions per inference.

**Instructions, not cycles.** With ``-icount shift=0`` QEMU advances its virtual clock by
exactly 2^0 = 1 ns per guest instruction, and the Cortex-M4 SysTick (processor clock source)
counts that virtual time. The harness first times a loop of a known instruction count (an
assembler loop of ``subs``/``bne``, 2 x 200,000 instructions) to get instructions per SysTick
tick (40 on QEMU 7.2, whose mps2 clock is 25 MHz), then times each ``Invoke()`` with SysTick.
That is an instruction count, a proxy: the board's cycles also depend on flash wait states,
pipeline stalls and multi-cycle instructions (a Cortex-M4 multiply-accumulate or load takes
more than one cycle), which QEMU does not model.

Run it with ``make board-check`` or ``python -m tflite.board_check [build/tflite]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from tflite.errors import PipelineError
from tflite.sketches import TFLM_HEADER, TFLM_LIBRARY, TFLM_LIBRARY_VERSION

REPO = Path(__file__).resolve().parent.parent
HARNESS = Path(__file__).resolve().parent / "board"

#: The board's memory: nRF52840 flash left to a sketch by the bootloader (0xF0000, the core's
#: APPLICATION_SIZE) and its SRAM (MBED_RAM_SIZE).
BOARD_FLASH_BYTES = 983_040
BOARD_RAM_BYTES = 262_144

CXX = "arm-none-eabi-g++"
CC = "arm-none-eabi-gcc"
#: The Arduino mbed core's compiler flags for the Nano 33 BLE (ArduinoCore-mbed,
#: variants/ARDUINO_NANO33BLE/cflags.txt and cxxflags.txt), C++17 because TFLite Micro needs it.
CPU_FLAGS = ["-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=softfp"]
COMMON_FLAGS = [
    *CPU_FLAGS, "-Os", "-fdata-sections", "-ffunction-sections", "-funsigned-char",
    "-fno-delete-null-pointer-checks", "-fomit-frame-pointer", "-fno-exceptions",
    # ARDUINO selects the CMSIS-NN kernels; ARDUINO_EXCLUDE_CODE drops the library's Serial
    # DebugLog (the harness gives its own). Every object must see the same defines: the
    # tensor structs change layout with them (and TF_LITE_STATIC_MEMORY stays undefined).
    "-DARDUINO=10607", "-DARDUINO_ARCH_MBED", "-DARDUINO_EXCLUDE_CODE",
]
CXX_FLAGS = ["-std=gnu++17", "-fno-rtti", "-fno-use-cxa-atexit"]
C_FLAGS = ["-std=gnu11"]
#: Include folders of the library, relative to its ``src/``.
INCLUDE_DIRS = [
    ".", "third_party/flatbuffers/include", "third_party/gemmlowp", "third_party/ruy",
    "third_party/cmsis", "third_party/cmsis/CMSIS/Core/Include", "third_party/cmsis_nn",
    "third_party/cmsis_nn/Include", "third_party/kissfft",
]
QEMU = "qemu-system-arm"
QEMU_ARGS = ["-M", "mps2-an386", "-nographic", "-monitor", "none", "-serial", "none",
             "-semihosting-config", "enable=on,target=native", "-icount", "shift=0"]
#: Environment variable naming extra ``libraries/`` folders (os.pathsep-separated), searched first.
LIBRARIES_ENV = "ARDUINO_LIBRARIES"
#: Float inputs per example whose quantization the board repeats (first held-out samples).
QUANTIZE_PROBE_VALUES = 8_000


class LibraryNotFound(PipelineError):
    """The Arduino library is not where a user has it; ``searched`` lists the folders tried."""

    def __init__(self, message: str, searched: list[Path]):
        super().__init__(message)
        self.searched = searched


def library_folders() -> list[Path]:
    """The ``libraries/`` folders searched, in order: ``$ARDUINO_LIBRARIES``, arduino-cli's
    ``$ARDUINO_DIRECTORIES_USER/libraries``, then the Arduino IDE's default sketchbooks
    (``~/Arduino`` on Linux, ``~/Documents/Arduino`` on macOS and Windows)."""
    folders = [Path(p).expanduser() for p in os.environ.get(LIBRARIES_ENV, "").split(os.pathsep)
               if p]
    user = os.environ.get("ARDUINO_DIRECTORIES_USER")
    if user:
        folders.append(Path(user).expanduser() / "libraries")
    home = Path.home()
    folders += [home / "Arduino" / "libraries", home / "Documents" / "Arduino" / "libraries"]
    return folders


def _properties(folder: Path) -> dict:
    props = {}
    path = folder / "library.properties"
    if path.is_file():
        for line in path.read_text(errors="replace").splitlines():
            if "=" in line and not line.lstrip().startswith("#"):
                key, value = line.split("=", 1)
                props[key.strip()] = value.strip()
    return props


def find_library(version: str = TFLM_LIBRARY_VERSION) -> Path:
    """The folder of the Arduino library :data:`TFLM_LIBRARY` at ``version``.

    A ``libraries/`` folder may hold it under any folder name (the Library Manager calls it
    ``Chirale_TensorFLowLite``, a git clone ``Chirale_TensorFlowLite``); it is recognised by
    its ``library.properties``. A folder given in ``$ARDUINO_LIBRARIES`` may also be the
    library itself. Raises :class:`LibraryNotFound` naming every folder searched.
    """
    searched = library_folders()
    other_versions = []
    for folder in searched:
        candidates = [folder] + (sorted(p for p in folder.iterdir() if p.is_dir())
                                 if folder.is_dir() else [])
        for cand in candidates:
            props = _properties(cand)
            if props.get("name", "").lower() != TFLM_LIBRARY.lower():
                continue
            if props.get("version") == version and (cand / "src" / TFLM_HEADER).is_file():
                return cand
            other_versions.append(f"{cand} (version {props.get('version', '?')})")
    where = ", ".join(str(f) for f in searched)
    found = f"; found only {', '.join(other_versions)}" if other_versions else ""
    raise LibraryNotFound(
        f"the Arduino library {TFLM_LIBRARY} {version} was not found in {where}{found}. Install "
        f'it with `arduino-cli lib install "{TFLM_LIBRARY}@{version}"` (or the IDE\'s Library '
        f"Manager), or name its libraries/ folder in ${LIBRARIES_ENV}",
        searched,
    )


def missing_tools() -> list[str]:
    """The cross tool-chain and emulator programs not on PATH."""
    tools = [CXX, CC, "arm-none-eabi-ar", "arm-none-eabi-size", QEMU]
    return [t for t in tools if shutil.which(t) is None]


def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)


def _library_sources(src: Path) -> list[Path]:
    files = [p for ext in ("*.cpp", "*.cc", "*.c") for p in src.rglob(ext)]
    return sorted(p for p in files if "peripherals" not in p.relative_to(src).parts)


def _compiler_id() -> str:
    return _run([CXX, "--version"]).stdout.splitlines()[0]


def library_key(lib: Path) -> str:
    """The cache key of a library build: compiler, flags and the source list."""
    src = lib / "src"
    h = hashlib.sha256()
    for part in (_compiler_id(), *COMMON_FLAGS, *CXX_FLAGS, *C_FLAGS, *INCLUDE_DIRS):
        h.update(part.encode() + b"\0")
    for p in _library_sources(src):
        st = p.stat()
        h.update(f"{p.relative_to(src)}:{st.st_size}\0".encode())
    return h.hexdigest()[:12]


def include_flags(lib: Path) -> list[str]:
    src = lib / "src"
    return [f"-I{src / d}" for d in INCLUDE_DIRS]


def compile_library(lib: Path, cache_root: Path = REPO / "build" / "board",
                    jobs: int | None = None, log=print) -> Path:
    """Compile every library source once; returns the static archive (cached under
    ``cache_root/tflm-<version>-<key>/``, reused while compiler, flags and files match)."""
    version = _properties(lib).get("version", "unknown")
    out = Path(cache_root) / f"tflm-{version}-{library_key(lib)}"
    archive = out / "libtflm.a"
    if archive.is_file():
        return archive
    src = lib / "src"
    sources = _library_sources(src)
    objects = [out / "obj" / (str(p.relative_to(src)) + ".o") for p in sources]
    todo = [(s, o) for s, o in zip(sources, objects, strict=True) if not o.is_file()]
    # The runtime, the CMSIS-NN sources and the kernels' shared code first, one kernel per
    # operator last: an interrupted first build has what small models link against.
    todo.sort(key=lambda pair: ("micro/kernels/" in pair[0].as_posix()
                                and "cmsis_nn" not in pair[0].as_posix()
                                and not pair[0].stem.endswith(("_common", "kernel_util")),
                                "experimental" in pair[0].as_posix(), pair[0]))
    log(f"board check: compiling {len(todo)} of {len(sources)} files of {TFLM_LIBRARY} "
        f"{version} for the Cortex-M4 -> {out} (once; about 2.5 min on 2 cores)")
    incs = include_flags(lib)
    t0 = time.time()

    def compile_one(pair):
        source, obj = pair
        if obj.is_file():  # another check compiled it meanwhile
            return None
        obj.parent.mkdir(parents=True, exist_ok=True)
        tmp = obj.with_suffix(f".tmp{os.getpid()}")
        lang = C_FLAGS if source.suffix == ".c" else CXX_FLAGS
        tool = CC if source.suffix == ".c" else CXX
        proc = _run([tool, "-c", source, *COMMON_FLAGS, *lang, *incs, "-o", tmp])
        if proc.returncode != 0:
            tmp.unlink(missing_ok=True)
            return f"{source}: {proc.stderr.strip()[-2000:]}"
        tmp.replace(obj)
        return None

    with ThreadPoolExecutor(jobs or os.cpu_count() or 2) as pool:
        errors = [e for e in pool.map(compile_one, todo) if e]
    if errors:
        raise PipelineError(f"compiling {TFLM_LIBRARY} failed ({len(errors)} files): {errors[0]}")
    tmp_archive = archive.with_suffix(f".tmp{os.getpid()}")
    tmp_archive.unlink(missing_ok=True)
    proc = _run(["arm-none-eabi-ar", "rcs", tmp_archive, *objects])
    if proc.returncode != 0:
        raise PipelineError(f"arm-none-eabi-ar failed: {proc.stderr.strip()}")
    tmp_archive.replace(archive)
    log(f"board check: library compiled in {time.time() - t0:.0f} s")
    return archive


HELDOUT_NAME = "heldout.npz"
RESULT_NAME = "board_check.json"


def held_out(example_dir: Path) -> tuple[np.ndarray, np.ndarray]:
    """The held-out real-valued inputs and targets ``python -m tflite build`` evaluated on."""
    path = Path(example_dir) / HELDOUT_NAME
    if not path.is_file():
        raise PipelineError(
            f"{path} is missing: {example_dir} was built before the board check existed; "
            "rebuild it with `make tinyml` (python -m tflite build)"
        )
    with np.load(path) as f:
        return np.asarray(f["x"], dtype=np.float32), np.asarray(f["y"])


def _sections(elf: Path) -> dict[str, int]:
    proc = _run(["arm-none-eabi-size", "-A", elf])
    if proc.returncode != 0:
        raise PipelineError(f"arm-none-eabi-size failed on {elf}: {proc.stderr.strip()}")
    sizes = {}
    for line in proc.stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0].startswith(".") and parts[1].isdigit():
            sizes[parts[0]] = int(parts[1])
    return sizes


def memory_figures(elf: Path) -> dict:
    """Flash and static RAM of an image, from ``arm-none-eabi-size -A``.

    flash = everything stored in flash except the held-out inputs: text (code, vector table,
    unwind tables, constructor lists), rodata (the model array, constants) and the initial
    values of .data; RAM = data + bss (the arena is in bss). No stack or heap counted."""
    s = _sections(elf)
    ram_sections = (".data", ".bss")
    flash_sections = [k for k in s if k not in (".bss", ".heldout") and not k.startswith(
        (".debug", ".comment", ".ARM.attributes", ".stab"))]
    text = sum(v for k, v in s.items() if k in flash_sections and k not in (".rodata", ".data"))
    return {
        "text": text,
        "rodata": s.get(".rodata", 0),
        "data": s.get(".data", 0),
        "bss": s.get(".bss", 0),
        "flash": sum(s[k] for k in flash_sections),
        "ram": sum(s.get(k, 0) for k in ram_sections),
        "heldout_inputs": s.get(".heldout", 0),
        "flash_limit": BOARD_FLASH_BYTES,
        "ram_limit": BOARD_RAM_BYTES,
    }


def _compile(source: Path, obj: Path, includes: list[str], extra=()) -> None:
    tool = CC if source.suffix in (".c", ".S") else CXX
    lang = C_FLAGS if source.suffix == ".c" else ([] if source.suffix == ".S" else CXX_FLAGS)
    proc = _run([tool, "-c", source, *COMMON_FLAGS, *lang, "-Wall", *includes, *extra,
                 "-o", obj])
    if proc.returncode != 0:
        raise PipelineError(f"board check: compiling {source} failed:\n{proc.stderr.strip()}")


def build_image(example_dir: Path, archive: Path, lib: Path, work: Path,
                inputs_int8: np.ndarray, probe: np.ndarray) -> Path:
    """Compile the sketch's inference.cc and model_data.cc with the harness; link the image."""
    example_dir = Path(example_dir)
    sketch = example_dir / "arduino" / example_dir.name
    missing = [f for f in ("inference.cc", "inference.h", "model_data.cc", "model_data.h",
                           "op_resolver.h") if not (sketch / f).is_file()]
    if missing:
        raise PipelineError(
            f"{sketch}: no {', '.join(missing)}; rebuild with `make tinyml` (the sketch folders "
            "share their inference path with the board check since issue 13)"
        )
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    (work / "inputs.bin").write_bytes(np.ascontiguousarray(inputs_int8, dtype=np.int8).tobytes())
    (work / "probe.bin").write_bytes(np.ascontiguousarray(probe, dtype="<f4").tobytes())
    includes = [f"-I{sketch}", *include_flags(lib)]
    objects = []
    for source in (sketch / "inference.cc", sketch / "model_data.cc", HARNESS / "main.cc",
                   HARNESS / "startup.c"):
        obj = work / (source.name + ".o")
        _compile(source, obj, includes)
        objects.append(obj)
    obj = work / "heldout.S.o"
    _compile(HARNESS / "heldout.S", obj, [], [f"-DNUM_INPUTS={len(inputs_int8)}",
                                              f"-DNUM_PROBE={len(probe)}", f"-Wa,-I,{work}"])
    objects.append(obj)
    elf = work / "image.elf"
    proc = _run([CXX, *CPU_FLAGS, "-specs=rdimon.specs", "-nostartfiles",
                 f"-T{HARNESS / 'mps2_an386.ld'}", "-Wl,--gc-sections", *objects, archive,
                 "-lm", "-o", elf])
    if proc.returncode != 0:
        raise PipelineError(f"board check: linking {elf} failed:\n{proc.stderr.strip()}")
    return elf


def run_image(elf: Path, timeout: int = 900) -> str:
    """Run an image under QEMU (mps2-an386, semihosting, ``-icount shift=0``); its stdout."""
    try:
        proc = _run([QEMU, *QEMU_ARGS, "-kernel", elf], timeout=timeout)
    except subprocess.TimeoutExpired:
        raise PipelineError(
            f"board check: {elf} did not finish within {timeout} s under QEMU") from None
    if "done" not in proc.stdout.splitlines():
        said = (proc.stdout.strip().splitlines()[-3:] + proc.stderr.strip().splitlines()[-5:])
        raise PipelineError(f"board check: {elf} stopped early under QEMU (status "
                            f"{proc.returncode}): {' | '.join(said) or 'no output'}")
    return proc.stdout


def parse_output(text: str, n_out: int) -> dict:
    """The harness's records (see tflite/board/main.cc) as arrays."""
    outputs, ticks, quantized, dequantized = [], [], [], []
    rec: dict = {}
    for line in text.splitlines():
        kind, _, rest = line.partition(" ")
        if kind == "arena":
            used, size = rest.split()
            rec["arena_used"], rec["arena_size"] = int(used), int(size)
        elif kind == "calib":
            rec["calib"] = [int(v) for v in rest.split()]
        elif kind == "o":
            _, t, hexes = rest.split()
            ticks.append(int(t))
            outputs.append(np.frombuffer(bytes.fromhex(hexes), dtype=np.int8))
        elif kind == "q":
            quantized += [int(v, 16) for v in rest.split()]
        elif kind == "d":
            dequantized += [int(v, 16) for v in rest.split()]
    rec["outputs"] = np.stack(outputs) if outputs else np.zeros((0, n_out), np.int8)
    rec["ticks"] = np.asarray(ticks, dtype=np.int64)
    rec["quantized"] = np.asarray(quantized, dtype=np.uint8).view(np.int8)
    rec["dequantized"] = np.asarray(dequantized, dtype=np.uint32).view(np.float32)
    return rec


def instructions_per_tick(calib: list[int]) -> float:
    """Instructions one SysTick tick stands for: the loop of ``n`` more iterations
    (2 instructions each) between the two calibration runs, over its extra ticks."""
    n, t1, t2 = calib
    if t2 <= t1:
        raise PipelineError(f"board check: SysTick calibration failed ({calib}); is -icount on?")
    return 2 * n / (t2 - t1)


def select_inputs(n: int, limit: int | None) -> np.ndarray:
    """Indices of the held-out inputs checked: all, or ``limit`` of them evenly spread."""
    if limit is None or limit >= n:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def check_example(example_dir, archive: Path, lib: Path, work_root: Path,
                  limit: int | None = None, log=print) -> dict:
    """Run one built example's inference path on the emulated board; compare with Python.

    Returns the record ``board_check.json`` holds (see the module docstring); ``agree`` is
    True only if every int8 output, every quantized probe value and every dequantized value
    equals the Python side bit for bit; ``mismatches`` names the first differing inputs.
    """
    from tflite.micro import runtime_model
    from tflite.model_info import inspect_model
    from tflite.quantization import dequantize, quantize

    example_dir = Path(example_dir)
    name = example_dir.name
    t0 = time.time()
    model = (example_dir / "model.tflite").read_bytes()
    info = inspect_model(model, f"{name}/model.tflite")
    inp, out = info.inputs[0], info.outputs[0]
    x, _ = held_out(example_dir)
    idx = select_inputs(len(x), limit)
    x_int8 = quantize(x[idx], inp.scale, inp.zero_point)
    n_in = int(np.prod(x_int8.shape[1:]))
    probe = x[idx].reshape(-1)[:QUANTIZE_PROBE_VALUES]
    # TFLite Micro's Python runtime; LiteRT's reference kernels where it is missing.
    python_out = runtime_model(model, name).run(x_int8).reshape(len(idx), -1)

    elf = build_image(example_dir, archive, lib, Path(work_root) / name,
                      x_int8.reshape(len(idx), n_in), probe)
    t_run = time.time()
    rec = parse_output(run_image(elf), python_out.shape[1])
    qemu_seconds = time.time() - t_run
    board = rec["outputs"]
    if board.shape != python_out.shape:
        raise PipelineError(f"board check: {name}: the board gave outputs of shape {board.shape}, "
                            f"Python {python_out.shape}")
    diff = np.abs(board.astype(np.int16) - python_out.astype(np.int16))
    per_input = diff.max(axis=1)
    bad = np.flatnonzero(per_input)
    mismatches = [{"input": int(idx[i]), "max_diff_int8_steps": int(per_input[i]),
                   "board": board[i].tolist(), "python": python_out[i].tolist()}
                  for i in bad[:10]]
    q_ref = quantize(probe, inp.scale, inp.zero_point)
    q_bad = np.flatnonzero(rec["quantized"] != q_ref) if len(rec["quantized"]) == len(q_ref) \
        else np.arange(len(q_ref))
    d_ref = dequantize(np.arange(-128, 128), out.scale, out.zero_point).astype(np.float32)
    d_same = len(rec["dequantized"]) == 256 and np.array_equal(
        rec["dequantized"].view(np.uint32), d_ref.view(np.uint32))
    ipt = instructions_per_tick(rec["calib"])
    report = json.loads((example_dir / "report.json").read_text())
    result = {
        "example": name,
        "library": f"{TFLM_LIBRARY} {_properties(lib).get('version')}",
        "inputs_checked": int(len(idx)),
        "inputs_held_out": int(len(x)),
        "outputs_identical": int(len(idx) - len(bad)),
        "agree": bool(len(bad) == 0 and len(q_bad) == 0 and d_same),
        "max_diff_int8_steps": int(per_input.max()) if len(per_input) else 0,
        "mismatches": mismatches,
        "quantize_checked": int(len(q_ref)),
        "quantize_differing": [int(i) for i in q_bad[:10]],
        "dequantize_identical": bool(d_same),
        "arena_used_board": rec["arena_used"],
        "arena_used_python": report.get("arena_bytes"),
        "kTensorArenaSize": rec["arena_size"],
        **memory_figures(elf),
        "instructions_per_tick": round(ipt, 3),
        "instructions_per_inference": int(round(float(rec["ticks"].mean()) * ipt)),
        "instructions_per_inference_max": int(round(float(rec["ticks"].max()) * ipt)),
        "qemu_seconds": round(qemu_seconds, 1),
        "seconds": round(time.time() - t0, 1),
    }
    return result


def failures(result: dict) -> list[str]:
    """Sentences naming what disagreed (empty if the board and Python agree)."""
    name = result["example"]
    msgs = [f"{name}: held-out input {m['input']}: the board's int8 outputs differ from the "
            f"Python TFLite Micro runtime's by up to {m['max_diff_int8_steps']} int8 steps "
            f"(board {m['board'][:10]}, Python {m['python'][:10]})" for m in result["mismatches"]]
    if result["quantize_differing"]:
        msgs.append(f"{name}: QuantizeInput() on the board differs from tflite.quantization.quantize "
                    f"at probe values {result['quantize_differing']}")
    if not result["dequantize_identical"]:
        msgs.append(f"{name}: DequantizeOutput() on the board differs from "
                    "tflite.quantization.dequantize")
    if result["arena_used_board"] > result["kTensorArenaSize"]:
        msgs.append(f"{name}: the board uses {result['arena_used_board']} B of arena, more than "
                    f"kTensorArenaSize {result['kTensorArenaSize']}")
    if result["flash"] > BOARD_FLASH_BYTES or result["ram"] > BOARD_RAM_BYTES:
        msgs.append(f"{name}: flash {result['flash']} B / RAM {result['ram']} B exceed the board's "
                    f"{BOARD_FLASH_BYTES} / {BOARD_RAM_BYTES} B")
    return msgs


def board_table(results: list[dict]) -> str:
    """The Markdown table ``make board-check`` prints and ``make bench`` adds to BENCHMARKS.md."""
    lines = [
        "| example | flash (text + rodata + data) | static RAM (data + bss, arena incl.) | "
        "arena used on the board / Python / kTensorArenaSize | instructions per inference "
        "(QEMU -icount, not cycles) | int8 outputs identical to Python |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        same = f"{r['outputs_identical']:,} of {r['inputs_checked']:,}"
        if r["agree"]:
            same = f"**yes**, {same}"
        else:
            same = f"**no**, {same} (max {r['max_diff_int8_steps']} steps)"
        lines.append(
            f"| {r['example']} | {r['flash']:,} B ({100 * r['flash'] / BOARD_FLASH_BYTES:.1f} % of "
            f"{BOARD_FLASH_BYTES:,}) | {r['ram']:,} B ({100 * r['ram'] / BOARD_RAM_BYTES:.1f} % of "
            f"{BOARD_RAM_BYTES:,}) | {r['arena_used_board']:,} / "
            f"{r['arena_used_python'] or 0:,} / {r['kTensorArenaSize']:,} B | "
            f"{r['instructions_per_inference']:,} | {same} |"
        )
    return "\n".join(lines) + "\n"


def run_board_check(build_dir="build/tflite", examples=None, limit: int | None = None,
                    cache_root: Path = REPO / "build" / "board", images_dir=None,
                    log=print) -> list[dict]:
    """The whole check over the built examples in ``build_dir``; writes ``board_check.json``
    into each example folder. The library's objects are cached in ``cache_root``; the
    images are linked in ``images_dir`` (default ``cache_root/images``). Raises
    :class:`LibraryNotFound` or :class:`PipelineError`."""
    missing = missing_tools()
    if missing:
        raise PipelineError(
            f"board check: {', '.join(missing)} not found; install the Debian packages "
            "gcc-arm-none-eabi libnewlib-arm-none-eabi libstdc++-arm-none-eabi-newlib "
            "qemu-system-arm"
        )
    lib = find_library()
    build_dir = Path(build_dir)
    found = sorted(p.parent.name for p in build_dir.glob("*/report.json"))
    examples = list(examples or found)
    absent = [e for e in examples if e not in found]
    if absent or not examples:
        raise PipelineError(f"board check: no build of {', '.join(absent) or 'any example'} in "
                            f"{build_dir}; run `make tinyml` first")
    archive = compile_library(lib, cache_root, log=log)
    results = []
    for name in examples:
        r = check_example(build_dir / name, archive, lib,
                          Path(images_dir or Path(cache_root) / "images"), limit, log)
        (build_dir / name / RESULT_NAME).write_text(json.dumps(r, indent=2) + "\n")
        python_arena = ("not measured" if r["arena_used_python"] is None
                        else f"{r['arena_used_python']:,} B")
        log(f"board check: {name}: {r['outputs_identical']:,} of {r['inputs_checked']:,} inputs "
            f"with int8 outputs identical to Python; arena {r['arena_used_board']:,} B on the "
            f"board ({python_arena} in Python, kTensorArenaSize "
            f"{r['kTensorArenaSize']:,}); {r['instructions_per_inference']:,} instructions per "
            f"inference; {r['seconds']} s")
        results.append(r)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tflite.board_check",
        description="Run each built example's inference path with the Arduino library's CMSIS-NN "
                    "kernels on an emulated Cortex-M4 (QEMU mps2-an386) and compare with Python.")
    parser.add_argument("build_dir", nargs="?", default="build/tflite")
    parser.add_argument("--example", action="append", help="check only this example (repeatable)")
    parser.add_argument("--limit", type=int, help="check this many held-out inputs, evenly spread")
    args = parser.parse_args(argv)
    try:
        results = run_board_check(args.build_dir, args.example, args.limit,
                                  log=lambda m: print(m, file=sys.stderr))
    except PipelineError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(board_table(results))
    problems = [m for r in results for m in failures(r)]
    for m in problems:
        print(f"error: {m}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
