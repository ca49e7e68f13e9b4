"""How the CSV files of this folder were made from the source's Edge Impulse export.

Not used by the course at run time: it records the conversion, so anyone can repeat it.

    python data/people_gestures/convert_edge_impulse.py SOURCE_CHECKOUT data/people_gestures

SOURCE_CHECKOUT is zhehaochen1025/ML-for-IoT-FinalProject at commit
98e92d400dc18ae1398b0c33c43eebd2c86fe76c. For every window in
``data/<person>-project-1-export/{training,testing}/`` recorded by an ``ARDUINO_NANO33BLE``
(10 ms interval, channels accX..accZ in m/s^2, gyrX..gyrZ in deg/s, magX..magZ in uT):

1. keep the accelerometer and gyroscope, divide the acceleration by 9.80665 (m/s^2 -> g);
2. resample from 100 Hz to the course's 119 Hz by linear interpolation (np.interp);
3. keep the one second (119 samples) with the largest summed angular-rate magnitude: the
   source's 2-second windows were cut from continuous streams, not started by the course's
   2.5 g trigger, which the gentler movements here often never reach;
4. label ``noise`` and ``other`` (the idle class, named differently by two people) ``idle``;
5. write ``<out>/<person>/<gesture>.csv`` in the course's capture format, files in sorted
   order (course_lib.imu_capture.write_imu_csv).

The seven windows of ``tangerine-project-1-export/testing`` recorded with the Edge Impulse
data forwarder (``DATA_FORWARDER``, six channels, no units) are left out.
"""

from __future__ import annotations

import json
import struct
import sys
from pathlib import Path

import numpy as np

from course_lib.imu_capture import SAMPLE_RATE_HZ, WINDOW, write_imu_csv

STANDARD_GRAVITY = 9.80665
IDLE_NAMES = ("noise", "other")


def _cbor(b: bytes, i: int):
    """Decode one CBOR item (RFC 8949) at ``b[i]``; returns (value, next index)."""
    head = b[i]
    i += 1
    major, info = head >> 5, head & 31
    if major == 7:
        sizes = {25: (">e", 2), 26: (">f", 4), 27: (">d", 8)}
        if info in sizes:
            fmt, n = sizes[info]
            return struct.unpack(fmt, b[i:i + n])[0], i + n
        return {20: False, 21: True, 22: None}[info], i
    if info == 31:  # indefinite-length array or map, ended by 0xff
        out = [] if major == 4 else {}
        while b[i] != 0xFF:
            v, i = _cbor(b, i)
            if major == 4:
                out.append(v)
            else:
                out[v], i = _cbor(b, i)
        return out, i + 1
    if info < 24:
        n = info
    else:
        width = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        n = int.from_bytes(b[i:i + width], "big")
        i += width
    if major == 0:
        return n, i
    if major == 1:
        return -1 - n, i
    if major in (2, 3):
        raw = b[i:i + n]
        return (raw if major == 2 else raw.decode()), i + n
    if major == 6:  # a tag: the tagged item
        return _cbor(b, i)
    out = [] if major == 4 else {}
    for _ in range(n):
        v, i = _cbor(b, i)
        if major == 4:
            out.append(v)
        else:
            out[v], i = _cbor(b, i)
    return out, i


def read_window(path: Path) -> dict:
    raw = path.read_bytes()
    return json.loads(raw) if path.suffix == ".json" else _cbor(raw, 0)[0]


def to_course_window(values, interval_ms: float) -> np.ndarray:
    """Steps 1-3: a (119, 6) window in g and deg/s at 119 Hz."""
    v = np.asarray(values, dtype=np.float64)[:, :6].copy()
    v[:, :3] /= STANDARD_GRAVITY
    t = np.arange(len(v)) * interval_ms / 1000
    t_new = np.arange(0, t[-1], 1 / SAMPLE_RATE_HZ)
    r = np.stack([np.interp(t_new, t, v[:, c]) for c in range(6)], axis=1)
    motion = np.convolve(np.linalg.norm(r[:, 3:], axis=1), np.ones(WINDOW), "valid")
    start = int(np.argmax(motion))
    return r[start:start + WINDOW]


def convert(source: Path, out: Path) -> dict:
    windows: dict[tuple[str, str], list] = {}
    for export in sorted(source.glob("data/*-project-1-export")):
        person = export.name.split("-project-1-export")[0]
        for path in sorted(export.glob("*/*")):
            if path.suffix not in (".cbor", ".json"):
                continue
            payload = read_window(path)["payload"]
            if payload["device_type"] != "ARDUINO_NANO33BLE":
                continue
            label = path.name.split(".")[0]
            label = "idle" if label in IDLE_NAMES else label
            w = to_course_window(payload["values"], payload["interval_ms"])
            windows.setdefault((person, label), []).append(w)
    for (person, label), ws in sorted(windows.items()):
        (out / person).mkdir(parents=True, exist_ok=True)
        write_imu_csv(out / person / f"{label}.csv", np.stack(ws))
    return {f"{p}/{g}": len(ws) for (p, g), ws in sorted(windows.items())}


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    for name, count in convert(Path(sys.argv[1]), Path(sys.argv[2])).items():
        print(f"{name}: {count} recordings")
