"""Issue-3 log sources: the syslog header step, kv/cef/w3c decoders, multi-line joining and auto-detection, run
through the real engine (DuckDB, Parquet store, dead-letter file) on the shipped samples."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
from storekit import stored as _events

from soc.enrich.pipeline import ingest_paths
from soc.ingest.autodetect import detect
from soc.ingest.parser import all_parsers
from soc.ingest.registry import decoder_for

SOURCES = {"fortigate": "fortinet_fortigate.log", "cef": "cef.log", "iis": "iis.access", "keycloak": "keycloak.log",
           "wso2_carbon": "wso2.carbon", "syslog": "system.syslog"}


def _sample(name: str) -> Path:
    """The parser's main sample (wso2_carbon also has audit.log: tests/test_parsers_modsec_wso2.py)."""
    logs = sorted(all_parsers()[name].samples_dir.glob("*.log"))
    return next((p for p in logs if p.stem.replace("_", "") == name.replace("_", "")), logs[0])


@pytest.mark.parametrize("name", sorted(SOURCES))
def test_detect_picks_the_product_parser(name):
    lines = _sample(name).read_text(encoding="utf-8").splitlines()
    found = detect(lines)
    assert found is not None and found.parser == name


def test_mixed_directory_every_line_stored_with_its_dataset(cfg, tmp_path: Path):
    mixed = tmp_path / "logs"
    mixed.mkdir()
    for name in SOURCES:
        shutil.copy(_sample(name), mixed / f"{name}.log")
    summary = ingest_paths(cfg, [mixed])
    assert summary.deadlettered == 0
    by_file = {Path(f.path).stem: f.parser for f in summary.files}
    assert by_file == {n: n for n in SOURCES}
    rows = dict(_events(cfg, 'SELECT "event.dataset", count(*) FROM events GROUP BY 1'))
    assert set(rows) == set(SOURCES.values())
    assert rows["wso2.carbon"] == 7  # 12 lines, the 5 stack-trace lines joined to their event
    assert rows["iis.access"] == 6  # 14 lines, 8 of them W3C directives


def test_w3c_fields_change_mid_file_and_survive_chunks(cfg, tmp_path: Path):
    """Chunks of 3 lines: the #Fields of the first chunk still name the columns of the next ones."""
    small = dataclasses.replace(cfg, chunk_lines=3)
    summary = ingest_paths(small, [_sample("iis")], parser="iis")
    assert (summary.stored, summary.deadlettered) == (6, 0)
    rows = _events(cfg, 'SELECT "url.path", "user_agent.original", "iis.access.site_name", "http.response.body.bytes" '
                        'FROM events ORDER BY "@timestamp"')
    assert rows[0][1].startswith("Mozilla/5.0 (Windows NT 10.0;")  # "+" decoded to spaces
    assert rows[0][2] is None and rows[-1][2:] == ("W3SVC2", 312)  # second #Fields adds s-sitename, sc-bytes


def test_multiline_stack_trace_joined_not_deadlettered(cfg):
    summary = ingest_paths(cfg, [_sample("wso2_carbon")], parser="wso2_carbon")
    assert (summary.read, summary.stored, summary.deadlettered) == (12, 7, 0)
    (original, stack), = _events(cfg, 'SELECT "event.original", "error.stack_trace" FROM events '
                                      "WHERE \"log.level\" = 'ERROR' AND \"error.stack_trace\" IS NOT NULL")
    assert original.count("\n") == 5 and stack.startswith("java.io.IOException") and stack.endswith("... 9 more")


def test_cef_escapes():
    parser = all_parsers()["cef"]
    line = r"CEF:0|Ven\|dor|Prod\\uct|1.0|100|a \| b|5|act=blocked a \= b msg=line1\nline2 path=C:\\tmp cs1Label=x y"
    d = decoder_for(parser).decode([line])
    assert d.failures == [] and d.rows == [0]
    col = {k: d.values(k)[0] for k in d.columns}
    assert (col["device_vendor"], col["device_product"], col["name"]) == ("Ven|dor", "Prod\\uct", "a | b")
    assert col["act"] == "blocked a = b" and col["msg"] == "line1\nline2" and col["cs1Label"] == "x y"
    assert decoder_for(parser).decode(["CEF:0|too|few|fields"]).failures[0][1].startswith("CEF header has fewer")


def test_syslog_header_variants_on_kv_parser():
    parser = all_parsers()["fortigate"]
    body = 'date=2026-11-24 time=08:00:00 logid="0000000013" type="traffic" subtype="forward" srcip=10.0.0.1'
    lines = [f"<189>{body}", body, f"Nov 24 08:00:00 relay01 {body}", f"<14>1 2026-11-24T08:00:00Z fgt - - - - {body}",
             "<189>date=2026-11-24 time=08:00:00 no-logid-here=1"]
    d = decoder_for(parser).decode(lines)
    assert d.rows == [0, 1, 2, 3] and d.failures == [(4, "no logid, type key (parser 'fortigate')")]
    assert d.values("syslog_pri")[:2] == ["189", None]
    assert d.values("syslog_host")[2] == "relay01" and d.values("syslog_host5424")[3] == "fgt"
    assert set(d.values("srcip")) == {"10.0.0.1"}


