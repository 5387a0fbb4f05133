"""SigmaHQ rules unchanged: our DuckDB backend returns exactly the events pySigma's official SQLite backend returns.

tests/sigmahq/ holds real SigmaHQ rules copied verbatim (webserver, linux auth/sshd/sudo, one Windows rule and one
deprecated pipe-syntax rule that must be reported, not crash). Events are raw nginx and auth.log lines ingested by
the real engine; both backends read the same rows (DuckDB over Parquet vs an SQLite copy).
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from sigma.backends.sqlite import sqliteBackend
from sigma.collection import SigmaCollection
from sigma.exceptions import SigmaError
from typer.testing import CliRunner

from soc.cli import app
from soc.config import from_dict
from soc.detect.backend import DuckDBBackend
from soc.detect.pipeline import ecs_pipeline
from soc.detect.rule_import import import_rules
from soc.enrich.pipeline import ingest_paths
from soc.store.embedded import EventStore
from soc.store.state import StateDB
from soc.triage.intake import scan as run_scan

SIGMAHQ = Path(__file__).with_name("sigmahq")
WINDOWS = Path(__file__).resolve().parent.parent / "parsers" / "samples" / "windows_json"  # Winlogbeat + NXLog
MACOS_RULE = """title: Unsupported log source for the import test
id: 6b1f4c2e-1d2a-4e3b-9c4d-5e6f7a8b9c0d
status: test
logsource:
    product: macos
    category: process_creation
detection:
    selection:
        Image|endswith: '/osascript'
    condition: selection
