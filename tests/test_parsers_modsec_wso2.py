"""ModSecurity native audit log (2.x and 3.x Serial records), WSO2 API-M HTTP access log and WSO2 IS audit lines:
auto-detection, a mixed directory through the real engine, and truncated records dead-lettered with their reason."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from storekit import stored as _events

from soc.enrich.pipeline import ingest_paths
from soc.ingest.autodetect import detect
from soc.ingest.parser import all_parsers
from soc.ingest.registry import decoder_for
from soc.store import EventStore

SAMPLES = {  # sample file → the parser auto-detection must pick
    "modsecurity/native_v2_sqli_blocked.log": "modsecurity",
    "modsecurity/native_v2_xss_detection_only.log": "modsecurity",
    "modsecurity/native_v2_post_body.log": "modsecurity",
    "modsecurity/native_v3.log": "modsecurity",
    "modsecurity/native_truncated.log": "modsecurity",
    "modsecurity/modsec_audit.log": "modsecurity",
    "wso2_http_access/http_access_.log": "wso2_http_access",
    "wso2_carbon/audit.log": "wso2_carbon",
    "wso2_carbon/wso2carbon.log": "wso2_carbon",
}


def _path(rel: str) -> Path:
    return all_parsers()["modsecurity"].path.parent / "samples" / rel


@pytest.mark.parametrize("rel", sorted(SAMPLES))
def test_detect_picks_the_parser(rel):
    found = detect(_path(rel).read_text(encoding="utf-8").splitlines())
    assert found is not None and found.parser == SAMPLES[rel]


def test_detect_from_the_first_lines_of_a_native_log():
    """The head of a file (a record cut by the sample's end) is enough and the cut record does not count."""
    lines = _path("modsecurity/native_v2_sqli_blocked.log").read_text(encoding="utf-8").splitlines()
    for n in (3, 12, 30):
        found = detect(lines[:n])
        assert found is not None and found.parser == "modsecurity", n


def test_mixed_directory_every_record_stored_with_its_dataset(cfg, tmp_path: Path):
    mixed = tmp_path / "logs"
    mixed.mkdir()
    for rel in SAMPLES:
        if "truncated" not in rel:
            shutil.copy(_path(rel), mixed / rel.replace("/", "-"))
    summary = ingest_paths(cfg, [mixed])
    assert summary.deadlettered == 0
    assert {Path(f.path).name: f.parser for f in summary.files} == {
        rel.replace("/", "-"): p for rel, p in SAMPLES.items() if "truncated" not in rel}
    rows = dict(_events(cfg, 'SELECT "event.dataset", count(*) FROM events GROUP BY 1'))
    # modsecurity: 6 JSON lines + 1 + 1 + 2 + 2 native records; wso2.carbon: 7 carbon events + 8 audit lines
    assert rows == {"modsecurity.auditlog": 12, "wso2.access": 10, "wso2.carbon": 15}
    native = dict(_events(cfg, "SELECT \"modsec.audit.transaction_id\", \"modsec.audit.action\" FROM events "
                               "WHERE \"event.original\" LIKE '--%'"))
    assert native == {"ZAE4xnBgqvr9Dam47TgqzQAAAIJ": "blocked", "Y-rDSoUvR2SaOiwbiHSndQAAAAI": "detected",
                      "WUj@R6wVAAYAAAAWDDAAAAAE": "blocked", "ZAE5AnBgqvr9Dam47TgqzgAAAIK": None,
                      "179559361241.395850": "blocked", "179559367558.929952": "detected"}
    (rule_ids, original), = _events(cfg, "SELECT \"modsec.audit.rule_ids\", \"event.original\" FROM events "
                                         "WHERE \"modsec.audit.transaction_id\" = 'ZAE4xnBgqvr9Dam47TgqzQAAAIJ'")
    assert rule_ids == ["913100", "942100", "949110", "980130"]
    assert original.startswith("--3f1a9c2e-A--\n") and original.endswith("\n--3f1a9c2e-Z--")
    # the gateway's correlation id pivots to the Identity Server audit line of the same request
    users = _events(cfg, "SELECT \"user.name\", \"user.target.name\", \"event.action\" FROM events "
                         "WHERE \"event.dataset\" = 'wso2.carbon' AND \"event.category\" = ['iam'] "
                         "AND \"event.outcome\" = 'failure'")
    assert users == [("admin@carbon.super", "tranthib", "delete-user")]


def test_truncated_records_dead_lettered_with_file_line_and_reason(cfg, tmp_path: Path):
    log = tmp_path / "modsec_audit.log"
    shutil.copy(_path("modsecurity/native_truncated.log"), log)
    summary = ingest_paths(cfg, [log], parser="modsecurity")
    assert (summary.read, summary.stored, summary.deadlettered) == (34, 1, 14)
    dead = [json.loads(x) for x in summary.deadletter_path.read_text(encoding="utf-8").splitlines()]
    firsts = [(d["line"], d["reason"]) for d in dead if "no Z section" in d["reason"]]
    assert [n for n, _ in firsts] == [1, 30]
    assert "starts another one" in firsts[0][1] and "end of the input" in firsts[1][1]
    assert all(d["file"] == str(log.resolve()) for d in dead)
    assert dead[0]["raw"] == "--7d2e11aa-A--"


def test_native_decoder_columns_match_the_json_format():
    parser = all_parsers()["modsecurity"]
    lines = _path("modsecurity/native_v3.log").read_text(encoding="utf-8").splitlines()
    d = decoder_for(parser).decode(lines)
    assert d.failures == [] and len(d.rows) == 2
    col = {k: d.values(k)[0] for k in d.columns}
    assert col["transaction.time"] == "24/Nov/2026:10:40:12 +0700"
    assert col["request.request_line"].startswith("GET /rest/products/search?q=")
    assert col["response.status"] == "403" and col["audit_data.action.intercepted"] == "true"
    assert json.loads(col["audit_data.messages"])[0].startswith("Warning. detected SQLi")


def test_line_outside_a_record_is_a_failure_not_dropped():
    parser = all_parsers()["modsecurity"]
    d = decoder_for(parser).decode(["Message: Warning. stray trailer line", "", "--ab12cd34-Z--"])
    assert d.rows == [] and [i for i, _ in d.failures] == [0, 2]
    assert "outside a ModSecurity record" in d.failures[0][1]


def test_webserver_sigma_rule_fires_on_modsecurity_and_wso2_gateway_records(cfg, tmp_path: Path):
    """The `category: webserver` pipeline covers every web dataset, not only nginx: the shipped SQL-injection rule
    alerts on the ModSecurity native record and the WSO2 gateway line carrying the same attack."""
    from soc.store.state import StateDB
    from soc.triage.intake import scan as run_scan

    logs = tmp_path / "web"
    logs.mkdir()
    shutil.copy(_path("modsecurity/native_v2_sqli_blocked.log"), logs / "modsec_audit.log")
    (logs / "http_access_.log").write_text(
        '10.20.1.7 - - [24/Nov/2026:10:15:02 +0700] "GET /api/hoso/1.0/tra-cuu?ma=1%27%20union%20select%20'
        'cccd,hoten%20from%20congdan--%20- HTTP/1.1" 200 512 "-" "sqlmap/1.8"\n', encoding="utf-8")
    summary = ingest_paths(cfg, [logs / "modsec_audit.log"])
    summary = ingest_paths(cfg, [logs / "http_access_.log"], parser="wso2_http_access")
    assert summary.deadlettered == 0
    run_scan(cfg)
    db = StateDB(cfg.data_dir / "state.db")
    try:
        ids = [i for a in db.alerts() if a["rule_id"] == "4a6c3d97-8e5b-4d4c-9a3a-7b2c5f9e4d88" for i in a["event_ids"]]
    finally:
        db.close()
    assert ids, "the SQL-injection rule raised no alert"
    in_list = ", ".join(f"'{i}'" for i in ids)
    hit = {ds for (ds,) in _events(cfg, f'SELECT DISTINCT "event.dataset" FROM events WHERE "event.id" IN ({in_list})')}
    assert hit == {"modsecurity.auditlog", "wso2.access"}


@pytest.mark.parametrize("sample", ["modsecurity/native_v2_sqli_blocked.log", "modsecurity/native_v3.log",
                                    "modsecurity/native_v2_post_body.log", "wso2_carbon/wso2carbon.log"])
def test_multiline_events_cut_by_chunk_boundaries_are_joined(cfg, tmp_path: Path, sample: str):
    """A record or stack trace split across read chunks is carried into the next chunk, never dead-lettered as two
    truncated halves: chunk sizes from 2 lines to the whole file store the same events."""
    import dataclasses

    seen = None
    for size in (2, 3, 5, 8, 50_000):
        small = dataclasses.replace(cfg, data_dir=tmp_path / f"data-{size}", chunk_lines=size)
        summary = ingest_paths(small, [_path(sample)])
        assert summary.deadlettered == 0, size
        con = EventStore(small.data_dir).open_events()
        try:
            events = con.execute('SELECT "event.original" FROM events ORDER BY "log.offset"').fetchall()
        finally:
            con.close()
        assert events and (seen is None or events == seen), size
        seen = events
