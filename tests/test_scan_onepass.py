"""One pass per window: many rules evaluated in one scan of the events find exactly what rule-by-rule queries find
(the shipped pack over its own regression samples, verbatim SigmaHQ rules over real log lines), and a rule the
engine refuses is isolated and reported while the rest of its chunk still alerts."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pytest
from test_sigmahq import AUTH, SIGMAHQ, WEB, WINDOWS

from soc import paths
from soc.config import from_dict
from soc.detect.rule_samples import sample_parser
from soc.detect.rules import compile_rules
from soc.detect.scan import ALERT_COLUMNS, ALERT_FIELDS
from soc.enrich.pipeline import ingest_paths
from soc.store import detection
from soc.store.embedded import EventStore
from soc.store.events_api import ArrowBatch, QueryFailed
from soc.store.state import StateDB
from soc.store.types import ScanWindow
from soc.triage.intake import scan as run_scan

NUMERIC = """
title: Server errors compared as numbers
id: 20000000-0000-0000-0000-000000000001
logsource: {category: webserver}
detection:
  sel:
    http.response.status_code|gte: 500
  condition: sel
level: low
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    """A store holding every regression sample of the shipped pack plus the SigmaHQ test lines, and both rule sets."""
    tmp = tmp_path_factory.mktemp("onepass")
    cfg = from_dict({}, data_dir=tmp / "data")
    for log in sorted(Path(paths.rules_dir()).glob("*/samples/*/t[pn].*")):
        if (log.parent / "soc.toml").exists():
            continue  # needs its own config (an offline GeoIP table)
        ingest_paths(cfg, [log], parser=sample_parser(log.parent))
    (tmp / "access.log").write_text("\n".join(WEB) + "\n", encoding="utf-8")
    (tmp / "auth.log").write_text("\n".join(AUTH) + "\n", encoding="utf-8")
    ingest_paths(cfg, [tmp / "access.log"], parser="nginx_combined")
    ingest_paths(cfg, [tmp / "auth.log"], parser="linux_auth")
    ingest_paths(cfg, sorted(WINDOWS.glob("*.log")), parser="windows_json")
    rules = [r for d in (paths.rules_dir(), SIGMAHQ) for r in compile_rules(d).rules if not r.is_correlation]
    return cfg, rules


@pytest.mark.parametrize("chunk", [150, 7])
def test_one_pass_finds_what_rule_by_rule_finds(corpus, monkeypatch, chunk):
    cfg, rules = corpus
    monkeypatch.setattr(detection, "CHUNK", chunk)
    store = EventStore(cfg.data_dir)
    fields = compile_rules(paths.rules_dir()).fields | compile_rules(SIGMAHQ).fields | ALERT_FIELDS
    with store.detection(fields) as run:
        assert run.events > 100
        one_by_one = {r.id: run.matches(r.queries, ScanWindow(), ALERT_COLUMNS) for r in rules}
        together = run.matches_many([(r.id, r.queries) for r in rules], ScanWindow(), ALERT_COLUMNS)
    assert together == one_by_one
    fired = [k for k, rows in one_by_one.items() if rows]
    assert len(rules) > 50 and len(fired) >= 45, len(fired)  # not a vacuous equality


def test_a_refused_rule_is_isolated_in_its_chunk(corpus, monkeypatch):
    cfg, rules = corpus
    monkeypatch.setattr(detection, "CHUNK", 16)
    keyed = [(r.id, r.queries) for r in rules]
    keyed.insert(5, ("refused", ['SELECT * FROM "events" WHERE regexp_matches("url.original", \'(?<=a)b\')']))
    fields = compile_rules(paths.rules_dir()).fields | compile_rules(SIGMAHQ).fields | ALERT_FIELDS
    with EventStore(cfg.data_dir).detection(fields) as run:
        together = run.matches_many(keyed, ScanWindow(), ALERT_COLUMNS)
        alone = {r.id: run.matches(r.queries, ScanWindow(), ALERT_COLUMNS) for r in rules[:16]}
    assert isinstance(together["refused"], QueryFailed) and "perl operator" in str(together["refused"])
    assert {k: together[k] for k in alone} == alone


def test_scan_reports_the_refused_rule_and_alerts_for_the_others(tmp_path: Path):
    rules = tmp_path / "rules"
    rules.mkdir()
    for path in SIGMAHQ.glob("web_*.yml"):
        (rules / path.name).write_bytes(path.read_bytes())
    (rules / "numeric.yml").write_text(NUMERIC, encoding="utf-8")
    (tmp_path / "access.log").write_text("\n".join(WEB) + "\n", encoding="utf-8")
    cfg = from_dict({}, data_dir=tmp_path / "data")
    ingest_paths(cfg, [tmp_path / "access.log"], parser="nginx_combined")
    odd = pa.table({"event.id": ["odd"], "event.dataset": ["nginx.access"], "@timestamp": [datetime(2026, 11, 24)],
                    "event.ingested": [datetime(2026, 11, 24)], "http.response.status_code": ["abc"]})
    store = EventStore(cfg.data_dir)
    with store.write_lock():
        store.append(ArrowBatch(odd))  # a source that logged its status as text: numeric comparisons fail
    summary = run_scan(cfg, rules_dir=rules)
    assert any("Server errors compared as numbers" in e for e in summary.errors), summary.errors
    titles = {a["rule_title"] for a in alerts(cfg)}
    assert {"JNDIExploit Pattern", "SQL Injection Strings", "Source Code Enumeration Detection by Keyword"} <= titles


def alerts(cfg) -> list[dict]:
    state = StateDB(Path(cfg.data_dir) / "state.db")
    try:
        return state.alerts()
    finally:
        state.close()
