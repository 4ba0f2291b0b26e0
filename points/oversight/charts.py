"""Bar charts drawn on the server as SVG (no JavaScript, no outside host): this computes the geometry, the
template `oversight/_chart.html` draws it, and the same numbers are given as a table for screen readers."""
from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT, LEFT, BOTTOM, TOP = 600, 240, 56, 34, 14
COLORS = ("#b42318", "#1d6fb8", "#2e7d32", "#6a1b9a")


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    value: int


@dataclass(frozen=True)
class Chart:
    title: str
    labels: list[str]
    series: list[tuple[str, str]]  # (name, color)
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value)
    label_x: list[float]
    width: int = WIDTH
    height: int = HEIGHT
    rows: list[list] | None = None  # the table: one row per label


def bar_chart(title: str, labels: list[str], series: dict[str, list[int]]) -> Chart:
    names = list(series)
    top = max([v for values in series.values() for v in values] + [1])
    plot_w, plot_h = WIDTH - LEFT - 8, HEIGHT - BOTTOM - TOP
    group = plot_w / max(len(labels), 1)
    bar_w = group * 0.8 / max(len(names), 1)
    bars = []
    for i in range(len(labels)):
        for j, name in enumerate(names):
            value = max(series[name][i], 0)
            h = plot_h * value / top
            bars.append(Bar(round(LEFT + i * group + group * 0.1 + j * bar_w, 1), round(TOP + plot_h - h, 1),
                            round(bar_w, 1), round(h, 1), COLORS[j % len(COLORS)], series[name][i]))
    ticks = [(round(TOP + plot_h - plot_h * k / 4, 1), round(top * k / 4)) for k in range(5)]
    return Chart(title, labels, [(n, COLORS[j % len(COLORS)]) for j, n in enumerate(names)], bars, ticks,
                 [round(LEFT + i * group + group / 2, 1) for i in range(len(labels))],
                 rows=[[label, *[series[n][i] for n in names]] for i, label in enumerate(labels)])
