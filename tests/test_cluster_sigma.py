"""Sigma in the cluster: each rule's candidate query (pySigma's Lucene backend, our ECS pipelines, ``<field>.lc``
lowercase sub-fields) finds every event its SQL matches, so a cluster scan that fetches only the candidates gives
exactly the embedded store's alerts — case differences, wildcards, ``?``, a regex, a CIDR, numbers, a negated filter,
a keyword on the raw line, a value longer than ``ignore_above``, a list field, correlations, a rule without
candidates. On real OpenSearch and Elasticsearch nodes (scripts/test-node), never a mock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from test_store_cluster import _cfg, _init

from soc.config import from_dict
from soc.detect.rules import compile_rules
from soc.detect.scan import ALERT_COLUMNS, ALERT_FIELDS
from soc.store.cluster import schema
from soc.store.events_api import ArrowBatch
from soc.store.registry import open_store
from soc.store.types import ScanWindow
from soc.triage.intake import scan

T0 = datetime(2026, 11, 24, 8, 0, 0)
LONG = "A" * 9000 + " mimikatz"  # longer than ignore_above (8191): not indexed in the cluster

RULES = {
    "case.yml": """
title: cmd with /c, any case
id: 30000000-0000-0000-0000-000000000001
logsource: {product: csigma}
detection:
  sel: {process.command_line|contains: 'CMD.EXE /C'}
  condition: sel
level: high
""",
    "wildcards.yml": """
title: a system binary by pattern
id: 30000000-0000-0000-0000-000000000002
logsource: {product: csigma}
detection:
  sel:
    process.executable: 'C:\\Win*\\Sys?em32\\\\*.exe'  # Sigma: '\\\\' a backslash, then the wildcard
  filter:
    user.name: SYSTEM
  condition: sel and not filter
level: medium
""",
    "regex.yml": """
title: whoami all by regex (case-sensitive)
id: 30000000-0000-0000-0000-000000000003
logsource: {product: csigma}
detection:
  sel: {process.command_line|re: 'whoami\\s+/all'}
  condition: sel
level: medium
""",
    "regex_fold.yml": """
title: folded regexes
id: 30000000-0000-0000-0000-00000000000c
logsource: {product: csigma}
detection:
  sel:
    process.command_line|re|i:
      - 'select\\s.+\\sfrom'
      - '(^|\\W)(kubet|w88)(\\W|$)'
  condition: sel
level: medium
""",
    "exists.yml": """
title: a named executable of the user1 accounts
id: 30000000-0000-0000-0000-00000000000d
logsource: {product: csigma}
detection:
  sel:
    process.executable|exists: true
    user.name|startswith: user1
  condition: sel
level: low
""",
    "cidr.yml": """
title: from the management network
id: 30000000-0000-0000-0000-000000000004
logsource: {product: csigma}
detection:
  sel: {source.ip|cidr: 10.20.0.0/16}
  condition: sel
level: low
""",
    "numbers.yml": """
title: server errors and a teapot
id: 30000000-0000-0000-0000-000000000005
logsource: {product: csigma}
detection:
  big: {http.response.status_code|gte: 500}
  teapot: {http.response.status_code: 418}
  condition: big or teapot
level: low
""",
    "keyword.yml": """
title: a keyword on the raw line
id: 30000000-0000-0000-0000-000000000006
logsource: {product: csigma}
detection:
  keywords: ['EvilString']
  condition: keywords
level: low
""",
    "long.yml": """
title: mimikatz anywhere in a long command line
id: 30000000-0000-0000-0000-000000000007
logsource: {product: csigma}
detection:
  sel: {process.command_line|contains: MIMIKATZ}
  condition: sel
level: critical
""",
    "list.yml": """
title: a listed user among related users
id: 30000000-0000-0000-0000-000000000008
logsource: {product: csigma}
detection:
  sel: {related.user: [Admin, root]}
  condition: sel
level: low
""",
    "vietnamese.yml": """
title: a Vietnamese action name
id: 30000000-0000-0000-0000-000000000009
logsource: {product: csigma}
detection:
  sel: {event.action|contains: 'ĐĂNG NHẬP'}
  condition: sel
level: low
""",
    "fails.yml": """
title: failed logins
id: 30000000-0000-0000-0000-00000000000a
name: csigma_failed_login
logsource: {product: csigma}
detection:
  sel: {event.action: LOGIN_FAILED}
  condition: sel
