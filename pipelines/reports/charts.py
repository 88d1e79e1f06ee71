"""Charts drawn as inline SVG: nothing is fetched when the pack is opened or printed.

Colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies);
each series also has its own marker and dash pattern, and bars carry their values, so every chart
still reads in greyscale.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from html import escape

PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
DASHES = ("", "6 3", "2 2", "8 3 2 3", "4 4", "1 3", "10 4", "")
MARKERS = ("circle", "square", "diamond", "triangle", "open circle", "open square", "triangle down",
           "cross")  # fmt: skip


def whole(value: float) -> str:
    """A figure to the nearest whole number with thousands commas, halves away from zero as the
    warehouse's round() and the headline do (Python's own formatting rounds 410.5 to 410)."""
    return f"{Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP):,}"


def _marker(kind: str, x: float, y: float, colour: str) -> str:
    if kind == "open circle":
        return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="white" stroke="{colour}" '
                'stroke-width="1.5"/>')  # fmt: skip
    if kind == "open square":
        return (f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="white" '
                f'stroke="{colour}" stroke-width="1.5"/>')  # fmt: skip
    if kind == "triangle down":
        points = f"{x},{y + 5} {x + 5},{y - 4} {x - 5},{y - 4}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if kind == "cross":
        return (f'<path d="M{x - 4},{y - 4}L{x + 4},{y + 4}M{x - 4},{y + 4}L{x + 4},{y - 4}" '
                f'stroke="{colour}" stroke-width="2"/>')  # fmt: skip
    if kind == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{colour}"/>'
    if kind == "diamond":
        points = f"{x},{y - 5} {x + 5},{y} {x},{y + 5} {x - 5},{y}"
        return f'<polygon points="{points}" fill="{colour}"/>'
    if kind == "triangle":
        points = f"{x},{y - 5} {x + 5},{y + 4} {x - 5},{y + 4}"
        return f'<polygon points="{points}" fill="white" stroke="{colour}" stroke-width="1.5"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def _nice_step(rough: float) -> float:
    """The gridline step nearest above `rough` that reads easily: 1, 2, 2.5 or 5 times a power
    of ten (100, 200, 250 days rather than 139, 277)."""
    if rough <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(rough))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= rough)


def line_chart(labels: list[str], series: dict[str, list[float | None]], unit: str,
               width: int = 760, height: int = 260) -> str:  # fmt: skip
    """One line per series over the labels (gaps where a value is missing), with a legend."""
    left, right, top, bottom = 50, 150, 24, 35
    values = [v for points in series.values() for v in points if v is not None]
    if not values or not labels:
        return '<p class="empty">No figures to chart.</p>'
    step_value = _nice_step(max(values) * 1.05 / 6)  # at most six gridlines over the axis
    ticks = max(1, math.ceil(max(values) * 1.05 / step_value))
    low, high = 0.0, step_value * ticks
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)

    def at(i: int, v: float) -> tuple[float, float]:
        return left + i * step, top + plot_h * (1 - (v - low) / (high - low or 1))

    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">']  # fmt: skip
    for tick in range(ticks + 1):
        value = low + step_value * tick
        _, y = at(0, value)
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y:.1f}" y2="{y:.1f}" '
                     f'stroke="#ddd"/><text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
                     f"{whole(value)}</text>")  # fmt: skip
    for i, label in enumerate(labels):
        x, _ = at(i, low)
        parts.append(f'<text x="{x:.1f}" y="{height - 12}" text-anchor="middle">'
                     f"{escape(label)}</text>")  # fmt: skip
    parts.append(f'<text x="{left}" y="12" font-size="10">{escape(unit)}</text>')
    for n, (name, points) in enumerate(series.items()):
        colour, dash, marker = PALETTE[n % 8], DASHES[n % 8], MARKERS[n % 8]
        segment: list[str] = []
        for i, value in enumerate([*points, None]):
            if value is None:
                if len(segment) > 1:
                    parts.append(f'<polyline points="{" ".join(segment)}" fill="none" '
                                 f'stroke="{colour}" stroke-width="2" stroke-dasharray="{dash}"/>')  # fmt: skip
                segment = []
                continue
            x, y = at(i, value)
            segment.append(f"{x:.1f},{y:.1f}")
            parts.append(_marker(marker, x, y, colour))
        ly = top + 14 * n + 6
        lx = left + plot_w + 12
        parts.append(f'<line x1="{lx}" x2="{lx + 22}" y1="{ly}" y2="{ly}" stroke="{colour}" '
                     f'stroke-width="2" stroke-dasharray="{dash}"/>{_marker(marker, lx + 11, ly, colour)}'
                     f'<text x="{lx + 28}" y="{ly + 4}">{escape(name)}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(bars: list[tuple[str, float | None]], width: int = 760, bar_height: int = 22) -> str:
    """Horizontal bars with their values written beside them (a funnel when in stage order)."""
    left, right = 170, 80
    shown = [v for _, v in bars if v is not None]
    top = max(shown) if shown else 0
    height = bar_height * len(bars) + 10
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
             f'xmlns="http://www.w3.org/2000/svg" font-size="11" font-family="sans-serif">']  # fmt: skip
    for i, (label, value) in enumerate(bars):
        y = 5 + i * bar_height
        parts.append(f'<text x="{left - 8}" y="{y + bar_height * 0.65:.1f}" text-anchor="end">'
                     f"{escape(label)}</text>")  # fmt: skip
        if value is None:
            parts.append(f'<text x="{left + 4}" y="{y + bar_height * 0.65:.1f}">* withheld</text>')
            continue
        length = (width - left - right) * (value / top if top else 0)
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{bar_height - 6}" '
                     f'fill="{PALETTE[0]}" stroke="#000" stroke-width="0.5"/>'
                     f'<text x="{left + length + 6:.1f}" y="{y + bar_height * 0.65:.1f}">'
                     f"{whole(value)}</text>")  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)
