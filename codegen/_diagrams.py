"""Diagrams of the docs site, drawn as SVG at build time: no JavaScript, no network, no font.

Each diagram is data (boxes on a grid, arrows between them) rendered by one small function,
so the docs hook can write them as files and a test can check that every state, stage and
error code they name is one the contract declares. The SVGs scale to their column
(`viewBox`, `width="100%"`), so they never overflow the page the way a wide text line did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

__all__ = ["DIAGRAMS", "Diagram", "render_svg"]

_CELL_W, _CELL_H = 250, 110  # one grid cell
_BOX_W, _BOX_H = 170, 58
_PAD = 24


@dataclass(frozen=True)
class Box:
    """A labelled box at grid column `col`, row `row`; `kind` picks its style."""

    key: str
    label: str
    col: float
    row: float
    kind: str = "state"  # state | start | refused | store


@dataclass(frozen=True)
class Arrow:
    """An arrow from one box to another, with a label; `refusal` arrows are dashed."""

    source: str
    target: str
    label: str = ""
    refusal: bool = False


@dataclass(frozen=True)
class Diagram:
    """A named diagram: its file name, its accessible title, its boxes and arrows."""

    name: str
    title: str
    boxes: tuple[Box, ...]
    arrows: tuple[Arrow, ...]
    # identifiers the diagram claims the contract has (checked by tests/codegen)
    states: tuple[str, ...] = field(default=())
    error_codes: tuple[str, ...] = field(default=())


_STYLE = {
    "state": ("#e0f2f1", "#00796b"),
    "start": ("#ffffff", "#546e7a"),
    "refused": ("#fff3e0", "#e65100"),
    "store": ("#ede7f6", "#4527a0"),
}


def _centre(box: Box) -> tuple[float, float]:
    return (_PAD + box.col * _CELL_W + _BOX_W / 2, _PAD + box.row * _CELL_H + _BOX_H / 2)


def _edge_point(box: Box, towards: tuple[float, float]) -> tuple[float, float]:
    """Where the line from the box's centre towards a point leaves the box's border."""
    cx, cy = _centre(box)
    dx, dy = towards[0] - cx, towards[1] - cy
    if dx == 0 and dy == 0:
        return cx, cy
    scale = min(
        (_BOX_W / 2) / abs(dx) if dx else float("inf"),
        (_BOX_H / 2) / abs(dy) if dy else float("inf"),
    )
    return cx + dx * scale, cy + dy * scale


def _lines(label: str, width: int = 20) -> list[str]:
    """Wrap a label on spaces so it fits its box."""
    out: list[str] = []
    for word in label.split():
        if out and len(out[-1]) + 1 + len(word) <= width:
            out[-1] += " " + word
        else:
            out.append(word)
    return out or [""]


def _text(x: float, y: float, label: str, size: int, css: str, width: int = 20) -> str:
    lines = _lines(label, width)
    top = y - (len(lines) - 1) * size * 0.6
    spans = "".join(
        f'<tspan x="{x:.0f}" y="{top + i * size * 1.2:.0f}">{escape(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return f'<text class="{css}" font-size="{size}" text-anchor="middle">{spans}</text>'


def render_svg(diagram: Diagram) -> str:
    """The diagram as a standalone SVG document."""
    boxes = {b.key: b for b in diagram.boxes}
    cols = max(b.col for b in diagram.boxes) + 1
    rows = max(b.row for b in diagram.boxes) + 1
    width = _PAD * 2 + (cols - 1) * _CELL_W + _BOX_W
    height = _PAD * 2 + (rows - 1) * _CELL_H + _BOX_H
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="100%" role="img" aria-labelledby="title-{diagram.name}" '
        f'class="croupier-diagram" font-family="sans-serif">',
        f'<title id="title-{diagram.name}">{escape(diagram.title)}</title>',
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M 0 0 L 10 5 L 0 10 z" fill="#37474f"/></marker></defs>',
        "<style>.label{fill:#263238}.edge{fill:#37474f}</style>",
    ]
    for arrow in diagram.arrows:
        src, dst = boxes[arrow.source], boxes[arrow.target]
        x1, y1 = _edge_point(src, _centre(dst))
        x2, y2 = _edge_point(dst, _centre(src))
        dash = ' stroke-dasharray="6 4"' if arrow.refusal else ""
        parts.append(
            f'<line x1="{x1:.0f}" y1="{y1:.0f}" x2="{x2:.0f}" y2="{y2:.0f}" stroke="#37474f" '
            f'stroke-width="1.5" marker-end="url(#arrow)"{dash}/>'
        )
        if arrow.label:
            mx, my = (x1 + x2) / 2, (y1 + y2) / 2
            lines = _lines(arrow.label, 18)
            w = max(map(len, lines)) * 6.2 + 10
            h = len(lines) * 13 + 6
            parts.append(
                f'<rect x="{mx - w / 2:.0f}" y="{my - h / 2:.0f}" width="{w:.0f}" '
                f'height="{h:.0f}" rx="3" fill="#ffffff" fill-opacity="0.9"/>'
            )
            parts.append(_text(mx, my + 4, arrow.label, 11, "edge", width=18))
    for box in diagram.boxes:
        fill, stroke = _STYLE[box.kind]
        x, y = _PAD + box.col * _CELL_W, _PAD + box.row * _CELL_H
        radius = 23 if box.kind == "start" else 6
        parts.append(
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{_BOX_W}" height="{_BOX_H}" rx="{radius}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>'
        )
        cx, cy = _centre(box)
        parts.append(_text(cx, cy + 4, box.label, 13, "label", width=22))
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


# The bet lifecycle of DESIGN.md §3: the only transitions, and what each late call is told.
_LIFECYCLE = Diagram(
    name="bet-lifecycle",
    title="Bet lifecycle: authorize, then settle or roll back; late calls are refused",
    boxes=(
        Box("none", "no bet yet", 0, 1, "start"),
        Box("authorized", "authorized (stake on hold)", 1, 1),
        Box("settled", "settled (hold captured, win credited)", 2, 0),
        Box("rolled_back", "rolled_back (hold released)", 2, 2),
        Box("tombstone", "rolled_back tombstone (no money moved)", 1, 3),
        Box("already_settled", "409 BET_ALREADY_SETTLED", 3, 0, "refused"),
        Box("refused_rolled_back", "409 BET_ROLLED_BACK", 3, 2, "refused"),
        Box("not_found", "404 BET_NOT_FOUND", 0, 3, "refused"),
    ),
    arrows=(
        Arrow("none", "authorized", "authorize"),
        Arrow("authorized", "settled", "settle"),
        Arrow("authorized", "rolled_back", "rollback"),
        Arrow("none", "tombstone", "rollback of an unknown bet"),
        Arrow("none", "not_found", "settle", refusal=True),
        Arrow("settled", "already_settled", "rollback", refusal=True),
        Arrow("rolled_back", "refused_rolled_back", "settle", refusal=True),
        Arrow("tombstone", "refused_rolled_back", "late authorize", refusal=True),
    ),
    states=("authorized", "settled", "rolled_back"),
    error_codes=("BET_ALREADY_SETTLED", "BET_ROLLED_BACK", "BET_NOT_FOUND"),
)

# The road of the integration guide, wrapped on two rows so it fits any column.
_ROAD = Diagram(
    name="integration-road",
    title="The integration road, from due diligence to after launch",
    boxes=(
        Box("diligence", "1. due diligence", 0, 0),
        Box("handshake", "2. handshake & security", 1, 0),
        Box("sandbox", "3. sandbox", 2, 0),
        Box("certification", "4. certification", 3, 0),
        Box("staging", "5. staging / UAT", 3, 1),
        Box("golive", "6. go-live", 2, 1),
        Box("after", "7. after launch", 1, 1),
    ),
    arrows=(
        Arrow("diligence", "handshake"),
        Arrow("handshake", "sandbox"),
        Arrow("sandbox", "certification"),
        Arrow("certification", "staging"),
        Arrow("staging", "golive"),
        Arrow("golive", "after"),
    ),
)

# DESIGN.md §3-4: the outbox is written in the movement's transaction; two ways out of it.
_EVENTS = Diagram(
    name="event-flow",
    title="Event flow: outbox in the money transaction, relay to the bus, consumers de-duplicate",
    boxes=(
        Box("call", "authorize / settle / rollback", 0, 0, "start"),
        Box("tx", "one DB transaction: bet, ledger, outbox", 1, 0, "store"),
        Box("relay", "relay (at least once, per-player order)", 2, 0),
        Box("bus", "NATS JetStream (dedup by event_id)", 3, 0, "store"),
        Box("http", "GET /v1/events (paged by seq)", 2, 1),
        Box("consumers", "consumers de-duplicate by event_id", 3, 1),
        Box("registry", "schema registry (subjects per event)", 4, 1, "store"),
    ),
    arrows=(
        Arrow("call", "tx", "commit"),
        Arrow("tx", "relay", "poll"),
        Arrow("relay", "bus", "publish"),
        Arrow("tx", "http", "read"),
        Arrow("bus", "consumers", "subscribe"),
        Arrow("http", "consumers", "pull"),
        Arrow("registry", "consumers", "schemas"),
    ),
)

DIAGRAMS: dict[str, Diagram] = {d.name: d for d in (_LIFECYCLE, _ROAD, _EVENTS)}
