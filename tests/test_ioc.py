"""Indicators from warnings end to end on the demo province: a STIX bundle and a MISP event (defanged values) made
here are imported through the real CLI, hunted back into alerts naming the indicator and the warning (a re-hunt adds
nothing), matched on ingest unless expired, and answered with a reply document opened again (DOCX and PDF)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from docx import Document as open_docx
from pypdf import PdfReader
from storekit import stored
from typer.testing import CliRunner

from soc.cli import app
from soc.demo import demo_config, generate
from soc.enrich.pipeline import ingest_paths
from soc.intel.readers import read_file
from soc.store.state import StateDB

END = date(2026, 11, 24)
WARNING = "123/CV-A05"
MISP_WARNING = "MISP-VN-2026-77"
NONE_WARNING = "456/CV-NCSC"


def run(data: Path, *args: str):
    env = {"SOC_DATA_DIR": None, "SOC_CONFIG": None, "SOC_ANALYST": None, "SOC_TIMEZONE": None}
    return CliRunner().invoke(app, ["--data-dir", str(data), *args], env=env)


def defang(value: str) -> str:
    return value.replace("http", "hxxp").replace(".", "[.]", 1)


@pytest.fixture(scope="module")
def province(tmp_path_factory) -> dict:
    """The demo province ingested (no indicator known yet), and values its events hold."""
    root = tmp_path_factory.mktemp("ioc")
    cfg = demo_config(root / "data")
    ingest_paths(cfg, generate(root / "logs", days=2, end=END, volume=300))
    ips = [r[0] for r in stored(cfg, 'SELECT "source.ip", count(*) FROM events WHERE "url.domain" IS NOT NULL '
                                     'GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3')]
    domain, path = stored(cfg, 'SELECT "url.domain", "url.original" FROM events WHERE "url.domain" IS NOT NULL '
                               'AND "url.original" LIKE \'/dvc/%\' ORDER BY "event.id" LIMIT 1')[0]
    return {"cfg": cfg, "root": root, "data": root / "data", "ips": ips, "domain": domain, "path": path}


def stix_bundle(p: dict) -> dict:
    ip_a, ip_b, _ = p["ips"]
    cidr = ".".join(ip_b.split(".")[:3]) + ".0/24"
    parent = p["domain"].split(".", 1)[1]  # the indicator names the parent: the subdomain must match
    patterns = [
        f"[ipv4-addr:value = '{defang(ip_a)}']",
        f"[ipv4-addr:value ISSUBSET '{cidr.replace('.', '[.]')}']",
        f"[domain-name:value = '{parent.replace('.', '[.]')}']",
        f"[url:value = 'hxxps://{p['domain'].replace('.', '[.]')}{p['path']}']",
        "[file:hashes.'SHA-256' = '" + "ab" * 32 + "']",
        "[email-addr:value = 'lure[at]evil-mail[.]example']",
        "[x-unknown:value = 'nothing']",
    ]
    objects = [{"type": "identity", "id": "identity--a05", "name": "A05"}]
    objects += [{"type": "indicator", "id": f"indicator--{n}", "pattern": pat, "pattern_type": "stix",
                 "valid_from": "2026-11-01T00:00:00Z", "created_by_ref": "identity--a05",
                 "object_marking_refs": ["marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"],
                 "name": "\x1b[31mcampaign =cmd|' /C calc'!A0"} for n, pat in enumerate(patterns)]
    return {"type": "bundle", "id": "bundle--1", "objects": objects}


def misp_event(p: dict) -> dict:
    ip_c = p["ips"][2]
    return {"Event": {"info": MISP_WARNING, "Orgc": {"name": "VN MISP"}, "Tag": [{"name": "tlp:amber"}],
                      "Attribute": [
                          {"type": "ip-dst|port", "value": f"{defang(ip_c)}|443", "to_ids": True, "uuid": "a1"},
                          {"type": "email-src", "value": "ops[at]bad-actor[.]example", "to_ids": True, "uuid": "a2"},
                          {"type": "ip-dst", "value": "999.1.1[.]1", "to_ids": True, "uuid": "a3"},
                          {"type": "comment", "value": "not an indicator", "uuid": "a4"}]}}


def test_readers_refang_and_report_bad_entries(province, tmp_path):
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(stix_bundle(province), indent=1), encoding="utf-8")
    got = read_file(bundle)
    assert got.fmt == "stix" and len(got.indicators) == 6
    assert {i.kind for i in got.indicators} == {"ip", "domain", "url", "hash", "email"}
    assert all(i.tlp == "green" and i.source == "A05" for i in got.indicators)
    assert "lure@evil-mail.example" in {i.value for i in got.indicators}
    [bad] = got.problems
    text = json.dumps(stix_bundle(province), indent=1).splitlines()
    assert "x-unknown" in bad.reason and bad.line == 1 + next(n for n, ln in enumerate(text) if "indicator--6" in ln)
    event = tmp_path / "event.json"
    event.write_text(json.dumps(misp_event(province), indent=1), encoding="utf-8")
    got = read_file(event)
    assert got.fmt == "misp" and got.warning == MISP_WARNING and len(got.indicators) == 2
    assert [i.tlp for i in got.indicators] == ["amber", "amber"]
    [bad] = got.problems
    assert bad.line > 1 and "ip" in bad.reason and "999.1.1" in bad.text
    lines = tmp_path / "list.csv"
    lines.write_text("indicator,type,valid_until\nexample[.]com,domain,2020-01-01\n10.0.0[.]1,bogus,\n", "utf-8")
    got = read_file(lines)
    assert [i.value for i in got.indicators] == ["example.com"] and got.problems[0].line == 3


def test_import_hunt_alerts_and_rehunt_adds_nothing(province, tmp_path):
    data = province["data"]
    bundle, event = tmp_path / "bundle.json", tmp_path / "event.json"
    bundle.write_text(json.dumps(stix_bundle(province)), encoding="utf-8")
    event.write_text(json.dumps(misp_event(province)), encoding="utf-8")
    done = run(data, "ioc", "import", str(bundle), "--warning", WARNING)
    assert done.exit_code == 1 and "6 new" in done.output and "x-unknown" in done.output  # one bad entry
    again = run(data, "ioc", "import", str(bundle), "--warning", WARNING)
    assert "0 new, 0 updated" in again.output  # idempotent
    assert "2 new" in run(data, "ioc", "import", str(event)).output  # the event's own reference
    listed = run(data, "ioc", "list", "--warning", WARNING, "--json")
    assert listed.exit_code == 0 and len([ln for ln in listed.output.splitlines() if ln.startswith("{")]) == 6

    hunt = run(data, "ioc", "hunt", "--since", "2026-11-01")
    assert hunt.exit_code == 0, hunt.output
    db = StateDB(data / "state.db")
    alerts = [a for a in db.alerts() if a["rule_id"] == "soc-ioc-hunt"]
    ip_a, ip_b, ip_c = province["ips"]
    titles = " ".join(a["rule_title"] for a in alerts)
    for shown in (ip_a, ".".join(ip_b.split(".")[:3]) + ".0/24", province["domain"].split(".", 1)[1],
                  f"{province['domain']}{province['path']}", ip_c):
        assert shown in titles
    assert WARNING in titles and MISP_WARNING in titles
    assert all(a["system"] for a in alerts)
    count = db.alert_count()
    rehunt = run(data, "ioc", "hunt", "--since", "2026-11-01")
    assert "0 new alert(s), 0 widened" in rehunt.output and db.alert_count() == count


def test_expired_indicator_no_longer_matches_new_events(tmp_path):
    cfg = demo_config(tmp_path / "data")
    logs = generate(tmp_path / "logs", days=1, end=END, volume=200)
    ip_live, ip_old = [r[0] for r in _dvc_ips(logs)]
    listing = tmp_path / "iocs.csv"
    listing.write_text(f"value,type,valid_until\n{defang(ip_live)},ip,\n{defang(ip_old)},ip,2026-01-01\n", "utf-8")
    assert run(cfg.data_dir, "ioc", "import", str(listing), "--warning", "789/CV").exit_code == 0
    ingest_paths(cfg, logs)
    marked = dict(stored(cfg, 'SELECT "source.ip", any_value("soc.ioc.warnings") FROM events '
                              'WHERE "soc.ioc.key" IS NOT NULL GROUP BY 1'))
    assert marked == {ip_live: ["789/CV"]}
    assert "1 indicator(s) hunted" in run(cfg.data_dir, "ioc", "hunt", "--since", "2026-11-01").output


def _dvc_ips(logs: list[Path]) -> list[tuple[str]]:
    dvc = next(p for p in logs if "dvc" in str(p))
    ips = sorted({json.loads(ln)["remote_addr"] for ln in dvc.read_text("utf-8").splitlines()})
    return [(ips[0],), (ips[1],)]


def _docx_text(path: Path) -> str:
    doc = open_docx(path)
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def test_reply_documents_with_and_without_hits(province, tmp_path):
    data = province["data"]
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(stix_bundle(province)), encoding="utf-8")
    run(data, "ioc", "import", str(bundle), "--warning", WARNING)
    quiet = tmp_path / "quiet.txt"
    quiet.write_text("# nothing the province saw\n198.51.100[.]7\nhxxp://never-seen[.]example/x\n", "utf-8")
    assert run(data, "ioc", "import", str(quiet), "--warning", NONE_WARNING).exit_code == 0
    out = tmp_path / "reports"
    for ref in (WARNING, NONE_WARNING):
        done = run(data, "report", "ioc", "--warning", ref, "--since", "2026-11-01", "--out-dir", str(out),
                   "--format", "docx,pdf")
        assert done.exit_code == 0, done.output
    hit_docx = next(out.glob("*123-CV-A05.docx"))
    text = _docx_text(hit_docx)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text and WARNING in text
    assert province["ips"][0] in text and "Cổng dịch vụ công tỉnh" in text and "GMT+7" in text
    assert "\x1b" not in text
    pdf = "".join(page.extract_text() for page in PdfReader(next(out.glob("*123-CV-A05.pdf"))).pages)
    assert province["ips"][0] in pdf
    none_text = _docx_text(next(out.glob("*456-CV-NCSC.docx")))
    assert "không phát hiện dấu hiệu nào" in none_text and "01/11/2026" in none_text
    assert "Nhật ký truy cập web (nginx)" in none_text  # the sources covered
    unknown = run(data, "report", "ioc", "--warning", "999/XX", "--out-dir", str(out))
    assert unknown.exit_code == 1 and "123/CV-A05" in unknown.output and "soc ioc import" in unknown.output
    none_pdf = "".join(page.extract_text() for page in PdfReader(next(out.glob("*456-CV-NCSC.pdf"))).pages)
    assert "không phát hiện dấu hiệu nào" in " ".join(none_pdf.split())  # lines wrap in the PDF


def test_store_matches_ipv6_networks_hashes_senders_and_subdomains(tmp_path):
    """EventStore.indicator_hits on hand-made events: IPv6 exact and CIDR (compressed forms), an IPv4 /30, a hash in
    any case, a sender in a list field, a subdomain but not a look-alike domain, a URL with scheme and port."""
    from datetime import datetime

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
            (None, None, None, "notevil.example", None)]
    batch = pa.table({
        "@timestamp": [datetime(2026, 11, 24, 1, i) for i in range(len(rows))],
        "event.id": [f"e{i}" for i in range(len(rows))],
        "event.dataset": ["t"] * len(rows),
        "source.ip": [r[0] for r in rows], "file.hash.sha256": [r[1] for r in rows],
        "email.from.address": pa.array([r[2] for r in rows], pa.list_(pa.string())),
        "url.domain": [r[3] for r in rows], "url.full": [r[4] for r in rows],
    })
    store = EventStore(tmp_path)
    with store.write_lock():
        store.append(ArrowBatch(batch))
    inds = [make("ip", "2001:db8::1"), make("ip", "2001:0db8:0000::/64"), make("ip", "192.0.2.4/30"),
            make("hash", sha.lower()), make("email", "lure[at]evil-mail[.]example"), make("domain", "evil[.]example"),
            make("url", "hxxps://cdn.evil[.]example/a?b=1")]
    hits = store.indicator_hits(table.to_table(inds), table.FIELDS, None, None)
    seen = {(h["ikey"], h["observed"]) for h in hits}
    assert seen == {
        ("ip:2001:db8::1", "2001:db8::1"), ("ip:2001:db8::/64", "2001:db8::1"),
        ("ip:2001:db8::/64", "2001:DB8:0:0::abcd"), ("ip:192.0.2.4/30", "192.0.2.6"),
        (f"hash:{sha.lower()}", sha), ("email:lure@evil-mail.example", "lure@evil-mail.example"),
        ("domain:evil.example", "cdn.evil.example"),
        ("url:cdn.evil.example/a?b=1", "HTTP://Cdn.Evil.Example:80/a?b=1"),
    }
