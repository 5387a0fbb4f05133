"""Parser samples, Elastic-integration style: ``parsers/samples/<parser>/<case>.log`` next to
``<case>.expected.json`` (one expected ECS document per line, flat dotted names). Parsers that read binary records
(EVTX, pcap) have ``<case>.evtx`` / ``<case>.pcap`` instead, with one expected document per record. Used by
``soc parsers test`` and the test suite. Volatile fields (ingest time, file path) are not compared.
"""

from __future__ import annotations

import dataclasses
import json
import math
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from soc.config import Config
from soc.ingest.engine import ingest_paths
from soc.ingest.mapper import parse_lines
from soc.ingest.parser import Parser
from soc.ingest.registry import is_record_decoder
from soc.store.registry import open_store
from soc.store.workspace import NO_ENRICHERS, Enrichers

VOLATILE = {"event.ingested", "log.file.path"}
ENRICHED = ("soc.pii.", "soc.time.")  # added by enrichers (tested in tests/test_pii.py), not by the parser
REFERENCE = datetime(2026, 11, 30, 12, 0, 0)  # fixed "now" so year-less syslog samples parse the same every year


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


def parse_sample(cfg: Config, parser: Parser, log: Path, enrichers: Enrichers = NO_ENRICHERS
                 ) -> list[dict[str, Any] | str]:
    """Each line of ``log`` as a flat ECS document without nulls, or the dead-letter reason."""
    lines = log.read_text(encoding="utf-8").splitlines()
    rows, failures = parse_lines(cfg, lines, parser.name, reference=REFERENCE, enrichers=enrichers)
    docs: dict[int, dict[str, Any]] = {}
    for rec in rows:
        i = rec.pop("_i")
        docs[i] = {k: _clean(v) for k, v in sorted(rec.items()) if _clean(v) is not None and k not in VOLATILE
                   and not k.startswith(ENRICHED)}
    out: list[dict[str, Any] | str] = [docs.get(i, "") for i in range(len(lines))]
    for line_no, reason in failures:
        out[line_no - 1] = f"dead-letter: {reason}"
    return out


def parse_record_sample(cfg: Config, parser: Parser, sample: Path, enrichers: Enrichers = NO_ENRICHERS
                        ) -> list[dict[str, Any] | str]:
    """Each record of a binary sample as a flat ECS document, through the real engine into a scratch store."""
    with tempfile.TemporaryDirectory(prefix="soc-sample-") as scratch:
        tmp_cfg = dataclasses.replace(cfg, data_dir=Path(scratch))
        summary = ingest_paths(tmp_cfg, [sample], parser=parser.name, enrichers=enrichers)
        with open_store(tmp_cfg) as store:
            rows = store.events.dump("log.offset")
        dead = [json.loads(x) for f in (tmp_cfg.data_dir / "deadletter").glob("*.jsonl")
                for x in f.read_text(encoding="utf-8").splitlines()] if summary.deadlettered else []
    docs: list[dict[str, Any] | str] = [
        {k: _clean(v) for k, v in sorted(r.items()) if _clean(v) is not None and k not in VOLATILE
         and not k.startswith(ENRICHED)} for r in rows]
    return docs + [f"dead-letter: {d.get('reason')}" for d in dead]


def sample_files(parser: Parser) -> list[Path]:
    """The parser's sample inputs: ``*.log``, or for binary record parsers every file but the expected JSON."""
    folder = parser.samples_dir
    if not folder.is_dir():
        return []
    if is_record_decoder(parser.decoder):
        return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.endswith(".json"))
    return sorted(folder.glob("*.log"))


def _parse(cfg: Config, parser: Parser, sample: Path, enrichers: Enrichers) -> list[dict[str, Any] | str]:
    if is_record_decoder(parser.decoder):
        return parse_record_sample(cfg, parser, sample, enrichers)
    return parse_sample(cfg, parser, sample, enrichers)


def _diff(expected: dict[str, Any], actual: dict[str, Any] | str) -> list[str]:
    if isinstance(actual, str):  # dead-lettered, or "" for a line consumed by the event before it (multi-line)
        return [] if actual == expected else [actual or "line consumed by the event before it (multi-line)"]
    problems = []
    for k in sorted(set(expected) | set(actual)):
        if expected.get(k) != actual.get(k) and not k.startswith(ENRICHED):
            problems.append(f"{k}: expected {expected.get(k)!r}, got {actual.get(k)!r}")
    return problems


def check_parser(cfg: Config, parser: Parser, enrichers: Enrichers = NO_ENRICHERS) -> list[str]:
    """Every difference between a parser's output on its samples (run with ``enrichers``, as ingest would) and
    the expected documents."""
    folder = parser.samples_dir
    logs = sample_files(parser)
    if not logs:
        return [f"{folder}: no samples"]
    problems = []
    for log in logs:
        exp_path = log.with_suffix(".expected.json")
        if not exp_path.is_file():
            problems.append(f"{exp_path}: missing (write it with `soc parsers test --generate` and review it)")
            continue
        expected = json.loads(exp_path.read_text(encoding="utf-8"))
        actual = _parse(cfg, parser, log, enrichers)
        if len(expected) != len(actual):
            problems.append(f"{log.name}: {len(actual)} lines but {len(expected)} expected documents")
            continue
        for n, (exp, act) in enumerate(zip(expected, actual, strict=True), start=1):
            problems += [f"{log.name}:{n}: {p}" for p in _diff(exp, act)]
    return problems


def generate_expected(cfg: Config, parser: Parser, enrichers: Enrichers = NO_ENRICHERS) -> list[Path]:
    """Write ``<case>.expected.json`` from the current output (review the diff before committing it)."""
    written = []
    for log in sample_files(parser):
        docs = _parse(cfg, parser, log, enrichers)
        path = log.with_suffix(".expected.json")
        path.write_text(json.dumps(docs, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        written.append(path)
    return written