level: low
"""
UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36"


def web(i: int, method: str, url: str, status: int = 200, ua: str = UA) -> str:
    return f'203.0.113.{i % 250} - - [24/Nov/2026:10:{i // 60:02d}:{i % 60:02d} +0700] "{method} {url} HTTP/1.1" ' \
           f'{status} 512 "-" "{ua}"'


WEB = [
    web(1, "GET", "/tin-tuc?id=1%20UNION%20SELECT%201,2,3"),
    web(2, "GET", "/tin-tuc?id=1%20union%20select%20password%20from%20users"),  # case differs from the rule
    web(3, "GET", "/tin-tuc?id=1%20UNION%20SELECT%201", status=404),  # filtered by the rule
    web(4, "POST", "/tin-tuc?id=1%20UNION%20SELECT%201"),  # not GET
    web(5, "GET", "/download?file=../../../etc/passwd"),
    web(6, "GET", "/download?f=..%252f..%252f..%252fetc%252fpasswd"),
    web(7, "GET", "/download?file=bieu-mau.docx"),
    web(8, "GET", "/x/Basic/Command/Base64/aWQ="),
    web(9, "GET", "/", ua="gobuster/3.6"),
    web(10, "GET", "/", ua="WPScan v3.8.25 (https://wpscan.com/wordpress-security-scanner)"),
    web(11, "GET", "/.git/config"),
    web(12, "GET", "/gitbook/index.html"),
    web(13, "GET", "/x?p=/cgi-bin/.%2e/.%2e/.%2e/etc/passwd", status=200),
    web(14, "GET", "/x?p=/cgi-bin/.%2e/.%2e/.%2e/etc/passwd", status=403),
    web(15, "GET", "/uploads/a.aspx?cmd=whoami"),
    web(16, "GET", "/uploads/a.aspx?c=cmd%20/c%20dir"),
    web(17, "POST", "/uploads/a.aspx?cmd=whoami"),
    web(18, "GET", "/tin-tuc/NỔ-HŨ-đá-gà?q=Tài+Xỉu"),
    web(19, "GET", "/search?q=order%20by%20date"),
]
AUTH = [
    "Nov 24 10:00:00 web01 sshd[100]: error: Corrupted MAC on input.",
    "Nov 24 10:00:01 web01 sshd[101]: fatal: ssh_dispatch_run_fatal: Connection from 203.0.113.4: unexpected internal "
    "error",
    "Nov 24 10:00:02 web01 sshd[102]: Failed password for root from 203.0.113.4 port 51000 ssh2",
    "Nov 24 10:00:03 web01 sudo:   nam : TTY=pts/0 ; PWD=/home/nam ; USER=#-1 ; COMMAND=/bin/bash",
    "Nov 24 10:00:04 web01 sudo:   nam : TTY=pts/0 ; PWD=/home/nam ; USER=root ; COMMAND=/bin/ls",
    "Nov 24 10:00:05 web01 pkexec[300]: nam: The value for environment variable XAUTHORITY contains suscipious content "
    "[USER=root] [TTY=/dev/pts/0] [CWD=/home/nam] [COMMAND=GCONV_PATH=./pwnkit.so:.]",
    "Nov 24 10:00:06 web01 pkexec[301]: nam: Executing command [USER=root] [TTY=/dev/pts/0] [CWD=/home/nam]",
]


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("sigmahq")
    (tmp / "access.log").write_text("\n".join(WEB) + "\n", encoding="utf-8")
    (tmp / "auth.log").write_text("\n".join(AUTH) + "\n", encoding="utf-8")
    cfg = from_dict({}, data_dir=tmp / "data")
    assert ingest_paths(cfg, [tmp / "access.log"], parser="nginx_combined").stored == len(WEB)
    assert ingest_paths(cfg, [tmp / "auth.log"], parser="linux_auth").stored == len(AUTH)
    assert ingest_paths(cfg, sorted(WINDOWS.glob("*.log")), parser="windows_json").stored == 13
    con = EventStore(cfg.data_dir).open_events(need=["user.effective.name"])
    rows = con.execute("SELECT * FROM events").fetchall()
    cols = [d[0] for d in con.description]
    db = sqlite3.connect(":memory:")
    db.create_function("regexp", 2, lambda p, v: v is not None and re.search(p, str(v)) is not None)
    db.execute("CREATE TABLE logs (" + ", ".join(f'"{c}" TEXT COLLATE NOCASE' for c in cols) + ")")
    db.executemany(
        f"INSERT INTO logs VALUES ({','.join('?' * len(cols))})",
        [[None if v is None or isinstance(v, list) else str(v) for v in r] for r in rows],
    )
    return con, db


def rule_files() -> list[Path]:
    return sorted(SIGMAHQ.glob("*.yml"))


def test_same_events_as_pysigma_sqlite_backend(stores):
    con, db = stores
    compared = matched = 0
    for path in rule_files():
        coll = SigmaCollection.from_yaml(path.read_text(encoding="utf-8"))
        try:
            ours = DuckDBBackend(ecs_pipeline()).convert(coll)
        except SigmaError:
            assert "pipe syntax" in path.read_text() or "|" in path.read_text()  # deprecated syntax: both refuse
            with pytest.raises(SigmaError):
                sqliteBackend(ecs_pipeline(), collate_nocase=True, fulltext_field="event.original").convert(coll)
            continue
        theirs = sqliteBackend(ecs_pipeline(), collate_nocase=True, fulltext_field="event.original").convert(coll)
        assert '"event.dataset"' in ours[0], path.name  # every log source here has a parser and pipeline
        for mine, other in zip(ours, theirs, strict=True):
            got = {r[0] for r in con.execute(f'SELECT "event.id" FROM ({mine})').fetchall()}
            want = {r[0] for r in db.execute(other.replace("SELECT *", 'SELECT "event.id"', 1)).fetchall()}
            assert got == want, path.name
            compared += 1
            matched += bool(got)
    assert compared == 11 and matched == 11  # every comparable rule matched something: no vacuous equality


def test_import_reports_unsupported_and_scans_load_imported_rules(tmp_path: Path):
    import shutil

    data = tmp_path / "data"
    src = tmp_path / "sigmahq"
    shutil.copytree(SIGMAHQ, src)
    (src / "macos_osascript.yml").write_text(MACOS_RULE, encoding="utf-8")
    result = CliRunner().invoke(app, ["--data-dir", str(data), "rules", "import", str(src)])
    assert result.exit_code == 0, result.output
    assert "webserver" in result.output and "7 rule(s) convert" in result.output
    assert "macos/process_creation" in result.output and "unsupported" in result.output
    copied = sorted(p.name for p in (data / "rules" / "sigmahq").glob("*.yml"))
    assert len(copied) == 11 and "win_security_user_added_to_local_administrators.yml" in copied
    assert "macos_osascript.yml" not in copied
    for name in copied:  # byte for byte: rules are never edited on import
        assert (data / "rules" / "sigmahq" / name).read_bytes() == (SIGMAHQ / name).read_bytes()
    log = tmp_path / "access.log"
    log.write_text("\n".join(WEB) + "\n", encoding="utf-8")
    cfg = from_dict({}, data_dir=data)
    ingest_paths(cfg, [log], parser="nginx_combined")
    summary = run_scan(cfg)
    assert not summary.errors, summary.errors
    state = StateDB(data / "state.db")
    try:
        titles = {a["rule_title"] for a in state.alerts()}
    finally:
        state.close()
    assert {"JNDIExploit Pattern", "SQL Injection Strings", "Source Code Enumeration Detection by Keyword"} <= titles


def test_import_summary_counts(tmp_path: Path):
    summary = import_rules(SIGMAHQ, tmp_path)
    assert dict(summary.converted) == {"webserver": 7, "linux/auth": 1, "linux/sshd": 1, "linux/sudo": 1,
                                       "windows/security": 1}
    assert len(summary.unsupported) == 1 and not summary.invalid
    assert any("pipe syntax" in u for u in summary.unsupported)
    assert str(summary).startswith("11 file(s) imported, 11 rule(s) convert, 1 unsupported")


def test_import_of_a_missing_directory_fails_cleanly(tmp_path: Path):
    result = CliRunner().invoke(app, ["--data-dir", str(tmp_path), "rules", "import", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "no such file or directory" in result.output
