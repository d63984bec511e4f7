"""The report framework: sections of HTML and figures, written as one offline index.html with PNGs beside it.

Anyone can add a section. A section is a :class:`ReportSection` (a title, an HTML body and matplotlib
figures); :func:`write_report` saves every figure as a PNG under ``DIR/figures/`` and writes
``DIR/index.html`` from the packaged template. The page loads nothing from the network: no CDN, no web fonts,
no scripts; images are local files referenced by relative paths.

To contribute a section to ``mineaction report`` and the demo, put a module in ``mineaction.report`` that
defines ``build_section(data: ReportData) -> ReportSection | list[ReportSection] | None`` and list its name in
``mineaction.report.build.SECTION_MODULES``. ``data`` (:class:`mineaction.workflows.ReportData`) holds every
result, computed by the report job; a section only draws and writes. Return None when there is nothing to
show. Figures are drawn on their own canvas (:func:`new_figure`), never through pyplot's global state, so
importing the report changes no matplotlib setting.

Example::

    fig = new_figure(figsize=(6, 4))
    ax = fig.subplots()
    ...
    ReportSection("Risk map", "<p>Modelled probability of contamination (0-1) per 100 m cell.</p>",
                  figures=[ReportFigure("risk-map", fig, "Risk per cell (probability, 0-1); simulated")])
"""

from __future__ import annotations

import html
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

__all__ = [
    "ReportFigure",
    "ReportSection",
    "new_figure",
    "table_html",
    "write_report",
]

_TEMPLATE_DIR = Path(__file__).with_name("templates")
_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class ReportFigure:
    """One chart or map of a section.

    Parameters
    ----------
    name : str
        Short file-safe name, unique within its section (becomes ``figures/<section>-<name>.png``).
    figure : matplotlib.figure.Figure
        The figure; :func:`write_report` saves it as PNG and closes it.
    caption : str
        Caption shown under the image; say the units (and "simulated" for simulated data).
    """

    name: str
    figure: Figure
    caption: str = ""


@dataclass
class ReportSection:
    """One section of the report: a title, an HTML body and figures.

    Parameters
    ----------
    title : str
        Heading of the section.
    body_html : str
        Trusted HTML shown under the heading (build tables with :func:`table_html`; escape free text).
    figures : list of ReportFigure
        Charts and maps, shown after the body in order.
    order : int
        Sections are sorted by ``order`` (briefing 0, analysis 10-50, risk 60, plan 70), then by title.
    key : str
        Anchor and file-name prefix; defaults to a slug of the title.
    """

    title: str
    body_html: str = ""
    figures: list[ReportFigure] = field(default_factory=list)
    order: int = 50
    key: str = ""

    def __post_init__(self) -> None:
        if not self.key:
            self.key = _SLUG.sub("-", self.title.lower()).strip("-") or "section"


def new_figure(*, figsize: tuple[float, float] = (6.4, 4.8)) -> Figure:
    """A matplotlib figure on its own Agg canvas (no pyplot, no global backend change); size in inches."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig


def table_html(frame: pd.DataFrame, *, caption: str = "", float_format: str = "{:,.2f}") -> str:
    """A small HTML table of ``frame`` (values escaped); put units in column names or the caption."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for values in frame.itertuples(index=False):
        cells = []
        for value in values:
            if isinstance(value, float):
                text = "" if value != value else float_format.format(value)
            else:
                text = "" if value is None else str(value)
            cells.append(f"<td>{html.escape(text)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table class="data">{cap}<thead><tr>{head}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def _save_figures(sections: Sequence[ReportSection], figure_dir: Path) -> list[dict[str, Any]]:
    rendered = []
    for section in sections:
        images = []
        for fig in section.figures:
            name = f"{section.key}-{_SLUG.sub('-', fig.name.lower()).strip('-')}.png"
            fig.figure.savefig(figure_dir / name, dpi=110, bbox_inches="tight")
            images.append({"src": f"figures/{name}", "caption": fig.caption, "alt": fig.caption or fig.name})
        rendered.append(
            {"title": section.title, "key": section.key, "body": section.body_html, "images": images}
        )
    return rendered


def write_report(
    out_dir: str | Path,
    sections: Sequence[ReportSection],
    *,
    title: str,
    simulated: bool,
    generated_at: datetime | None = None,
) -> Path:
    """Write ``out_dir/index.html`` and its figures; returns the path of index.html.

    The page is written to a temporary folder first and moved into place, so a failure leaves no half-written
    report. Existing ``index.html`` and ``figures/`` in ``out_dir`` are replaced; other files are left alone.

    Parameters
    ----------
    out_dir : path
        Folder to write; created if absent.
    sections : sequence of ReportSection
        Sorted by ``order`` then title before writing.
    title : str
        Title of the page.
    simulated : bool
        Show the SIMULATED banner at the top of the page and in the title.
    generated_at : datetime, optional
        Time stamp shown in the footer (UTC); defaults to now.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ordered = sorted(sections, key=lambda s: (s.order, s.title))
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATE_DIR), autoescape=jinja2.select_autoescape(["html", "j2"])
    )
    stamp = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    with tempfile.TemporaryDirectory(dir=out, prefix=".report-") as tmp:
        staging = Path(tmp)
        (staging / "figures").mkdir()
        rendered = _save_figures(ordered, staging / "figures")
        page = env.get_template("index.html.j2").render(
            title=title, simulated=simulated, sections=rendered, generated_at=stamp
        )
        (staging / "index.html").write_text(page, encoding="utf-8")
        if (out / "figures").exists():
            shutil.rmtree(out / "figures")
        (staging / "figures").rename(out / "figures")
        (staging / "index.html").replace(out / "index.html")
    return out / "index.html"
