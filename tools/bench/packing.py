"""Packing a run's artifacts against `zip -r` of the same folder, and the packer's peak memory.

A 200 MiB folder as a run leaves it: one 150 MiB model file (random bytes: weights do not compress) and
500 text files of 100 KiB (logs, metrics). Each packer runs twice; the better time counts. Memory is the
growth of the process's resident set at its highest (Linux's VmHWM, reset before packing).
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

MODEL_MIB = 150
TEXT_FILES = 500
TEXT_KIB = 100
ZIP = shutil.which("zip") or ""


def make_folder(folder: Path) -> int:
    folder.mkdir(parents=True)
    with open(folder / "final_model.bin", "wb") as model:
        for _ in range(MODEL_MIB):
            model.write(os.urandom(1024 * 1024))
    words = [f"round {n} loss {1 / (n + 1):.6f} accuracy {n / 2001:.6f}\n" for n in range(2000)]
    text = "".join(words).encode()
    (folder / "logs").mkdir()
    for index in range(TEXT_FILES):
        (folder / "logs" / f"client-{index:03}.txt").write_bytes((text * 4)[: TEXT_KIB * 1024])
    return MODEL_MIB * 1024 * 1024 + TEXT_FILES * TEXT_KIB * 1024


def status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident set
    except OSError:
        return False
    return True


def ours(folder: Path, out: Path) -> tuple[float, float]:
    """Seconds, and MiB the resident set grew by at its peak."""
    from runs.artifacts import pack_folder

    exact = reset_peak()
    before = status_kib("VmRSS") if exact else status_kib("VmHWM")
    started = time.perf_counter()
    with open(out, "wb") as zipped:
        pack_folder(folder, zipped, max_bytes=1024**3, max_files=10_000)
    seconds = time.perf_counter() - started
    return seconds, max(status_kib("VmHWM") - before, 0) / 1024


def zip_r(folder: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([ZIP, "-r", "-q", str(out), "."], cwd=folder, check=True)
    return time.perf_counter() - started


def measure() -> tuple[float, float, float, int]:
    """(our seconds, zip -r seconds, our peak MiB, folder bytes)."""
    if not ZIP:
        raise RuntimeError("make bench compares packing with zip -r: install zip (apt-get install zip)")
    with tempfile.TemporaryDirectory(prefix="supergrid-bench-pack-") as tmp:
        folder = Path(tmp) / "run"
        size = make_folder(folder)
        ours_runs, zip_runs = [], []
        for attempt in range(2):
            zip_runs.append(zip_r(folder, Path(tmp) / f"zip-{attempt}.zip"))
            ours_runs.append(ours(folder, Path(tmp) / f"ours-{attempt}.zip"))
        return min(s for s, _ in ours_runs), min(zip_runs), max(m for _, m in ours_runs), size
