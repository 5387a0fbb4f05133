"""The queue read from SQLite a page at a time against a plain Python reference: every filter and sort, rows read
by position, next to rows already read (keyset) and from the far end, and case-insensitive Vietnamese matching."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from soc.config import from_dict
from soc.store.alert_queue import glob_pattern
from soc.store.state import StateDB
from soc.triage.desk import AlertSource, Viewport
from soc.triage.queue import PAGE, SORT_KEYS, QueueFilter, row_key

SYSTEMS = ("Cổng thông tin", "DỊCH VỤ CÔNG", "LGSP", None)
LEVELS = ("low", "medium", "high", "critical")
STATUSES = ("new", "acknowledged", "in_progress", "escalated", "resolved")


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> AlertSource:
    data = Path(tmp_path_factory.mktemp("queue")) / "data"
    db = StateDB(data / "state.db")
    rnd = random.Random(7)
    rows = []
    for n in range(3 * PAGE + 57):
        t = f"2026-11-{1 + rnd.randrange(20):02d}T{rnd.randrange(24):02d}:00:00.000000Z"  # many ties
        rows.append((f"a-{n:04d}", f"rule-{n % 7}", ("Tấn công SQLi", "TẤN CÔNG dò quét", "Login")[n % 3],
                     LEVELS[rnd.randrange(4)], t, t, SYSTEMS[n % 4], f"10.0.{n % 5}.{n}", STATUSES[rnd.randrange(5)],
                     rnd.choice((None, "an1", "An2")), t, t))
    with db.tx() as con:
        con.executemany(
            "INSERT INTO alerts(id, rule_id, rule_title, rule_level, first_time, last_time, system, source_ip, "
            "status, assignee, created, updated) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    db.close()
    src = AlertSource(from_dict({"analyst": "t"}, data_dir=data))
    yield src
    src.close()


def reference(src: AlertSource, flt: QueueFilter, sort: str, descending: bool) -> list[str]:
    rows = [dict(r) for r in src.db.con.execute("SELECT * FROM alerts").fetchall()]
    out = []
    for r in rows:
        if flt.statuses() is not None and r["status"] not in flt.statuses():
            continue
        if flt.levels() is not None and r["rule_level"] not in flt.levels():
            continue
        if flt.rule and flt.rule.casefold() not in (r["rule_id"] + "\x1f" + r["rule_title"]).casefold():
            continue
        if flt.system and flt.system.casefold() not in (r["system"] or "").casefold():
            continue
        if flt.assignee and flt.assignee.casefold() != (r["assignee"] or "").casefold():
            continue
        text = "\x1f".join(str(r[k] or "") for k in ("rule_title", "rule_id", "source_ip", "user_name", "host",
                                                       "system", "assignee", "group_key", "id")).casefold()
        if not all(w.casefold() in text for w in flt.text.split()):
            continue
        out.append(r)
    return [r["id"] for r in sorted(out, key=lambda r: row_key(r, sort), reverse=descending)]


@pytest.mark.parametrize("query", ["", "rule:rule-3", "system:dịch", "system:CỔNG", "assignee:an2", "tấn 10.0.3",
                                   "status:all", "level:high status:all", "quét", "nothing-matches"])
@pytest.mark.parametrize("sort", SORT_KEYS)
def test_queue_matches_python_reference(source: AlertSource, query: str, sort: str) -> None:
    flt = QueueFilter().with_query(query)
    for descending in (True, False):
        expected = reference(source, flt, sort, descending)
        snap = source.snapshot(flt, sort, descending)
        assert len(snap.alerts) == len(expected)
        assert [r["id"] for r in snap.alerts] == expected  # page after page, each next to the one before
        far = source.snapshot(flt, sort, descending)
        assert [far.alerts[i]["id"] for i in reversed(range(len(expected)))] == expected[::-1]  # from the end
        if expected:
            anchor = expected[len(expected) * 2 // 3]
            moved = source.snapshot(flt, sort, descending, Viewport(anchor, 0, 0, 20))
            assert moved.cursor == expected.index(anchor)
            assert [r["id"] for r in moved.alerts] == expected


def test_glob_pattern_folds_vietnamese_and_escapes() -> None:
    assert glob_pattern("Tấn") == "*[tT][ấẤ][nN]*"
    assert glob_pattern("a*[?", anywhere=False) == "[aA][*][[][?]"
