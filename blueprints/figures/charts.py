"""Server-made line charts: the points of an inline SVG, drawn with presentation attributes
(the CSP allows no inline styles) and always followed by a table of the same numbers."""

from dataclasses import dataclass

WIDTH, HEIGHT = 320, 164
LEFT, RIGHT, TOP, BOTTOM = 64, 310, 12, 124
# Labels in viewBox units: the chart is drawn at least 288 px wide (a 320 px phone in large
# text), so 20 units never read smaller than 18 px, the least any text in Linli may be.
LABEL = 20


@dataclass
class Line:
    points: str
    dots: list


def x_of(i, n):
    return LEFT if n < 2 else LEFT + (RIGHT - LEFT) * i / (n - 1)


def y_of(percent):
    return BOTTOM - (BOTTOM - TOP) * percent / 100


def line(values):
    """A polyline through the values that exist (percent or None); gaps are skipped."""
    n = len(values)
    dots = [
        (round(x_of(i, n), 1), round(y_of(v), 1)) for i, v in enumerate(values) if v is not None
    ]
    return Line(" ".join(f"{x},{y}" for x, y in dots), dots)


def percent_text(value):
    return "—" if value is None else f"{value}%"


def rate_chart(rows, code, step="week"):
    """rows: trend() output. The place's line, the street's, and the x labels to print."""
    shape = "%m-%d" if step == "week" else "%Y-%m"
    labels = [s.strftime(shape) for s, _m, _t in rows]
    mine = [m.percent(code) for _s, m, _t in rows]
    theirs = [t.percent(code) for _s, _m, t in rows]
    n = len(rows)
    anchors = {0: "start", n - 1: "end"}
    ticks = [
        (round(x_of(i, n), 1), labels[i], anchors.get(i, "middle"))
        for i in sorted({0, n // 2, n - 1})
        if n
    ]
    return {
        "mine": line(mine),
        "theirs": line(theirs),
        "ticks": ticks,
        "grid": [(p, round(y_of(p), 1)) for p in (0, 50, 100)],
        "rows": [
            (label, percent_text(a), percent_text(b))
            for label, a, b in zip(labels, mine, theirs, strict=True)
        ],
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": RIGHT,
        "bottom": BOTTOM,
        "label": LABEL,
    }
