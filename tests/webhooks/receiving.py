"""The test receiver (receiver.py) as a subprocess, and what it received."""

import json
import subprocess
import sys
import time
from pathlib import Path

RECEIVER = Path(__file__).with_name("receiver.py")


class Receiver:
    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen([sys.executable, str(RECEIVER), str(folder)], stdout=subprocess.PIPE, text=True)
        self.port = int(self.process.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}/hooks/supergrid"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def trust(self, secret: str) -> None:
        (self.folder / "secret").write_text(secret)

    def answer(self, *statuses: int) -> None:
        (self.folder / "answers").write_text("\n".join(str(status) for status in statuses))

    def hold(self, on: bool) -> None:
        flag = self.folder / "hold"
        flag.touch() if on else flag.unlink(missing_ok=True)

    def lines(self) -> list[dict]:
        path = self.folder / "received.jsonl"
        return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []

    def received(self, event: str | None = None) -> list[dict]:
        return [line for line in self.lines() if "event" in line and (event is None or line["event"] == event)]

    def wait_for(self, predicate, timeout: float = 30, what: str = "a delivery") -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self.lines()):
                return self.lines()
            time.sleep(0.2)
        raise AssertionError(f"{what} never arrived: {self.lines()}")
