"""The cluster store against a real OpenSearch node started by scripts/test-node (one node for the session).

Skipped, loudly, only when java or mvn is missing on a developer's machine; never when CI is set.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from soc.config import from_dict
from soc.demo import _write as write_demo
from soc.demo import build_lines, demo_config
from soc.searchlang import parse
from soc.store.cluster import schema
from soc.store.registry import open_store
from soc.store.types import ConflictError

ROOT = Path(__file__).resolve().parents[1]
END = date(2026, 11, 24)


def _cfg(url: str | tuple[str, str], data_dir: Path, namespace: str, raw: dict | None = None):
    kind, url = url if isinstance(url, tuple) else ("opensearch", url)
    raw = dict(raw or {})
    raw["store"] = {"kind": kind, "hosts": [url], "namespace": namespace}
    return from_dict(raw, data_dir=data_dir)


def _init(cfg) -> None:
    with open_store(cfg) as store:
        schema.init(store.events.conn, store.events.prefix, 365)


def test_init_is_idempotent_and_check_passes(node, tmp_path):
    cfg = _cfg(node, tmp_path, "init")
    with open_store(cfg) as store:
        first = schema.init(store.events.conn, store.events.prefix, 365)
        second = schema.init(store.events.conn, store.events.prefix, 365)
        assert [line.split(" (")[0] for line in first] == [line.split(" (")[0] for line in second]
        checks = schema.check(store.events.conn, store.events.prefix)
    assert all(ok for ok, _ in checks), [line for ok, line in checks if not ok]
    assert any(line.startswith(f"engine {node[0]} ") for _, line in checks)
    assert any(line.startswith("privileges: ") and "is off on this cluster" in line for _, line in checks)


def _alert_set(cfg) -> set[tuple]:
    with open_store(cfg) as store:
        return {(a["rule_id"], a["group_key"], a["first_time"], a["last_time"], a["event_count"])
                for a in store.state.alerts()}


def test_demo_province_gives_the_same_alerts_on_both_stores(node, tmp_path):
    from soc.enrich.pipeline import ingest_paths  # deferred like soc.demo.run does: later stages
    from soc.triage.intake import scan

    paths = write_demo(tmp_path / "logs", build_lines(2, 7, END, 800))
    lines = sum(len(p.read_bytes().splitlines()) for p in paths)
    embedded = demo_config(tmp_path / "embedded")
    cluster = _cfg(node, tmp_path / "cluster", "demo", embedded.raw)
    _init(cluster)
    local_first = ingest_paths(embedded, paths)
    first = ingest_paths(cluster, paths)
    assert first.stored == local_first.stored > lines // 2
    assert not scan(embedded).errors
    assert not scan(cluster).errors
    want, got = _alert_set(embedded), _alert_set(cluster)
    assert want and got == want
    again = scan(cluster)  # a second scan adds nothing
    assert (again.new_alerts, again.updated_alerts) == (0, 0)
    with open_store(cluster) as store:  # forget every file's checkpoint: the next ingest re-reads every line
        assert store.state.delete_all("checkpoints") == len(paths)
    reread = ingest_paths(cluster, paths)
    assert reread.read == first.read and reread.stored == 0
    with open_store(cluster) as store, open_store(embedded) as local:
        assert store.events.count() == local.events.count() == first.stored
    assert scan(cluster).new_alerts == 0
    assert _alert_set(cluster) == want


def test_an_edit_cut_off_before_its_audit_entry_is_still_audited_once(opensearch_url, tmp_path):
    cfg = _cfg(opensearch_url, tmp_path, "audit")
    _init(cfg)
    alert = {"id": "a-1", "rule_id": "r1", "rule_title": "Rule", "rule_level": "high", "event_ids": ["e1"],
             "first_time": "2026-11-24T01:00:00.000000Z", "last_time": "2026-11-24T01:00:00.000000Z"}

    def die(*args, **kwargs):  # the process is killed right after the alert itself was written
        raise KeyboardInterrupt

    with open_store(cfg) as one:
        one.state.upsert_alert(alert)
        seen = one.state.alert("a-1")["version"]
        one.state._flush = die
        with pytest.raises(KeyboardInterrupt):
            one.state.update_alert("a-1", "an", seen, status="acknowledged")
        with pytest.raises(KeyboardInterrupt):
            one.state.add_note("alert", "a-1", "an", "gọi quản trị hệ thống")
    with open_store(cfg) as two:  # another analyst's reader finds and writes the entries left behind
        assert two.state.alert("a-1")["status"] == "acknowledged"
        trail = two.state.audit_trail("a-1", "alert")
        assert [(r["actor"], r["action"], r["after"]) for r in trail] == [
            ("an", "update", {"status": "acknowledged"}), ("an", "note", {"note": 1})]
        two.state.update_alert("a-1", "binh", seen + 1, status="closed", resolution="false_positive")
    with open_store(cfg) as three:  # each entry once, the next edit after them
        assert [(r["actor"], r["action"]) for r in three.state.audit_trail("a-1", "alert")] == [
            ("an", "update"), ("an", "note"), ("binh", "update")]
        assert "audit_pending" not in three.state._get("alerts", "a-1")[0]  # written, then dropped


def test_two_writers_on_one_alert_one_conflict_no_lost_edit(node, tmp_path):
    cfg = _cfg(node, tmp_path, "conflict")
    _init(cfg)
    alert = {"id": "a-1", "rule_id": "r1", "rule_title": "Rule", "rule_level": "high", "event_ids": ["e1"],
             "first_time": "2026-11-24T01:00:00.000000Z", "last_time": "2026-11-24T01:00:00.000000Z"}
    with open_store(cfg) as one, open_store(cfg) as two:
        assert one.state.upsert_alert(alert) is True
        seen = one.state.alert("a-1")["version"]
        assert two.state.alert("a-1")["version"] == seen
        one.state.update_alert("a-1", "an", seen, status="acknowledged")
        with pytest.raises(ConflictError) as err:
            two.state.update_alert("a-1", "binh", seen, status="closed", resolution="false_positive")
        assert err.value.current["status"] == "acknowledged"
        again = two.state.update_alert("a-1", "binh", err.value.current["version"], assignee="binh")
        assert (again["status"], again["assignee"]) == ("acknowledged", "binh")
        # a scan widening the alert meanwhile keeps the analysts' edits
        assert one.state.upsert_alert({**alert, "event_ids": ["e2"]}) is False
        final = two.state.alert("a-1")
        assert (final["status"], final["assignee"], final["event_count"]) == ("acknowledged", "binh", 2)
        assert [a["action"] for a in two.state.audit_trail("a-1")] == ["update", "update"]


def test_search_pages_with_search_after(node, tmp_path):
    import datetime as dt

    import pyarrow as pa

    from soc.store.events_api import ArrowBatch

    cfg = _cfg(node, tmp_path, "search")
    _init(cfg)
    t0 = dt.datetime(2026, 11, 20, 3, 0, 0)
    rows = {"event.id": [f"ev{i:03d}" for i in range(45)],
            "@timestamp": [t0 + dt.timedelta(seconds=i // 2) for i in range(45)],  # ties on time: paged by id
            "event.ingested": [t0] * 45, "event.dataset": ["web.access"] * 45,
            "source.ip": [f"10.1.0.{i % 2}" for i in range(45)], "message": [f"GET /Path{i}" for i in range(45)]}
    with open_store(cfg) as store:
        assert store.events.append(ArrowBatch(pa.table(rows))) == 45
        assert store.events.append(ArrowBatch(pa.table(rows))) == 0
        seen, after = [], None
        while True:
            page = store.events.search(parse("source.ip:10.1.0.1"), ["message"], 5, after)
            seen += [r["event.id"] for r in page.rows]
            if not page.limited:
                break
            after = page.next_after
        assert seen == sorted((f"ev{i:03d}" for i in range(45) if i % 2), key=lambda e: (int(e[2:]) // 2, e),
                              reverse=True)
        assert [r["event.id"] for r in store.events.search(parse("path4"), ["message"], 50).rows] == \
            ["ev044", "ev043", "ev042", "ev041", "ev040", "ev004"]


def test_kill_9_mid_ingest_then_resume_stores_every_line_once(opensearch_url, tmp_path):
    cfg_dir = tmp_path / "data"
    cfg = _cfg(opensearch_url, cfg_dir, "kill")
    _init(cfg)
    log = tmp_path / "logs" / "access.log"
    log.parent.mkdir()
    with open(log, "w") as fh:
        for i in range(60_000):
            fh.write(f'10.2.{i % 250}.{i % 7} - - [24/Nov/2026:10:{(i // 60) % 60:02d}:{i % 60:02d} +0700] '
                     f'"GET /item/{i} HTTP/1.1" 200 {i % 900} "-" "curl/8"\n')
    toml = tmp_path / "soc.toml"
    toml.write_text(f'data_dir = "{cfg_dir}"\n[ingest]\nchunk_lines = 5000\n'
                    f'[store]\nkind = "opensearch"\nhosts = ["{opensearch_url}"]\nnamespace = "kill"\n')
    env = {**os.environ, "SOC_CONFIG": str(toml), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "soc.cli", "ingest", str(log)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with open_store(cfg) as store:
        deadline = time.time() + 120
        while store.events.count() < 5000 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    with open_store(cfg) as store:
        ids = {r["event.id"] for r in store.events.scan({"match_all": {}}, [])}
        assert store.events.count() == len(ids) == 60_000


def test_store_cli_init_check_and_copy_from_embedded(opensearch_url, tmp_path):
    from typer.testing import CliRunner

    from soc.cli import app
    from soc.enrich.pipeline import ingest_paths  # deferred like soc.demo.run does: later stages
    from soc.triage.intake import scan

    paths = write_demo(tmp_path / "logs", build_lines(1, 3, END, 300))
    embedded = demo_config(tmp_path / "embedded")
    ingest_paths(embedded, paths)
    scan(embedded)
    with open_store(embedded) as local:
        alert = local.state.alerts()[0]
        local.state.update_alert(alert["id"], "an", alert["version"], status="acknowledged")
        local.state.add_note("alert", alert["id"], "an", "đã xem")
        cid = local.state.create_case("Sao chép", "low", "an", [alert["id"]])
        local.state.save_indicators([{"kind": "ip", "value": "198.51.100.7", "warning": "W-1"}])
    target = tmp_path / "cluster.toml"
    target.write_text(f'data_dir = "{tmp_path / "cdata"}"\n[store]\nkind = "opensearch"\n'
                      f'hosts = ["{opensearch_url}"]\nnamespace = "copy"\n', encoding="utf-8")
    runner = CliRunner()
    for _ in range(2):
        done = runner.invoke(app, ["--config", str(target), "store", "init"])
        assert done.exit_code == 0, done.output
    done = runner.invoke(app, ["--config", str(target), "store", "check"])
    assert done.exit_code == 0 and "BAD" not in done.output, done.output
    for _ in range(2):  # a second copy (a resumed one) stores nothing twice
        done = runner.invoke(app, ["--data-dir", str(tmp_path / "embedded"), "store", "copy", "--to", str(target)])
        assert done.exit_code == 0, done.output
    cluster = _cfg(opensearch_url, tmp_path / "cdata", "copy")
    with open_store(cluster) as store, open_store(embedded) as local:
        assert store.events.count() == local.events.count()
        assert _alert_set(cluster) == _alert_set(embedded)
        copied = store.state.alert(alert["id"])
        assert copied["status"] == "acknowledged"
        assert [n["body"] for n in store.state.notes("alert", alert["id"])] == ["đã xem"]
        assert (store.state.case(cid)["alert_ids"], store.state.case(cid)["title"]) == ([alert["id"]], "Sao chép")
        assert [(i["value"], i["warning"]) for i in store.state.indicators()] == [("198.51.100.7", "W-1")]
        assert store.state.create_case("Mới", "low", "binh", []) > cid
        # the copied counters go on from the copied ids
        assert store.state.add_note("alert", alert["id"], "binh", "tiếp")["id"] > local.state.notes(
            "alert", alert["id"])[0]["id"]
    done = runner.invoke(app, ["--config", str(target), "alerts", "--status", "acknowledged"])  # soc alerts there
    assert done.exit_code == 0 and "1 alert(s)" in done.output, done.output
    done = runner.invoke(app, ["store", "check"])  # the embedded store: told what the command is for
    assert done.exit_code != 0 and "kind" in done.output


def _cluster_dir(url: str | tuple[str, str], data: Path, namespace: str, raw: dict) -> Path:
    """A data directory whose own soc.toml names the cluster (``--data-dir`` then opens it)."""
    from soc.config import dump_toml

    kind, url = url if isinstance(url, tuple) else ("opensearch", url)
    data.mkdir(parents=True, exist_ok=True)
    (data / "soc.toml").write_text(dump_toml({**raw, "store": {"kind": kind, "hosts": [url],
                                                                "namespace": namespace}}), encoding="utf-8")
    return data


def _cli(data: Path, *args: str):
    from typer.testing import CliRunner

    from soc.cli import app

    env = {"SOC_DATA_DIR": None, "SOC_CONFIG": None, "SOC_ANALYST": None, "SOC_TIMEZONE": None}
    return CliRunner().invoke(app, ["--data-dir", str(data), *args], env=env)


def test_ioc_import_and_hunt_give_the_embedded_stores_alerts(opensearch_url, tmp_path):
    import json

    from storekit import stored
    from test_ioc import MISP_WARNING, WARNING, misp_event, stix_bundle

    from soc.demo import generate
    from soc.enrich.pipeline import ingest_paths  # deferred like soc.demo.run does: later stages

    paths = generate(tmp_path / "logs", days=2, end=END, volume=300)
    embedded = demo_config(tmp_path / "embedded")
    ingest_paths(embedded, paths)
    cdata = _cluster_dir(opensearch_url, tmp_path / "cluster", "ioc", embedded.raw)
    assert _cli(cdata, "store", "init").exit_code == 0
    cluster = _cfg(opensearch_url, cdata, "ioc", embedded.raw)
    assert ingest_paths(cluster, paths).stored > 0
    ips = [r[0] for r in stored(embedded, 'SELECT "source.ip", count(*) FROM events WHERE "url.domain" IS NOT NULL '
                                          'GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3')]
    domain, path = stored(embedded, 'SELECT "url.domain", "url.original" FROM events WHERE "url.domain" IS NOT '
                                    'NULL AND "url.original" LIKE \'/dvc/%\' ORDER BY "event.id" LIMIT 1')[0]
    bundle, event = tmp_path / "bundle.json", tmp_path / "event.json"
    bundle.write_text(json.dumps(stix_bundle({"ips": ips, "domain": domain, "path": path})), encoding="utf-8")
    event.write_text(json.dumps(misp_event({"ips": ips})), encoding="utf-8")
    found = {}
    for name, data in (("embedded", tmp_path / "embedded"), ("cluster", cdata)):
        assert "6 new" in _cli(data, "ioc", "import", str(bundle), "--warning", WARNING).output
        assert "0 new, 0 updated" in _cli(data, "ioc", "import", str(bundle), "--warning", WARNING).output
        assert "2 new" in _cli(data, "ioc", "import", str(event)).output
        listed = _cli(data, "ioc", "list", "--warning", WARNING, "--json")
        assert len([ln for ln in listed.output.splitlines() if ln.startswith("{")]) == 6, listed.output
        hunt = _cli(data, "ioc", "hunt", "--since", "2026-11-01")
        assert hunt.exit_code == 0 and "0 new alert(s)" not in hunt.output, hunt.output
        rehunt = _cli(data, "ioc", "hunt", "--since", "2026-11-01")
        assert "0 new alert(s), 0 widened" in rehunt.output, rehunt.output
        with open_store(cluster if name == "cluster" else embedded) as store:
            found[name] = {(a["id"], a["rule_title"], a["first_time"], a["last_time"], a["event_count"], a["system"],
                            a["host"]) for a in store.state.alerts() if a["rule_id"] == "soc-ioc-hunt"}
    titles = " ".join(t[1] for t in found["cluster"])
    assert WARNING in titles and MISP_WARNING in titles and ips[0] in titles
    assert found["cluster"] == found["embedded"]


def test_cases_in_the_cluster_compare_and_set_and_incident_report(node, tmp_path):
    from soc.enrich.pipeline import ingest_paths  # deferred like soc.demo.run does: later stages
    from soc.triage.intake import scan

    paths = write_demo(tmp_path / "logs", build_lines(1, 3, END, 300))
    raw = demo_config(tmp_path / "unused").raw
    cdata = _cluster_dir(node, tmp_path / "cluster", "cases", raw)
    cfg = _cfg(node, cdata, "cases", raw)
    _init(cfg)
    ingest_paths(cfg, paths)
    assert not scan(cfg).errors
    with open_store(cfg) as one, open_store(cfg) as two:
        a, b, c = (x["id"] for x in one.state.alerts()[:3])
        with pytest.raises(KeyError):
            one.state.create_case("không có", "low", "an", [a, "no-such-alert"])
        cid = one.state.create_case("Dò mật khẩu SSH", "high", "an", [a, b])
        seen = two.state.case(cid)
        assert (seen["alert_ids"], seen["status"], seen["author"]) == ([a, b], "open", "an") and seen["systems"]
        assert one.state.add_case_alerts(cid, [b, c], "an") == [c]
        assert two.state.case_ids_of([c]) == {c: [cid]}
        version = two.state.case(cid)["version"]
        one.state.update_case(cid, "an", version, status="in_progress")
        with pytest.raises(ConflictError) as err:  # the second analyst saw the case before the first one's edit
            two.state.update_case(cid, "binh", version, assignee="binh")
        assert err.value.current["status"] == "in_progress"
        after = two.state.update_case(cid, "binh", err.value.current["version"], assignee="binh")
        assert (after["status"], after["assignee"]) == ("in_progress", "binh")
        assert one.state.remove_case_alerts(cid, [a], "an") == 1
        assert [x["id"] for x in two.state.list_cases()] == [cid] and two.state.list_cases()[0]["alert_count"] == 2
        assert {x["id"] for x in two.state.case_alerts(cid)} == {b, c}
        assert two.state.case_count(["in_progress"]) == 1
        assert [e["action"] for e in two.state.audit_trail(str(cid))] == [
            "create", "add_alerts", "add_alerts", "update", "update", "remove_alerts"]
    done = _cli(cdata, "report", "incident", str(cid), "--format", "docx,md")
    assert done.exit_code == 0, done.output
    written = sorted((cdata / "reports").rglob("*.md"))
    assert written and "Dò mật khẩu SSH" in written[0].read_text(encoding="utf-8")


async def test_alerts_periodic_report_and_tui_queue_on_the_cluster(opensearch_url, tmp_path):
    from test_tui import current_id, settle, table_ids

    from soc.config import dump_toml
    from soc.enrich.pipeline import ingest_paths  # deferred like soc.demo.run does: later stages
    from soc.triage.intake import scan
    from soc.tui.app import SocApp

    paths = write_demo(tmp_path / "logs", build_lines(1, 3, END, 300))
    embedded = demo_config(tmp_path / "embedded")
    raw = {**embedded.raw, "analyst": "an", "triage": {"queue_sort": "time"}}
    cdata = _cluster_dir(opensearch_url, tmp_path / "cluster", "desk", raw)
    cfg = _cfg(opensearch_url, cdata, "desk", raw)
    (tmp_path / "embedded").mkdir()
    (tmp_path / "embedded" / "soc.toml").write_text(dump_toml(raw), encoding="utf-8")  # the same config for the CLI
    _init(cfg)
    for each in (embedded, cfg):
        ingest_paths(each, paths)
        assert not scan(each).errors
    with open_store(cfg) as store:
        count = store.state.alert_count()
        newest = sorted(store.state.alerts(), key=lambda a: (a["last_time"] or a["created"], a["id"]))[-1]["id"]
    assert count > 0
    listed = _cli(cdata, "alerts")
    assert listed.exit_code == 0 and f"{count} alert(s)" in listed.output, listed.output
    reports = {}
    for name, data in (("embedded", tmp_path / "embedded"), ("cluster", cdata)):
        done = _cli(data, "report", "periodic", "--from", "2026-11-22", "--to", "2026-11-24", "--format", "md")
        assert done.exit_code == 0, done.output
        reports[name] = next((data / "reports").rglob("*.md")).read_text(encoding="utf-8")
    assert reports["cluster"] == reports["embedded"]  # the same events and alerts: the same report
    app = SocApp(cfg, refresh_seconds=0)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert table_ids(app)[0] == current_id(app) == newest
        await pilot.press("a")  # acknowledge: written to the cluster, audited
        await settle(pilot)
    with open_store(cfg) as store:
        stored = store.state.alert(newest)
        assert (stored["status"], stored["version"]) == ("acknowledged", 2)
        assert [(e["actor"], e["after"]["status"]) for e in store.state.audit_trail(newest)] == [("an", "acknowledged")]


def test_indicator_hits_equal_the_embedded_stores_on_hand_made_events(node, tmp_path):
    """IPv6 exact and CIDR, an IPv4 /30, a hash in upper case, a sender in a list field, a subdomain but not a
    look-alike, a URL with scheme and port, and an event outside the window: the same rows from both stores."""
    import datetime as dt

    import pyarrow as pa

    from soc.intel import table
    from soc.intel.model import make
    from soc.store.embedded import EventStore
    from soc.store.events_api import ArrowBatch

    sha = "AB" * 32
    rows = [("2001:db8::1", None, None, None, None), ("2001:DB8:0:0::abcd", None, None, None, None),
            ("2001:db9::1", None, None, None, None), ("192.0.2.6", None, None, None, None),
            ("192.0.2.8", None, None, None, None), (None, sha, ["Boss <x>", "lure@evil-mail.example"], None, None),
            (None, None, None, "cdn.evil.example", "HTTP://Cdn.Evil.Example:80/a?b=1"),
            (None, None, None, "notevil.example", None), ("192.0.2.5", None, None, None, None)]
    batch = pa.table({
        "@timestamp": [dt.datetime(2026, 11, 24, 1, i) for i in range(len(rows) - 1)] + [dt.datetime(2026, 10, 1)],
        "event.ingested": [dt.datetime(2026, 11, 24, 2)] * len(rows),
        "event.id": [f"e{i}" for i in range(len(rows))], "event.dataset": ["t"] * len(rows),
        "soc.system": ["Cổng dịch vụ công"] * len(rows), "host.name": ["web01"] * len(rows),
        "source.ip": [r[0] for r in rows], "file.hash.sha256": [r[1] for r in rows],
        "email.from.address": pa.array([r[2] for r in rows], pa.list_(pa.string())),
        "url.domain": [r[3] for r in rows], "url.full": [r[4] for r in rows],
    })
    inds = table.to_table([
        make("ip", "2001:db8::1"), make("ip", "2001:0db8:0000::/64"), make("ip", "192.0.2.4/30"),
        make("hash", sha.lower()), make("email", "lure[at]evil-mail[.]example"), make("domain", "evil[.]example"),
        make("url", "hxxps://cdn.evil[.]example/a?b=1")])
    local = EventStore(tmp_path / "embedded")
    cfg = _cfg(node, tmp_path / "cluster", "hits")
    _init(cfg)
    since, until = dt.datetime(2026, 11, 1, tzinfo=dt.UTC), dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    with open_store(cfg) as store:
        with local.write_lock():
            local.append(ArrowBatch(batch))
        assert store.events.append(ArrowBatch(batch)) == len(rows)
        want = local.indicator_hits(inds, table.FIELDS, since, until)
        got = store.events.indicator_hits(inds, table.FIELDS, since, until)
    assert len(want) == 8 and not any("e8" in h["event_ids"] for h in want)  # e8 is before the window
    assert sorted(got, key=repr) == sorted(want, key=repr)
