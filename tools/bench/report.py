"""The one table `make bench` prints: each figure against its floor, with the goal and PASS/FAIL."""

import math
from dataclasses import dataclass

PAGE_RATIO = 3.0  # a page against the signed-in empty page, in process and at p95 under load
DASHBOARD_THROUGHPUT = 0.4  # the dashboard's requests/s against the empty page's
CONTROL_RATIO = 1.5  # a FederationManager call that does real work, against stock Flower's
LIVE_UNDER_LOAD = 1.5  # a live section's p95 under load, against stock's same call under the same load + floor
RUN_RATIO = 1.05  # a Flower run through our SuperLink, against a stock one
PACK_RATIO = 2.0  # packing a run's artifacts, against zip -r of the same folder


@dataclass
class Row:
    section: str
    what: str
    figure: str
    floor: str
    ratio: float | None
    goal: str
    passed: bool | None  # None: shown for information

    @property
    def verdict(self) -> str:
        return "" if self.passed is None else ("PASS" if self.passed else "FAIL")


def ms(value: float) -> str:
    if math.isnan(value):
        return "—"
    return f"{value:.3f} ms" if value < 1 else f"{value:.1f} ms"


def render(title: str, rows: list[Row], notes: list[str]) -> str:
    headers = ("What", "Measured", "Floor", "Ratio", "Goal", "")
    lines = [title, ""]
    section = None
    widths = [
        max(len(headers[0]), *(len(r.what) for r in rows)),
        max(len(headers[1]), *(len(r.figure) for r in rows)),
        max(len(headers[2]), *(len(r.floor) for r in rows)),
        9,
        max(len(headers[4]), *(len(r.goal) for r in rows)),
        4,
    ]

    def line(cells) -> str:
        return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    for row in rows:
        if row.section != section:
            section = row.section
            lines += ["", section, line(headers), line("-" * w for w in widths)]
        ratio = "—" if row.ratio is None or math.isnan(row.ratio) else f"{row.ratio:.2f}×"
        lines.append(line((row.what, row.figure, row.floor, ratio, row.goal, row.verdict)))
    failed = sum(1 for row in rows if row.passed is False)
    passed = sum(1 for row in rows if row.passed)
    lines += ["", f"{passed} goals met, {failed} missed.", *notes]
    return "\n".join(lines) + "\n"
