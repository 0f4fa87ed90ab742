"""Charts drawn on the server as plain SVG: no script, no external asset, readable without CSS
(colours are presentation attributes; admin.css may refine them) and scaled to the screen by
their viewBox. Every label and title is escaped.

Sized for a phone first (staff UX review friction 21): the viewBox is WIDTH units wide with text of
FONT_SIZE units, and admin.css caps a chart at 28rem, so the text is drawn at 12 px or more on a
390 px screen (a chart a little narrower than the viewBox) and at about 17 px on a desktop."""
from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

__all__ = ["FONT_SIZE", "LABEL_WIDTH", "WIDTH", "bar_chart", "column_chart"]

WIDTH, LABEL_WIDTH, FONT_SIZE = 380, 165, 14  # 165: "Sirah Pulau Padang" whole
_BAR, _GAP, _TOP = 24, 8, 8
_FONT = f'font-family="system-ui, sans-serif" font-size="{FONT_SIZE}"'


def _svg(*, title: str, width: int, height: int, body: list[str]) -> Markup:
    t = escape(title)
    return Markup(f'<svg class="chart" viewBox="0 0 {width} {height}" '
                  f'role="img" aria-label="{t}" preserveAspectRatio="xMinYMin meet"><title>{t}</title>'
                  + "".join(body) + "</svg>")


def _length(value: int, largest: int, room: float) -> float:
    """A bar's length, proportional to its value; a value above zero is always visible."""
    if largest <= 0 or value <= 0:
        return 0.0
    return max(1.0, round(room * value / largest, 1))


def bar_chart(items: Sequence[tuple[str, int]], *, title: str, width: int = WIDTH,
              label_width: int = LABEL_WIDTH) -> Markup:
    """Horizontal bars, one per (label, value), lengths proportional to the values, the value
    written after each bar. Long labels (kecamatan names) fit in the left column. The default
    width keeps the text readable when the chart is shrunk to a phone's screen."""
    room = width - label_width - 56
    largest = max((v for _, v in items), default=0)
    body = []
    for i, (label, value) in enumerate(items):
        y = _TOP + i * (_BAR + _GAP)
        length = _length(value, largest, room)
        text_y = y + _BAR / 2 + 4
        body.append(
            f'<g class="bar-row"><title>{escape(label)}: {value}</title>'
            f'<text x="{label_width - 8}" y="{text_y}" text-anchor="end" fill="#1b1b1b" {_FONT}>{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{length}" height="{_BAR}" rx="3" fill="#0b5d46"/>'
            f'<text x="{label_width + length + 6}" y="{text_y}" fill="#1b1b1b" {_FONT}>{value}</text></g>')
    height = _TOP * 2 + max(1, len(items)) * (_BAR + _GAP)
    return _svg(title=title, width=width, height=height, body=body)


def column_chart(items: Sequence[tuple[str, int]], *, title: str, notes: Sequence[str] = (), width: int = WIDTH,
                 height: int = 180) -> Markup:
    """Vertical columns, one per (label, value), left to right (days, oldest first), heights
    proportional to the values, the value above each column and the short label below. `notes`,
    when given, name each column in full for its tooltip (instead of the short label)."""
    base, top = height - 24, 20
    slot = width / max(1, len(items))
    column = max(4.0, slot * 0.6)
    largest = max((v for _, v in items), default=0)
    body = [f'<line x1="0" y1="{base}" x2="{width}" y2="{base}" stroke="#999" stroke-width="1"/>']
    for i, (label, value) in enumerate(items):
        note = notes[i] if i < len(notes) else label
        tall = _length(value, largest, base - top)
        x = round(i * slot + (slot - column) / 2, 1)
        middle = round(i * slot + slot / 2, 1)
        body.append(
            f'<g class="column"><title>{escape(note)}: {value}</title>'
            f'<rect class="bar" x="{x}" y="{round(base - tall, 1)}" width="{round(column, 1)}" height="{tall}" '
            f'fill="#0b5d46"/>'
            f'<text x="{middle}" y="{round(base - tall - 4, 1)}" text-anchor="middle" fill="#1b1b1b" '
            f'{_FONT}>{value}</text>'
            f'<text x="{middle}" y="{height - 6}" text-anchor="middle" fill="#555" {_FONT}>{escape(label)}</text></g>')
    return _svg(title=title, width=width, height=height, body=body)
