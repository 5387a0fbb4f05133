"""Each report command's one call: build the data, the document and its annex, and write every requested format
under a deterministic name (re-running replaces). Revealing personal data is audited here, before anything is
written; nothing here decides what a report says."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from soc.config import Config
from soc.report.incident import breach_document, case_annex, incident_document, load_case
from soc.report.ioc_reply import build_reply, reply_annex, reply_document
from soc.report.markdown import write_markdown
from soc.report.monitoring import annex_frames, build_monitoring, monitoring_document
from soc.report.periodic import build
from soc.report.safe_text import visible_frame
from soc.report.writer import FORMATS, Written, write_report
from soc.store.registry import open_store
from soc.triage.workflow import record


def monitoring_name(start: date, end: date) -> str:
    return f"bao-cao-giam-sat_{start.isoformat()}_{end.isoformat()}"


def case_report_name(kind: str, case_id: int, final: bool = False) -> str:
    if kind == "breach":
        return f"thong-bao-vi-pham-dlcn_case-{case_id}"
    return f"bao-cao-su-co_case-{case_id}_{'ket-thuc' if final else 'ban-dau'}"


def write_monitoring(cfg: Config, start: date, end: date, out_dir: Path,
                     formats: tuple[str, ...] = FORMATS) -> Written:
    """The periodic monitoring report of local dates ``start``..``end`` in ``formats``: the files written, and
    (``.failed``) each format that failed and why."""
    m = build_monitoring(cfg, start, end)
    return write_report(monitoring_document(cfg, m), annex_frames(m), out_dir, monitoring_name(start, end), formats)


def write_period_markdown(cfg: Config, start: date, end: date, out: Path) -> Path:
    """The periodic report's tables as one Markdown file (``soc report periodic --out FILE.md``), every text of its
    tables with control characters made visible."""
    data = build(cfg, start, end)
    frames = {f.name: visible_frame(v) for f in fields(data) if isinstance(v := getattr(data, f.name), pd.DataFrame)}
    return write_markdown(replace(data, **frames), out)


def write_case_report(cfg: Config, kind: str, case_id: int, final: bool, reveal: bool, out_dir: Path,
                      formats: tuple[str, ...] = FORMATS) -> Written:
    """The incident report (``kind`` "incident", initial or ``final``) or the breach notice (``kind`` "breach") of
    a case; ``reveal`` unmasks personal data and is audited first. Returns the files written and (``.failed``)
    each format that failed and why. Raises ``CaseNotFound``."""
    data = load_case(cfg, case_id, reveal=reveal)
    if reveal:
        with open_store(cfg) as store:
            record(store.state, cfg.analyst_name, "case", str(case_id), "reveal", {"report": kind})
    doc = breach_document(cfg, data) if kind == "breach" else incident_document(cfg, data, final, reveal)
    return write_report(doc, case_annex(data), out_dir, case_report_name(kind, case_id, final), formats)


def ioc_reply_name(warning: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in warning)[:60] or "warning"
    return f"tra-loi-canh-bao-ioc_{safe}"


def write_ioc_reply(cfg: Config, warning: str, since: datetime, out_dir: Path,
                    formats: tuple[str, ...] = FORMATS) -> Written:
    """The reply to warning ``warning``: indicators seen since ``since`` (or the statement none was)."""
    reply = build_reply(cfg, warning, since)
    return write_report(reply_document(cfg, reply), reply_annex(cfg, reply), out_dir, ioc_reply_name(warning),
                        formats)
