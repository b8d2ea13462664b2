"""Report blocks (headings, paragraphs, lists, tables, figures) rendered to Markdown and to one
self-contained HTML page (figures embedded as base64 PNG)."""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Para:
    """A paragraph; ``code`` spans in backticks, **bold** and *italics* are kept in both formats."""

    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    """A table of already formatted cells; ``align`` per column: ``l`` or ``r`` (default: numbers right)."""

    headers: list[str]
    rows: list[list[str]]
    align: str | None = None
    caption: str = ""


@dataclass
class Figure:
    """A PNG figure; ``name`` is its file name (without extension) next to the Markdown report."""

    name: str
    png: bytes
    caption: str = ""


Block = Heading | Para | Bullets | Table | Figure


@dataclass
class Document:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, *blocks: Block) -> None:
        self.blocks.extend(blocks)

    @property
    def figures(self) -> list[Figure]:
        return [b for b in self.blocks if isinstance(b, Figure)]


_NUMBER = re.compile(r"^[\s≤<>~+\-−]*[\d.,]+\s*(%|ms|s|µs)?\s*[*†]*$")


def _align(table: Table) -> str:
    if table.align:
        return table.align
    out = []
    for j in range(len(table.headers)):
        cells = [r[j] for r in table.rows if j < len(r) and r[j] not in ("", "-", "–")]
        out.append("r" if cells and all(_NUMBER.match(c) for c in cells) else "l")
    return "".join(out)


# -- Markdown ----------------------------------------------------------------------------------------
def _md_cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: Document, figure_dir: str) -> str:
    """The Markdown text; figures are linked as ``figure_dir/<name>.png``."""
    out = [f"# {doc.title}", ""]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out += [f"{'#' * b.level} {b.text}", ""]
        elif isinstance(b, Para):
            out += [b.text, ""]
        elif isinstance(b, Bullets):
            out += [f"- {item}" for item in b.items] + [""]
        elif isinstance(b, Table):
            if b.caption:
                out += [b.caption, ""]
            align = _align(b)
            out.append("| " + " | ".join(_md_cell(h) for h in b.headers) + " |")
            out.append("|" + "|".join("---:" if a == "r" else "---" for a in align) + "|")
            out += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            out.append("")
        elif isinstance(b, Figure):
            out += [f"![{b.name}]({figure_dir}/{b.name}.png)", ""]
            if b.caption:
                out += [f"*{b.caption}*", ""]
    return "\n".join(out).rstrip() + "\n"


# -- HTML ------------------------------------------------------------------------------------------------
_CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; max-width: 1200px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1, h2, h3 { border-bottom: 1px solid #ddd; padding-bottom: .2em; }
table { border-collapse: collapse; margin: .8em 0 1.4em; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; }
th { background: #f3f3f3; }
td.r { text-align: right; font-variant-numeric: tabular-nums; }
tr:nth-child(even) td { background: #fafafa; }
code { background: #f2f2f2; padding: 0 3px; border-radius: 3px; }
figure { margin: 1em 0 2em; }
figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-style: italic; color: #555; }
.caption { color: #555; margin-bottom: .2em; }
"""


def _inline(text: str) -> str:
    text = html.escape(str(text))
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", text)
    return re.sub(r"(?<![\w*])\*([^*\s](?:[^*]*[^*\s])?)\*(?![\w*])", r"<em>\1</em>", text)


def to_html(doc: Document) -> str:
    """One self-contained HTML page (inline CSS, figures as data URIs)."""
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{html.escape(doc.title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{html.escape(doc.title)}</h1>"]
    for b in doc.blocks:
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{_inline(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{_inline(b.text)}</p>")
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            align = _align(b)
            if b.caption:
                out.append(f'<p class="caption">{_inline(b.caption)}</p>')
            out.append("<table><thead><tr>" + "".join(f"<th>{_inline(h)}</th>" for h in b.headers)
                       + "</tr></thead><tbody>")
            for row in b.rows:
                out.append("<tr>" + "".join(f'<td class="{a}">{_inline(c)}</td>' for c, a in zip(row, align))
                           + "</tr>")
            out.append("</tbody></table>")
        elif isinstance(b, Figure):
            data = base64.b64encode(b.png).decode("ascii")
            out.append(f'<figure><img alt="{html.escape(b.caption or b.name)}" src="data:image/png;base64,{data}">'
                       + (f"<figcaption>{_inline(b.caption)}</figcaption>" if b.caption else "") + "</figure>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def fmt_pct(x: float | None, upper: bool = False, digits: int = 2) -> str:
    """A fraction as a percentage (``≤`` prefix for an upper limit); ``-`` when missing."""
    if x is None or x != x:
        return "-"
    return f"{'≤ ' if upper else ''}{100 * x:.{digits}f} %"


def fmt_num(x: float | None, digits: int = 3) -> str:
    if x is None or x != x:
        return "-"
    return f"{x:,.{digits}f}"


def fmt_list(items: Sequence[str], limit: int = 8) -> str:
    items = list(items)
    return ", ".join(items[:limit]) + (f", ... ({len(items)} in all)" if len(items) > limit else "")
