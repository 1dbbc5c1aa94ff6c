"""Line charts drawn on the server as SVG (no chart library): the geometry here, the markup in runs/_chart.html."""

import math
from dataclasses import dataclass

from django.utils.translation import gettext

WIDTH, HEIGHT = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 32
COLORS = ["#2563eb", "#d97706", "#059669", "#dc2626", "#7c3aed", "#0891b2", "#be185d", "#4d7c0f"]


@dataclass(frozen=True)
class Line:
    label: str
    color: str
    points: str  # "x,y x,y …" for <polyline>
    dots: tuple[tuple[float, float, int, str], ...]  # x, y, round, value as text


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    lines: tuple[Line, ...]
    x_ticks: tuple[tuple[float, int], ...]
    y_ticks: tuple[tuple[float, str], ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]  # the numbers, round by round, one column per line
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM
    right: float = WIDTH - RIGHT
    top: int = TOP


def number(value: float) -> str:
    return f"{value:.4g}"


def nice_ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high == low:
        return [low]
    step = 10 ** math.floor(math.log10((high - low) / count))
    for multiple in (1, 2, 2.5, 5, 10):
        if (high - low) / (step * multiple) <= count:
            step *= multiple
            break
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 1)]


def line_chart(title: str, series: list[tuple[str, list[tuple[int, float]]]]) -> Chart:
    """One chart of ``(label, [(round, value), …])`` lines sharing the axes."""
    rounds = [r for _, points in series for r, _ in points]
    values = [v for _, points in series for _, v in points]
    x_low, x_high = min(rounds), max(rounds)
    y_low, y_high = min(values), max(values)
    if y_low == y_high:
        y_low, y_high = y_low - 1, y_high + 1
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(round_: float) -> float:
        return LEFT + (plot_w * (round_ - x_low) / (x_high - x_low) if x_high > x_low else plot_w / 2)

    def y(value: float) -> float:
        return TOP + plot_h * (1 - (value - y_low) / (y_high - y_low))

    lines = []
    for index, (label, points) in enumerate(series):
        coords = [(round(x(r), 1), round(y(v), 1), r, number(v)) for r, v in points]
        lines.append(
            Line(label, COLORS[index % len(COLORS)], " ".join(f"{cx},{cy}" for cx, cy, _, _ in coords), tuple(coords))
        )
    x_step = max(1, math.ceil((x_high - x_low) / 10))
    x_ticks = tuple((round(x(r), 1), r) for r in range(x_low, x_high + 1, x_step))
    y_ticks = tuple((round(y(v), 1), number(v)) for v in nice_ticks(y_low, y_high) if y_low <= v <= y_high)
    summary = "; ".join(
        gettext("%(label)s: %(first)s at round %(first_round)s to %(last)s at round %(last_round)s")
        % {
            "label": label,
            "first": number(points[0][1]),
            "first_round": points[0][0],
            "last": number(points[-1][1]),
            "last_round": points[-1][0],
        }
        for label, points in series
    )
    by_line = [dict(points) for _, points in series]
    rows = tuple(
        (r, tuple(number(values[r]) if r in values else "" for values in by_line)) for r in sorted(set(rounds))
    )
    return Chart(title, summary, tuple(lines), x_ticks, y_ticks, rows)
