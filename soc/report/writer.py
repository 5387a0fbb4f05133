"""Writes one report in every requested format under deterministic names (re-running replaces, never duplicates).

Formats: docx, pdf, xlsx (annex), csv (first annex sheet), md, json. Each file is written atomically.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from soc.report.annex import write_csv, write_xlsx
from soc.report.document import Document, Image, Table
from soc.report.markdown import document_markdown

FORMATS = ("docx", "pdf", "xlsx", "csv", "md", "json")


def document_json(doc: Document, frames: dict[str, pd.DataFrame]) -> str:
    blocks = []
    for b in doc.blocks:
        kind = type(b).__name__.lower()
        if isinstance(b, Table):
            blocks.append({"type": kind, "caption": b.caption, "rows": json.loads(b.frame.to_json(orient="records"))})
        elif isinstance(b, Image):
            blocks.append({"type": kind, "caption": b.caption})
        else:
            blocks.append({"type": kind, **{k: v for k, v in vars(b).items()}})
    payload = {"kind": doc.kind, "subject": doc.subject, "number": doc.number_line, "issued": doc.issued.isoformat(),
               "form": doc.form, "blocks": blocks,
               "annex": {name: json.loads(f.to_json(orient="records", date_format="iso")) for name, f in frames.items()}}
    return json.dumps(payload, ensure_ascii=False, indent=1, default=str)


def _atomic_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    return path


def write_report(doc: Document, frames: dict[str, pd.DataFrame], out_dir: Path, basename: str,
                 formats: tuple[str, ...] = FORMATS) -> dict[str, Path]:
    """Write ``doc`` (+ annex ``frames``) as ``<out_dir>/<basename>.<fmt>`` for each format; return the paths."""
    # python-docx and reportlab load only when those formats are asked for
    from soc.report.docx_render import render_docx
    from soc.report.pdf_render import render_pdf

    out: dict[str, Path] = {}
    for fmt in formats:
        path = Path(out_dir) / f"{basename}.{fmt}"
        if fmt == "docx":
            out[fmt] = render_docx(doc, path)
        elif fmt == "pdf":
            out[fmt] = render_pdf(doc, path)
        elif fmt == "xlsx":
            out[fmt] = write_xlsx(frames, path)
        elif fmt == "csv":
            out[fmt] = write_csv(next(iter(frames.values())), path)
        elif fmt == "md":
            out[fmt] = _atomic_text(path, document_markdown(doc))
        elif fmt == "json":
            out[fmt] = _atomic_text(path, document_json(doc, frames))
        else:
            raise ValueError(f"unknown format {fmt!r} (expected {', '.join(FORMATS)})")
    return out
