"""Writes one report in every requested format under deterministic names (re-running replaces, never duplicates).

Formats: docx, pdf, xlsx (annex), csv (first annex sheet), md, json. Each file is written atomically and on its
own: a format that fails never stops the others, and never leaves a half-written file.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from soc.report.annex import write_csv, write_xlsx
from soc.report.atomic import atomic_target
from soc.report.document import Bullets, Callout, Document, Fields, Heading, Image, Para, Table
from soc.report.markdown import document_markdown
from soc.report.safe_text import visible, visible_frame, visible_tree

FORMATS = ("docx", "pdf", "xlsx", "csv", "md", "json")
log = logging.getLogger(__name__)


class Written(dict[str, Path]):
    """Each format written → its file; :attr:`failed`: each format that failed → why (one line, controls shown)."""

    def __init__(self) -> None:
        super().__init__()
        self.failed: dict[str, str] = {}


def visible_document(doc: Document) -> Document:
    """A copy of ``doc`` whose every text has its control characters made visible (for Markdown and JSON)."""
    blocks = []
    for b in doc.blocks:
        if isinstance(b, (Heading, Para, Callout)):
            b = replace(b, text=visible(b.text))
        elif isinstance(b, Bullets):
            b = replace(b, items=[visible(i) for i in b.items])
        elif isinstance(b, Fields):
            b = replace(b, rows=[(visible(k), visible(v)) for k, v in b.rows])
        elif isinstance(b, Table):
            b = replace(b, frame=visible_frame(b.frame), caption=visible(b.caption))
        elif isinstance(b, Image):
            b = replace(b, caption=visible(b.caption))
        blocks.append(b)
    return replace(doc, kind=visible(doc.kind), symbol=visible(doc.symbol), subject=visible(doc.subject),
                   form=visible(doc.form), profile=visible_tree(doc.profile), blocks=blocks)


def document_json(doc: Document, frames: dict[str, pd.DataFrame]) -> str:
    doc = visible_document(doc)
    blocks = []
    for b in doc.blocks:
        kind = type(b).__name__.lower()
        if isinstance(b, Table):
            blocks.append({"type": kind, "caption": b.caption, "rows": json.loads(b.frame.to_json(orient="records"))})
        elif isinstance(b, Image):
            blocks.append({"type": kind, "caption": b.caption})
        else:
            blocks.append({"type": kind, **{k: v for k, v in vars(b).items()}})
    annex = {visible(name): json.loads(visible_frame(f).to_json(orient="records", date_format="iso"))
             for name, f in frames.items()}
    payload = {"kind": doc.kind, "subject": doc.subject, "number": doc.number_line, "issued": doc.issued.isoformat(),
               "form": doc.form, "blocks": blocks, "annex": annex}
    return json.dumps(payload, ensure_ascii=False, indent=1, default=lambda o: visible(o))


def _atomic_text(path: Path, text: str) -> Path:
    with atomic_target(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def _docx(doc: Document, frames: dict[str, pd.DataFrame], path: Path) -> Path:
    from soc.report.docx_render import render_docx  # python-docx loads only when a DOCX is asked for

    return render_docx(doc, path)


def _pdf(doc: Document, frames: dict[str, pd.DataFrame], path: Path) -> Path:
    from soc.report.pdf_render import render_pdf  # reportlab loads only when a PDF is asked for

    return render_pdf(doc, path)


def _csv(doc: Document, frames: dict[str, pd.DataFrame], path: Path) -> Path:
    if not frames:
        raise ValueError("the report has no annex table to write as CSV")
    return write_csv(next(iter(frames.values())), path)


RENDERERS: dict[str, Callable[[Document, dict[str, pd.DataFrame], Path], Path]] = {
    "docx": _docx,
    "pdf": _pdf,
    "xlsx": lambda doc, frames, path: write_xlsx(frames, path),
    "csv": _csv,
    "md": lambda doc, frames, path: _atomic_text(path, document_markdown(visible_document(doc))),
    "json": lambda doc, frames, path: _atomic_text(path, document_json(doc, frames)),
}


def write_report(doc: Document, frames: dict[str, pd.DataFrame], out_dir: Path, basename: str,
                 formats: tuple[str, ...] = FORMATS) -> Written:
    """Write ``doc`` (+ annex ``frames``) as ``<out_dir>/<basename>.<fmt>`` for each format, each on its own.

    Returns the files written by format; ``.failed`` holds each format that failed and why. An unknown format is a
    ``ValueError`` before anything is written."""
    unknown = [f for f in formats if f not in RENDERERS]
    if unknown:
        raise ValueError(f"unknown format(s) {', '.join(map(repr, unknown))} (expected {', '.join(FORMATS)})")
    written = Written()
    for fmt in formats:
        try:
            written[fmt] = RENDERERS[fmt](doc, frames, Path(out_dir) / f"{basename}.{fmt}")
        except Exception as exc:  # noqa: BLE001 — one format's failure, whatever it is, must not stop the others
            log.debug("writing %s failed", fmt, exc_info=True)
            written.failed[fmt] = visible(f"{type(exc).__name__}: {exc}", one_line=True)
    return written