# Second batch: Zimbra (audit/mailbox, MTA), ModSecurity JSON, PostgreSQL + pgaudit, MariaDB/MySQL server_audit.
SOURCES_2 = {"zimbra_audit": "zimbra.audit", "zimbra_postfix": "zimbra.mta", "modsecurity": "modsecurity.auditlog",
             "postgresql": "postgresql.log", "mariadb_audit": "mysql.audit"}


@pytest.mark.parametrize("name", sorted(SOURCES_2))
def test_detect_picks_the_second_batch_parsers(name):
    for log in sorted(all_parsers()[name].samples_dir.glob("*.log")):
        found = detect(log.read_text(encoding="utf-8").splitlines())
        assert found is not None and found.parser == name, log.name


def test_second_batch_mixed_directory_with_security_facts(cfg, tmp_path: Path):
    mixed = tmp_path / "logs"
    mixed.mkdir()
    for name in SOURCES_2:
        for log in all_parsers()[name].samples_dir.glob("*.log"):
            if not log.name.startswith("native_"):  # ModSecurity native format: tests/test_parsers_modsec_wso2.py
                shutil.copy(log, mixed / f"{name}-{log.name}")
    summary = ingest_paths(cfg, [mixed])
    assert summary.deadlettered == 0
    rows = dict(_events(cfg, 'SELECT "event.dataset", count(*) FROM events GROUP BY 1'))
    assert set(rows) == set(SOURCES_2.values())
    # Zimbra: failed logins (audit WARN + mailbox.log "authentication failed for [x]") and the delegated access
    failed = _events(cfg, "SELECT \"user.name\", CAST(\"source.ip\" AS VARCHAR) FROM events WHERE \"event.dataset\" = "
                          "'zimbra.audit' AND \"event.outcome\" = 'failure' ORDER BY \"@timestamp\"")
    assert failed[0] == ("admin@sotttt.gov.vn", "185.220.101.4") and len(failed) == 4
    assert ("lethic@sotttt.gov.vn", "27.72.100.9") in failed  # first address of the proxy's oip list
    (actor, target), = _events(cfg, "SELECT \"user.name\", \"user.target.name\" FROM events "
                                    "WHERE \"zimbra.command\" = 'DelegateAuth'")
    assert (actor, target) == ("admin@sotttt.gov.vn", "giamdoc@sotttt.gov.vn")
    # mailbox.log stack trace joined to its event
    (stack,), = _events(cfg, "SELECT \"error.stack_trace\" FROM events WHERE \"error.stack_trace\" LIKE 'com.zimbra%'")
    assert stack.count("\n\tat ") == 2
    # ModSecurity v2 and v3: every rule id kept, blocked vs detected
    modsec = dict(_events(cfg, "SELECT \"modsec.audit.transaction_id\", \"modsec.audit.rule_ids\" FROM events "
                               "WHERE \"modsec.audit.action\" = 'blocked'"))
    assert modsec == {"ZAElN3Bgqvr9Dam47TgqxgAAAIE": ["930120", "949110"], "170080123456.789012": ["942100", "949110"]}
    # pgaudit CSV with quoted statement; MariaDB audit \' unescaped
    pg = _events(cfg, "SELECT \"db.statement\" FROM events WHERE \"pgaudit.class\" = 'READ' ORDER BY \"@timestamp\"")
    assert pg[0][0] == "select hoten, cccd from congdan where cccd = '001203004567'"
    my = _events(cfg, "SELECT \"db.statement\", \"event.outcome\" FROM events WHERE \"mysql.audit.operation\" = 'QUERY' "
                      "ORDER BY \"@timestamp\"")
    assert my[0][0].endswith("cccd = '001203004567'") and my[-1] == ("DROP TABLE qlcd.tam", "failure")


def test_pgaudit_statement_with_commas_and_doubled_quotes():
    parser = all_parsers()["postgresql"]
    line = ('2026-11-24 10:00:01.123 +07 [1] u@d LOG:  AUDIT: SESSION,7,2,WRITE,INSERT,TABLE,public.t,'
            '"insert into t values (1, \'a,b\', \'say \"\"hi\"\"\')",<not logged>')
    d = decoder_for(parser).decode([line])
    assert d.failures == [] and d.rows == [0]
    col = {k: d.values(k)[0] for k in d.columns}
    assert col["class"] == "WRITE" and col["object_name"] == "public.t" and col["parameter"] == "<not logged>"
    assert col["statement"] == '"insert into t values (1, \'a,b\', \'say ""hi""\')"'


def test_mariadb_audit_malformed_line_dead_lettered(cfg, tmp_path: Path):
    log = tmp_path / "server_audit.log"
    log.write_text("20261124 10:00:00,db,app,10.0.0.1,12,0,CONNECT,qlcd,,0\nthis is not an audit record\n",
                   encoding="utf-8")
    summary = ingest_paths(cfg, [log], parser="mariadb_audit")
    assert (summary.stored, summary.deadlettered) == (1, 1)
