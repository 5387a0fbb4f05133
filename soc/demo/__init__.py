"""A synthetic province ("Tỉnh Demo"): realistic logs with injected incidents, and an end-to-end demo run.

Three servers, each in its own folder as a central syslog/rsync collector lays them out:

- ``portal-web01/access.log`` — the provincial portal (Liferay behind nginx, ``combined`` format);
- ``dvc-web01/access.log`` — the public-service portal (nginx JSON access log, one object per line);
- ``bastion/auth.log`` — the SSH bastion (sshd, sudo, cron; traditional syslog stamps in local time).

Everything is drawn from ``random.Random`` seeded by ``seed`` and the source name, and dated from ``end`` (default:
yesterday in Asia/Ho_Chi_Minh), so a seed and an end date always give the same bytes.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from soc.config import Config, from_dict
from soc.demo.auth import auth_log
from soc.demo.common import BASTION, DOMAIN, DVC_VHOST, PORTAL_VHOST, PROVINCE, TZ, Line, citizens, day_list
from soc.demo.web import dvc_benign, portal_benign
from soc.demo.webattacks import web_incidents

if TYPE_CHECKING:
    from soc.report.writer import Written

DEFAULT_VOLUME = 6_000  # benign lines per day for each web server
FILES = {
    "portal": Path("portal-web01/access.log"),
    "dvc": Path("dvc-web01/access.log"),
    "auth": Path(f"{BASTION}/auth.log"),
}
INCIDENTS = (
    "ssh-bruteforce",
    "ssh-bruteforce-success",
    "ssh-spray",
    "sudo-root-shell",
    "sensitive-file",
    "path-traversal",
    "sqli",
    "scanner-ua",
    "seo-gambling",
    "webshell",
    "pii-enumeration",
    "bulk-export",
)

__all__ = ["DemoResult", "build_lines", "demo_config", "generate", "run"]


def default_end() -> date:
    """Yesterday in Asia/Ho_Chi_Minh: the demo covers whole days that are over, so no event lies in the future."""
    return datetime.now(TZ).date() - timedelta(days=1)


def build_lines(
    days: int = 3, seed: int = 7, end: date | None = None, volume: int = DEFAULT_VOLUME
) -> dict[str, list[Line]]:
    """Lines of each source (``portal``, ``dvc``, ``auth``), time-ordered, each marked with its incident or None."""
    span = day_list(end or default_end(), days)

    def rng(name: str) -> random.Random:
        return random.Random(f"soc-demo:{seed}:{name}")

    people = citizens(rng("people"), max(volume // 6, 200))
    portal = [ln for d in span for ln in portal_benign(rng(f"portal:{d}"), d, volume, people)]
    dvc = [ln for d in span for ln in dvc_benign(rng(f"dvc:{d}"), d, volume, people)]
    web_portal, web_dvc = web_incidents(rng("web-incidents"), span)
    auth = auth_log(rng("auth"), span, volume)
    first, last = span[0], span[-1]

    def tidy(lines: list[Line]) -> list[Line]:
        kept = [
            ln for ln in lines if first <= ln.ts.date() <= last
        ]  # sessions running past the last midnight
        return sorted(kept, key=lambda ln: ln.ts)

    return {"portal": tidy(portal + web_portal), "dvc": tidy(dvc + web_dvc), "auth": tidy(auth)}


def generate(
    out_dir: Path, days: int = 3, seed: int = 7, end: date | None = None, volume: int = DEFAULT_VOLUME
) -> list[Path]:
    """Write the demo logs under ``out_dir`` (replacing earlier ones) and return their paths."""
    return _write(Path(out_dir), build_lines(days, seed, end, volume))


def _write(out_dir: Path, sources: dict[str, list[Line]]) -> list[Path]:
    paths = []
    for source, lines in sources.items():
        path = out_dir / FILES[source]
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        with open(tmp, "w", encoding="utf-8", newline="\n") as fh:
            fh.writelines(ln.text + "\n" for ln in lines)
        os.replace(tmp, path)
        paths.append(path)
    return paths


def demo_config(data_dir: Path) -> Config:
    """The demo province: its name, the monitoring unit and the inventory of its three systems."""
    unit = "Trung tâm Giám sát an toàn thông tin tỉnh Demo"
    owner = "Văn phòng UBND tỉnh Demo"
    raw: dict[str, Any] = {
        "province": {"name": PROVINCE, "unit": unit},
        "timezone": "Asia/Ho_Chi_Minh",
        "systems": [
            {
                "name": "Cổng thông tin điện tử tỉnh",
                "type": "portal",
                "hosts": ["portal-web01"],
                "ips": ["10.10.2.10"],
                "vhosts": [PORTAL_VHOST, DOMAIN],
                "paths": ["*/portal-web01/*"],
                "owner": owner,
                "level": 3,
            },
            {
                "name": "Cổng dịch vụ công tỉnh",
                "type": "public-service",
                "hosts": ["dvc-web01"],
                "ips": ["10.10.2.20"],
                "vhosts": [DVC_VHOST],
                "paths": ["*/dvc-web01/*"],
                "owner": owner,
                "level": 3,
            },
            {
                "name": "Máy chủ quản trị tập trung (bastion)",
                "type": "server",
                "hosts": [BASTION],
                "ips": ["10.10.1.2"],
                "paths": [f"*/{BASTION}/*"],
                "owner": unit,
                "level": 3,
            },
        ],
    }
    return from_dict(raw, data_dir=Path(data_dir))


@dataclass
class DemoResult:
    log_paths: list[Path]
    ingest: Any  # soc.ingest.engine.IngestSummary
    scan: Any  # soc.detect.scan.ScanSummary
    alerts: int  # alerts in the store after the scan
    report: Path
    start: date
    end: date
    incidents: dict[str, int] = field(default_factory=dict)  # injected lines per incident kind
    reports: dict[str, Written] = field(default_factory=dict)  # report kind → format → path (+ .failed)

    def __str__(self) -> str:
        logs = self.log_paths[0].parent.parent if self.log_paths else ""
        return "\n".join([
            f"Demo province, {self.start:%d/%m/%Y}–{self.end:%d/%m/%Y}",
            f"  logs:    {len(self.log_paths)} files under {logs}",
            f"  ingest:  {self.ingest}",
            f"  scan:    {self.scan}",
            f"  alerts:  {self.alerts} in {self.report.parent.parent / 'state.db'}  (list: soc alerts; triage: soc tui)",
            *[f"  report:  {kind:9} {', '.join(str(p) for p in paths.values())}"
              for kind, paths in self.reports.items()],
            *[f"  failed:  {kind:9} {fmt}: {why}"  # a format that failed (Written.failed); the others were written
              for kind, paths in self.reports.items() for fmt, why in getattr(paths, "failed", {}).items()],
        ])


def run(
    cfg: Config,
    days: int = 3,
    seed: int = 7,
    out_dir: Path | None = None,
    end: date | None = None,
    volume: int = DEFAULT_VOLUME,
) -> DemoResult:
    """Generate the demo logs, ingest them, scan them, and write the periodic report of the demo period."""
    from soc.enrich.pipeline import ingest_paths  # imported here: later stages must not load for `generate`
    from soc.report.publish import monitoring_name
    from soc.store.registry import open_store
    from soc.triage.intake import scan as run_scan

    last = end or default_end()
    out_dir = Path(out_dir) if out_dir else cfg.data_dir / "demo-logs"
    sources = build_lines(days, seed, last, volume)
    paths = _write(out_dir, sources)
    ingest = ingest_paths(cfg, paths)
    scan = run_scan(cfg)
    start = last - timedelta(days=days - 1)
    reports = write_reports(cfg, start, last)
    # the Markdown's path even if that format failed (the failure is listed by __str__)
    report = cfg.data_dir / "reports" / f"{monitoring_name(start, last)}.md"
    with open_store(cfg) as store:
        alerts = store.state.alert_count()
    counts = {k: sum(ln.incident == k for lines in sources.values() for ln in lines) for k in INCIDENTS}
    return DemoResult(paths, ingest, scan, alerts, report, start, last, counts, reports)


DEMO_CASES = (  # (kind, title, rule title fragment): cases an analyst would open from the demo's alerts
    ("incident", "Đăng nhập SSH trái phép vào máy chủ bastion sau dò mật khẩu", "After Brute Force"),
    ("breach", "Lộ lọt tệp sao lưu cơ sở dữ liệu công dân trên Cổng dịch vụ công", "Sensitive File"),
)


def write_reports(cfg: Config, start: date, end: date) -> dict[str, Written]:
    """The demo's reports: the periodic report, and an incident report and a breach notice from demo cases."""
    from soc.config import dump_toml
    from soc.report.publish import write_case_report, write_monitoring
    from soc.store.registry import open_store
    from soc.triage import cases

    (cfg.data_dir / "soc.toml").write_text(dump_toml(cfg.raw), encoding="utf-8")  # later commands reuse it
    out = cfg.data_dir / "reports"
    written = {"periodic": write_monitoring(cfg, start, end, out)}
    store = open_store(cfg)
    db = store.state
    try:
        existing = {c["title"]: c["id"] for c in cases.list_cases(db)}
        for kind, title, fragment in DEMO_CASES:
            ids = [a["id"] for a in db.alerts() if fragment in a["rule_title"]]
            if not ids:
                continue
            case_id = existing.get(title) or cases.create(db, title, "demo", ids)["id"]
            written[kind] = write_case_report(cfg, kind, case_id, False, False, out)
    finally:
        store.close()
    return written
