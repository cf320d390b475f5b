"""Notebook display of result objects: escaped HTML and Markdown tables, and display text.

Every result object's ``_repr_html_`` (and ``_repr_markdown_``) is two or three lines calling
:func:`html_block` (:func:`markdown_block`) with a title, its frames and a few notes. The output
is static markup: every cell, label and note goes through :func:`html.escape` (a customer id or
a label such as ``"<script>"`` is shown, never run), there are no scripts, styles or external
resources, and long frames show their first and last rows. :class:`DisplayText` is a ``str``
that a notebook displays as text (explanations: ``print`` still prints the same text).
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["MAX_ROWS", "DisplayText", "cell", "html_block", "markdown_block"]

MAX_ROWS = 30
"""Rows shown of a longer frame: the first and last ``MAX_ROWS // 2``, with a gap row."""

Tables = pd.DataFrame | Mapping[str, pd.DataFrame]
"""One frame, or several by section title (empty title: no heading)."""


def cell(value: Any) -> str:
    """Format one value for display (unescaped): floats to 6 significant digits.

    Missing values (None, NaN, NaT) show as an empty cell; sequences are joined with ``", "``.

    Examples
    --------
    >>> from precimark._display import cell
    >>> cell(0.451282051282), cell(29502.0), cell(float("inf")), cell(None), cell(("a", 1))
    ('0.451282', '29502', 'inf', '', 'a, 1')
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        text = f"{value:.6g}"
        return f"{value:.0f}" if "e+" in text and abs(value) < 1e15 else text
    if isinstance(value, pd.Timestamp):
        return value.isoformat() if value != value.normalize() else str(value.date())
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value)
    return str(value)


def _sections(tables: Tables) -> list[tuple[str, pd.DataFrame]]:
    if isinstance(tables, pd.DataFrame):
        return [("", tables)]
    return list(tables.items())


def _rows(frame: pd.DataFrame) -> tuple[list[tuple[str, list[str]]], int]:
    """Index label and cells of the rows shown, and how many rows are left out."""
    n = len(frame)
    shown = range(n) if n <= MAX_ROWS else [*range(MAX_ROWS // 2), *range(n - MAX_ROWS // 2, n)]
    rows = []
    for i in shown:
        label = frame.index[i]
        rows.append((cell(label), [cell(v) for v in frame.iloc[i].tolist()]))
    return rows, n - len(shown)


def _header(frame: pd.DataFrame) -> tuple[str, list[str]]:
    names = [cell(n) for n in frame.index.names if n is not None]
    return ", ".join(names), [cell(c) for c in frame.columns]


def html_block(title: str, tables: Tables, *, notes: Sequence[str] = ()) -> str:
    """Render a titled block of tables and notes as static, escaped HTML.

    Parameters
    ----------
    title : str
        Shown in bold above the tables.
    tables : DataFrame or Mapping[str, DataFrame]
        One frame, or frames by section title.
    notes : sequence of str
        Lines shown under the title (facts) — escaped like every cell.

    Returns
    -------
    str
        A ``<div>`` with one ``<table class="dataframe">`` per frame.

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark._display import html_block
    >>> frame = pd.DataFrame({"value": [0.25]}, index=pd.Index(["<b>"], name="kpi"))
    >>> "<th>&lt;b&gt;</th>" in html_block("Result", frame)
    True
    """
    esc = html.escape
    parts = [f'<div class="precimark-result">\n<p><strong>{esc(title)}</strong></p>']
    parts += [f"<p>{esc(note)}</p>" for note in notes]
    for section, frame in _sections(tables):
        if section:
            parts.append(f"<p><em>{esc(section)}</em></p>")
        index_name, columns = _header(frame)
        parts.append('<table class="dataframe">\n<thead><tr>')
        parts.append(f"<th>{esc(index_name)}</th>" + "".join(f"<th>{esc(c)}</th>" for c in columns))
        parts.append("</tr></thead>\n<tbody>")
        rows, hidden = _rows(frame)
        for i, (label, cells) in enumerate(rows):
            if hidden and i == MAX_ROWS // 2:
                parts.append(f'<tr><td colspan="{len(columns) + 1}">… {hidden:,} rows …</td></tr>')
            parts.append(
                f"<tr><th>{esc(label)}</th>"
                + "".join(f"<td>{esc(c)}</td>" for c in cells)
                + "</tr>"
            )
        parts.append("</tbody>\n</table>")
    parts.append("</div>")
    return "\n".join(parts)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|#])")


def _md(text: str) -> str:
    """Escape text for a Markdown table cell: HTML and Markdown syntax shown literally."""
    flat = " ".join(text.split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(flat))


def markdown_block(title: str, tables: Tables, *, notes: Sequence[str] = ()) -> str:
    r"""Render a titled block of tables and notes as escaped Markdown (pipe tables).

    Parameters
    ----------
    title : str
        A level-3 heading.
    tables : DataFrame or Mapping[str, DataFrame]
        One frame, or frames by section title.
    notes : sequence of str
        Paragraphs under the heading.

    Returns
    -------
    str

    Examples
    --------
    >>> import pandas as pd
    >>> from precimark._display import markdown_block
    >>> frame = pd.DataFrame({"value": [0.25]}, index=pd.Index(["a|b"], name="kpi"))
    >>> print(markdown_block("Result", frame))
    ### Result
    <BLANKLINE>
    | kpi | value |
    |---|---|
    | a\|b | 0.25 |
    <BLANKLINE>
    """
    lines = [f"### {_md(title)}", ""]
    for note in notes:
        lines += [_md(note), ""]
    for section, frame in _sections(tables):
        if section:
            lines += [f"*{_md(section)}*", ""]
        index_name, columns = _header(frame)
        lines.append("| " + " | ".join(_md(c) for c in [index_name, *columns]) + " |")
        lines.append("|" + "---|" * (len(columns) + 1))
        rows, hidden = _rows(frame)
        for i, (label, cells) in enumerate(rows):
            if hidden and i == MAX_ROWS // 2:
                lines.append(f"| … {hidden:,} rows … |" + " |" * len(columns))
            lines.append("| " + " | ".join(_md(c) for c in [label, *cells]) + " |")
        lines.append("")
    return "\n".join(lines)


class DisplayText(str):
    r"""Text that prints as itself and displays as text (not a quoted string) in a notebook.

    Examples
    --------
    >>> from precimark._display import DisplayText
    >>> note = DisplayText("Customer <1> pays 9.00.\nWhy: list price.")
    >>> print(note)
    Customer <1> pays 9.00.
    Why: list price.
    >>> note._repr_html_().splitlines()[1]
    '<p>Customer &lt;1&gt; pays 9.00.</p>'
    """

    __slots__ = ()

    def _repr_html_(self) -> str:
        lines = "\n".join(f"<p>{html.escape(line)}</p>" for line in self.splitlines())
        return f'<div class="precimark-text">\n{lines}\n</div>'

    def _repr_markdown_(self) -> str:
        return "  \n".join(_md(line) for line in self.splitlines())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))