level: low
---
title: many failed logins per user
id: 30000000-0000-0000-0000-00000000000b
correlation:
  type: event_count
  rules: [csigma_failed_login]
  group-by: [user.name]
  timespan: 5m
  condition: {gte: 3}
level: high
""",
}


def _events() -> pa.Table:
    rows = [
        {"process.command_line": "cmd.exe /c whoami /all", "process.executable": "C:\\Windows\\System32\\cmd.exe",
         "user.name": "alice", "source.ip": "10.20.3.4"},
        {"process.command_line": "Cmd.Exe /C dir", "process.executable": "c:\\windows\\system32\\CMD.EXE",
         "user.name": "system"},
        {"process.command_line": "CMD.EXE /c WHOAMI /ALL", "process.executable": "C:\\Windows\\Sys_em32\\x.exe",
         "user.name": "bob", "source.ip": "10.21.0.1"},
        {"process.command_line": "powershell -enc AAA", "process.executable": "C:\\Windows\\SysWOW64\\p.exe",
         "source.ip": "10.20.255.255"},
        {"process.command_line": LONG, "process.executable": "D:\\tools\\m.exe", "user.name": "eve"},
        # RE2 folds "s" with "ſ" (U+017F, which lowercasing keeps) and "k" with the Kelvin sign (lowercased "k")
        {"process.command_line": "psql -c ſelect name FROM congdan", "user.name": "dba"},
        {"process.command_line": "open https://\u212aUBET.example/", "user.name": "carol"},
        {"process.command_line": "whoami\t/all; Select 1 From dual", "user.name": "dave"},
        {"process.executable": "E:\\" + "x" * 9000 + ".exe", "user.name": "user1-long"},  # exists, not indexed
        {"http.response.status_code": 503, "event.original": "GET / 503 evilstring here"},
        {"http.response.status_code": 418, "event.original": "GET /tea 418"},
        {"http.response.status_code": 404, "event.original": "GET /x 404 EVILSTRING"},
        {"related.user": ["guest", "ADMIN"]},
        {"related.user": ["guest"]},
        {"event.action": "đăng nhập"},
        {"event.action": "ĐĂNG NHẬP thất bại"},
    ]
    rows += [{"process.command_line": f"notepad.exe note{i}.txt", "process.executable": f"C:\\Apps\\n{i}.exe",
              "user.name": f"user{i}"} for i in range(40)]  # events the process rules' candidates leave out
    for i, user in enumerate(["root", "Root", "root", "dan", "root"]):
        rows.append({"event.action": "login_failed", "user.name": user, "_at": T0 + timedelta(seconds=30 * i)})
    columns = {"event.id": pa.string(), "@timestamp": pa.timestamp("us"), "event.ingested": pa.timestamp("us"),
               "event.dataset": pa.string(), "process.command_line": pa.string(), "process.executable": pa.string(),
               "user.name": pa.string(), "source.ip": pa.string(), "http.response.status_code": pa.int64(),
               "event.original": pa.string(), "related.user": pa.list_(pa.string()), "event.action": pa.string()}
    out = []
    for i, row in enumerate(rows):
        at = row.pop("_at", T0 + timedelta(minutes=10 + i))
        out.append({"event.id": f"csigma-{i:03d}", "@timestamp": at, "event.ingested": T0 + timedelta(hours=1),
                    "event.dataset": "csigma.test", **row})
    return pa.Table.from_pylist(out, schema=pa.schema(list(columns.items())))


def _alerts(cfg) -> set[tuple]:
    with open_store(cfg) as store:
        return {(a["rule_id"], a["group_key"], a["first_time"], a["last_time"], a["event_count"])
                for a in store.state.alerts()}


NARROW = ("case.yml", "long.yml", "cidr.yml", "numbers.yml", "fails.yml", "regex.yml", "regex_fold.yml",
          "vietnamese.yml", "exists.yml")  # candidates: under half the events


def _rules(folder: Path, names=tuple(RULES)) -> Path:
    folder.mkdir()
    for name in names:
        (folder / name).write_text(RULES[name], encoding="utf-8")
    return folder


@pytest.fixture()
def rules_dir(tmp_path: Path) -> Path:
    return _rules(tmp_path / "rules")


def test_candidate_queries_are_compiled_and_cached(rules_dir, tmp_path):
    assert all(r.cluster is None for r in compile_rules(rules_dir).rules)  # an embedded scan does not pay for them
    rules = {r.rule.title: r for r in compile_rules(rules_dir, cluster=True).rules}
    assert ".lc:" in rules["cmd with /c, any case"].cluster[0]  # lowercased values on the normalised sub-field
    assert "cmd.exe\\ \\/c" in rules["cmd with /c, any case"].cluster[0]
    # a regex: the strings every match contains (soc.detect.regex_literals), looked up lowercased
    regex = rules["whoami all by regex (case-sensitive)"].cluster[0]
    assert "process.command_line.lc:*whoami*" in regex and "process.command_line.lc:*\\/all*" in regex
    folded = rules["folded regexes"].cluster[0]  # |i: "select" is looked up as "elect" (RE2 folds ſ with s)
    assert "*elect*" in folded and "*select*" not in folded and "*kubet*" in folded
    # Vietnamese lowercases alike in Python, DuckDB and the cluster's Java: narrowed too
    assert "event.action.lc:*đăng\\ nhập*" in rules["a Vietnamese action name"].cluster[0]
    assert "source.ip:10.20.0.0\\/16" in rules["from the management network"].cluster[0]
    corr = rules["many failed logins per user"]
    assert corr.is_correlation and corr.cluster and "login_failed" in corr.cluster[0]
    cfg = from_dict({}, data_dir=tmp_path / "data")
    from soc.detect.rule_cache import compile_rules_cached
    first = compile_rules_cached(rules_dir, (), cfg.data_dir / "cache", cluster=True)
    again = compile_rules_cached(rules_dir, (), cfg.data_dir / "cache", cluster=True)
    assert again.cached_files > 0 and any(r.cluster for r in again.rules)
    assert {r.id: r.cluster for r in again.rules} == {r.id: r.cluster for r in first.rules}


@pytest.mark.parametrize("names", [tuple(RULES), NARROW], ids=["every-rule", "narrow-rules"])
def test_same_alerts_on_both_stores(node, names, tmp_path):  # noqa: F811 - the fixture
    rules_dir = _rules(tmp_path / "rules", names)
    embedded = from_dict({}, data_dir=tmp_path / "embedded")
    cluster = _cfg(node, tmp_path / "cluster", f"csigma-{len(names)}")
    _init(cluster)
    table = _events()
    for cfg in (embedded, cluster):
        with open_store(cfg) as store:
            assert store.events.append(ArrowBatch(table)) == table.num_rows
    assert not scan(embedded, rules_dir=rules_dir).errors
    summary = scan(cluster, rules_dir=rules_dir)
    assert not summary.errors
    want, got = _alerts(embedded), _alerts(cluster)
    assert len({a[0] for a in want}) == len(names)  # every rule alerts (the correlation's base rule only through it)
    assert got == want
    again = scan(cluster, rules_dir=rules_dir)
    assert (again.new_alerts, again.updated_alerts) == (0, 0)


def test_cluster_reads_only_candidates_and_a_rule_without_any_reads_its_window(node, rules_dir, tmp_path):  # noqa: F811
    cluster = _cfg(node, tmp_path / "cluster", "csigma2")
    embedded = from_dict({}, data_dir=tmp_path / "embedded")
    _init(cluster)
    table = _events()
    for cfg in (embedded, cluster):
        with open_store(cfg) as store:
            store.events.append(ArrowBatch(table))
    rules = [r for r in compile_rules(rules_dir, cluster=True).rules if not r.is_correlation]
    keyed = [(r.id, r.queries) for r in rules]
    fields = {f for r in rules for f in r.fields} | ALERT_FIELDS
    with open_store(embedded) as store, store.events.detection(fields) as run:
        want = run.matches_many(keyed, ScanWindow(), ALERT_COLUMNS)
    with open_store(cluster) as store, store.events.detection(fields) as run:
        assert run.prefilter_language == "lucene"
        narrow = [r for r in rules if r.rule.title == "cmd with /c, any case"]
        got = run.matches_many([(r.id, r.queries) for r in narrow], ScanWindow(), ALERT_COLUMNS,
                               {r.id: r.cluster for r in narrow})
        # read: the three cmd lines and the long one (not indexed: Elasticsearch names it in _ignored; OpenSearch
        # does not, so there every event without an indexed command line is a candidate too) — not the others
        assert run._last is not None and run._last.events == 4
        assert got == {r.id: want[r.id] for r in narrow}
        # the folded regexes read only the lines holding "elect" and "from", or "kubet" (the Kelvin sign's line
        # too: the cluster lowercases it to "k"), and the long line — not every event
        folded = [r for r in rules if r.rule.title == "folded regexes"]
        got = run.matches_many([(r.id, r.queries) for r in folded], ScanWindow(), ALERT_COLUMNS,
                               {r.id: r.cluster for r in folded})
        assert run._last.events == 4
        assert got == {r.id: want[r.id] for r in folded} and len(want[folded[0].id]) == 3
        # exists: the indexed executables and the one too long to index (soc.unindexed_fields), of user1*
        named = [r for r in rules if r.rule.title.startswith("a named executable")]
        got = run.matches_many([(r.id, r.queries) for r in named], ScanWindow(), ALERT_COLUMNS,
                               {r.id: r.cluster for r in named})
        assert run._last.events == 12 and len(want[named[0].id]) == 12 and got == {named[0].id: want[named[0].id]}
        got = run.matches_many(keyed, ScanWindow(), ALERT_COLUMNS, {r.id: r.cluster for r in rules})
        assert got == want
        # a rule without candidate queries (the backend refused it): the whole window is read, same matches
        cands = {r.id: r.cluster for r in rules} | {rules[0].id: None}
        assert run.matches_many(keyed, ScanWindow(), ALERT_COLUMNS, cands) == want
        assert run._last.events == table.num_rows


def test_an_index_made_before_long_values_were_named_keeps_its_long_values_candidates(node, tmp_path):  # noqa: F811
    """Events stored before ``soc.unindexed_fields`` existed (an index whose mapping lacks it) are still found when
    their value is too long to index: the wide clause stays for those indices (``_index``), the narrow one serves
    the others — same alerts as the embedded store."""
    rules_dir = _rules(tmp_path / "rules", ("long.yml", "case.yml"))
    embedded = from_dict({}, data_dir=tmp_path / "embedded")
    cluster = _cfg(node, tmp_path / "cluster", "csigma-old")
    _init(cluster)
    old = {"event.id": "csigma-old-1", "@timestamp": "2026-10-02T03:00:00.000000Z",
           "event.ingested": "2026-11-24T09:00:00.000000Z", "event.dataset": "csigma.test",
           "process.command_line": "B" * 9000 + " Mimikatz", "user.name": "mallory"}
    with open_store(cluster) as store:
        conn, prefix = store.events.conn, store.events.prefix
        mappings = schema.ecs_properties()
        del mappings["soc"]["properties"]["unindexed_fields"]
        for name in (f"{prefix}-events", f"{prefix}-stream"):  # as an older version left the cluster
            conn.request("DELETE", f"/_index_template/{name}")
        index = f"{prefix}-events-csigma_test-2026.10"
        conn.request("PUT", f"/{index}", {"mappings": {"properties": mappings}})
        conn.request("PUT", f"/{index}/_doc/{old['event.id']}", old, params={"refresh": "true"})
    _init(cluster)  # this version's templates again: new events name their long values
    table = _events()
    for cfg in (embedded, cluster):
        with open_store(cfg) as store:
            store.events.append(ArrowBatch(table))
    with open_store(embedded) as store:
        store.events.append(ArrowBatch(pa.Table.from_pylist(
            [{**old, "@timestamp": datetime(2026, 10, 2, 3), "event.ingested": datetime(2026, 11, 24, 9)}],
            schema=pa.schema([(k, table.schema.field(k).type) for k in old]))))
    assert not scan(embedded, rules_dir=rules_dir).errors
    assert not scan(cluster, rules_dir=rules_dir).errors
    want, got = _alerts(embedded), _alerts(cluster)
    mimikatz = [a for a in want if a[0] == "30000000-0000-0000-0000-000000000007"]
    assert len(mimikatz) == 2  # the old long line and the new one
    assert got == want
    rules = [r for r in compile_rules(rules_dir, cluster=True).rules if r.rule.title.startswith("mimikatz")]
    with open_store(cluster) as store, store.events.detection({"process.command_line"}) as run:
        (query,) = run._tightened(rules[0].cluster)
        assert "soc.unindexed_fields:process\\.command_line" in query and f"_index:({_escaped(index)})" in query
        run.matches_many([(r.id, r.queries) for r in rules], ScanWindow(), ALERT_COLUMNS,
                         {r.id: r.cluster for r in rules})
        # read: the two long lines (the old index's by the wide clause, kept for that index only) — not all 62
        assert run._last.events == 2


def _escaped(name: str) -> str:
    return "".join("\\" + c if c in "-." else c for c in name)
