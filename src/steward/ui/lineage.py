"""A version's lineage as an SVG graph: its sources (datasets, code, environment, parent) -> the version.

Drawn by hand (boxes, curved arrows, text), since a graph is not a plot. Every
text is escaped; long values are shortened in the box and given in full in a
tooltip (``<title>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from urllib.parse import quote

from steward.core.registry import ModelVersion

NODE_W, NODE_H, GAP, MARGIN, SPAN = 330, 52, 14, 10, 140
COLOURS = {"dataset": "#4c72b0", "code": "#55a868", "environment": "#8172b3", "parent": "#dd8452"}


@dataclass(frozen=True)
class Node:
    kind: str  # dataset, code, environment, parent
    title: str
    detail: str
    href: str | None = None


def short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def sources(version: ModelVersion) -> list[Node]:
    """What the version came from, in the order the graph lists them."""
    lineage = version.lineage
    nodes = [
        Node("dataset", f"{d.role} data: {d.name}", f"{d.rows:,} rows · sha256 {d.fingerprint[:16]}")
        for d in lineage.datasets
    ]
    if lineage.code_commit or lineage.code_repo:
        dirty = " (uncommitted changes)" if lineage.code_dirty else ""
        nodes.append(
            Node(
                "code",
                f"code {(lineage.code_commit or 'unknown commit')[:12]}{dirty}",
                lineage.code_repo or "",
            )
        )
    if lineage.python_version or lineage.packages:
        nodes.append(
            Node(
                "environment",
                f"Python {lineage.python_version or '?'}",
                f"{len(lineage.packages)} packages pinned",
            )
        )
    if lineage.parent:
        model, _, number = lineage.parent.partition("/")
        href = f"/models/{quote(model)}/versions/{number}" if number.isdigit() else None
        nodes.append(Node("parent", f"retrained from {lineage.parent}", "parent version", href))
    return nodes


def _box(x: int, y: int, node: Node, colour: str) -> str:
    title = escape(short(node.title, 44))
    detail = escape(short(node.detail, 52))
    full = escape(f"{node.title}\n{node.detail}")
    box = (
        f'<g class="node {node.kind}"><title>{full}</title>'
        f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="6" fill="#fff" '
        f'stroke="{colour}" stroke-width="1.5"/>'
        f'<rect x="{x}" y="{y}" width="6" height="{NODE_H}" rx="3" fill="{colour}"/>'
        f'<text x="{x + 14}" y="{y + 21}" font-size="13" font-weight="600" fill="#1d2430">{title}</text>'
        f'<text x="{x + 14}" y="{y + 40}" font-size="11" fill="#5b6575">{detail}</text></g>'
    )
    if node.href:
        return f'<a href="{escape(node.href)}">{box}</a>'
    return box


def lineage_svg(version: ModelVersion) -> str | None:
    """The graph, or None when the version recorded no lineage at all."""
    nodes = sources(version)
    if not nodes:
        return None
    height = MARGIN * 2 + len(nodes) * NODE_H + (len(nodes) - 1) * GAP
    width = MARGIN * 2 + NODE_W * 2 + SPAN
    target_x = MARGIN + NODE_W + SPAN
    target_y = (height - NODE_H) // 2
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="Lineage of {escape(version.ref)}" '
        'font-family="system-ui, sans-serif">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0 0L10 5L0 10z" fill="#8c8c8c"/></marker></defs>',
    ]
    for i, node in enumerate(nodes):
        y = MARGIN + i * (NODE_H + GAP)
        x1, y1 = MARGIN + NODE_W, y + NODE_H // 2
        x2, y2 = target_x, target_y + NODE_H // 2
        middle = (x1 + x2) // 2
        parts.append(
            f'<path d="M{x1} {y1} C{middle} {y1} {middle} {y2} {x2 - 2} {y2}" fill="none" '
            'stroke="#8c8c8c" stroke-width="1.4" marker-end="url(#arrow)"/>'
        )
        parts.append(_box(MARGIN, y, node, COLOURS[node.kind]))
    this = Node("version", f"{version.ref}", f"{version.flavor} · by {version.created_by}")
    parts.append(_box(target_x, target_y, this, "#18243a"))
    parts.append("</svg>")
    return "".join(parts)
