"""Risk by system level (Decree 85/2016): the priority matrix, the response clocks (defaults and ``[triage]``
overrides), the queue's priority sort in a real state database (order and keyset paging), and the monitoring
report's met / missed counts from real audit rows."""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from soc.config import ConfigError, from_dict
from soc.report.document import Table
from soc.report.monitoring import build_monitoring, monitoring_document
from soc.store.state import StateDB
from soc.triage import workflow
from soc.triage.model import LEVELS
from soc.triage.priority import MATRIX, Policy, acknowledged_at, clock_text, due, label, outcome
from soc.triage.queue import QueueFilter, row_key

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
SYSTEMS = [{"name": "Cổng dịch vụ công", "level": 5}, {"name": "LGSP", "level": 4},
           {"name": "Thư điện tử", "level": 1}, {"name": "O'Hara", "level": 2}]


def alert(system: str | None, rule_level: str = "high", status: str = "new", **over: Any) -> dict[str, Any]:
    return {"id": "a", "system": system, "rule_level": rule_level, "status": status,
            "created": T0.strftime("%Y-%m-%dT%H:%M:%S.%fZ"), **over}


# -- the matrix and the clocks ---------------------------------------------------------------------------
def test_matrix_ranks_by_system_level_then_rule_level() -> None:
    policy = Policy.of(from_dict({"systems": SYSTEMS}))
    assert [label(policy.priority(alert("Cổng dịch vụ công", lv))) for lv in LEVELS] == ["P4", "P3", "P2", "P1",
                                                                                      "P1"]
    assert [label(policy.priority(alert("Thư điện tử", lv))) for lv in LEVELS] == ["P4", "P4", "P4", "P3", "P2"]
    # a system outside the inventory (or none) counts as level 3
    assert policy.priority(alert("Hệ thống lạ", "high")) == policy.priority(alert(None, "high")) == 2
    assert policy.priority(alert("LGSP", "bogus")) == 4
    # more urgent never decreases with a higher system level or a higher rule level
    for (system, rule), p in MATRIX.items():
        if system < 5:
            assert MATRIX[(system + 1, rule)] <= p
        if rule != "critical":
            assert MATRIX[(system, LEVELS[LEVELS.index(rule) + 1])] <= p
    raised = Policy.of(from_dict({"systems": SYSTEMS, "triage": {"default_system_level": 5}}))
    assert raised.priority(alert("Hệ thống lạ", "high")) == 1


def test_clock_defaults_and_overrides_per_level() -> None:
    policy = Policy.of(from_dict({}))
    hour, day = timedelta(hours=1), timedelta(days=1)
    assert policy.clock(5) == policy.clock(4) == (hour, day)
    assert policy.clock(3) == (4 * hour, 3 * day)
    assert policy.clock(2) == policy.clock(1) == (day, 7 * day)
    cfg = from_dict({"triage": {"clocks": {"4": {"acknowledge": "30m"}, "1": {"acknowledge": "2d", "resolve": 90}}}})
    policy = Policy.of(cfg)
    assert policy.clock(4) == (timedelta(minutes=30), day)  # resolve kept its default
    assert policy.clock(1) == (2 * day, timedelta(minutes=90))
    assert policy.clock(5) == (hour, day)


@pytest.mark.parametrize(("triage", "words"), [
    ({"clocks": {"4": {"acknowledge": "1x"}}}, ["soc.toml", "clocks.4.acknowledge", "30m"]),
    ({"clocks": {"9": {"acknowledge": "1h"}}}, ["soc.toml", "level 1-5"]),
    ({"default_system_level": 7}, ["soc.toml", "default_system_level", "1-5"]),
    ({"queue_sort": "colour"}, ["soc.toml", "queue_sort", "priority"]),
    ({"clocks": 5}, ["soc.toml", "[triage.clocks]"]),
])
def test_bad_triage_config_names_the_file_and_the_fix(triage: dict, words: list[str]) -> None:
    with pytest.raises(ConfigError) as err:
        from_dict({"triage": triage}, path=Path("soc.toml"))
    for word in words:
        assert word in str(err.value)


def test_clock_text_follows_status_and_language() -> None:
    policy = Policy.of(from_dict({"systems": SYSTEMS}))
    top = alert("LGSP")  # level 4: acknowledge within 1 h, resolve within 24 h
    assert due(policy, top) == (T0 + timedelta(hours=1), T0 + timedelta(hours=24))
    assert clock_text(policy, top, T0 + timedelta(minutes=25), "en") == "35 min left"
    assert clock_text(policy, top, T0 + timedelta(minutes=25), "vi") == "còn 35 phút"
    assert clock_text(policy, top, T0 + timedelta(hours=3, minutes=5), "en") == "2 h overdue"
    assert clock_text(policy, top, T0 + timedelta(hours=3, minutes=5), "vi") == "quá hạn 2 giờ"
    working = {**top, "status": "in_progress"}  # acknowledged: the resolve clock runs
    assert clock_text(policy, working, T0 + timedelta(hours=3), "vi") == "còn 21 giờ"
    assert clock_text(policy, {**top, "status": "resolved"}, T0 + timedelta(days=9), "en") == ""
    low = alert("Thư điện tử", created=None, first_time="2026-11-24T03:00:00Z")  # level 1, first event time
    assert clock_text(policy, low, T0 + timedelta(days=3), "en") == "2 d overdue"


def test_outcome_met_missed_overdue_running() -> None:
    policy = Policy.of(from_dict({"systems": SYSTEMS}))
    top = alert("LGSP")
    rows = [{"object_id": "a", "at": "2026-11-24T03:40:00.000000Z", "after": {"assignee": "x"}},
            {"object_id": "a", "at": "2026-11-24T03:50:00.000000Z", "after": {"status": "acknowledged"}},
            {"object_id": "a", "at": "2026-11-24T09:00:00.000000Z", "after": {"status": "resolved"}}]
    acked = acknowledged_at(rows)
    assert acked == {"a": T0 + timedelta(minutes=50)}
    assert outcome(policy, top, acked["a"], T0) == "met"
    assert outcome(policy, top, T0 + timedelta(minutes=61), T0) == "missed"
    assert outcome(policy, top, None, T0 + timedelta(minutes=61)) == "overdue"
    assert outcome(policy, top, None, T0 + timedelta(minutes=59)) == "running"


# -- the queue's priority sort in a real state database ----------------------------------------------------
def _seed(db: StateDB, count: int) -> list[dict[str, Any]]:
    systems = ["Cổng dịch vụ công", "LGSP", "Thư điện tử", "O'Hara", "Ngoài danh mục", None]
    alerts = []
    for n in range(count):
        when = f"2026-11-24T{n % 7:02d}:00:00.000000Z"  # many ties on time: ids decide
        a = {"id": f"al-{n:04d}", "rule_id": f"r{n % 5}", "rule_title": f"Rule {n % 5}", "rule_level": LEVELS[n % 5],
             "first_time": when, "last_time": when, "event_ids": [f"e{n}"], "system": systems[n % 6],
             "source_ip": f"10.0.0.{n % 200}"}
        db.upsert_alert(a)
        alerts.append(a)
    return alerts


def test_priority_sort_orders_and_pages_a_state_db(tmp_path: Path) -> None:
    policy = Policy.of(from_dict({"systems": SYSTEMS}))
    db = StateDB(tmp_path / "state.db")
    seeded = _seed(db, 360)
    expected = [a["id"] for a in sorted(seeded, key=lambda a: (5 - policy.priority(a), a["last_time"], a["id"]),
                                        reverse=True)]
    query = QueueFilter(status="all", policy=policy).alert_query("priority", descending=True)
    queue = db.queue(query)
    assert queue.count == 360
    # by position, from either end (the store counts from the far end past the middle)
    by_offset = [r["id"] for off in range(0, 360, 50) for r in db.queue_rows(queue, off, 50)]
    assert by_offset == expected
    # keyset: each page right after the last row read, and back again, with no gap and no repeat
    rows = db.queue_rows(queue, 0, 37)
    while len(rows) < 360:
        page = db.queue_rows_after(queue, rows[-1], 37)
        assert page, "a keyset page came back empty before the end"
        rows += page
    assert [r["id"] for r in rows] == expected
    back = db.queue_rows(queue, 323, 37)
    while back[0]["id"] != expected[0]:
        back = db.queue_rows_after(queue, back[0], 37, before=True) + back
    assert [r["id"] for r in back] == expected
    # the Python key agrees with the SQL order (marked rows are ordered by it)
    assert [r["id"] for r in sorted(rows, key=lambda r: row_key(r, "priority", policy), reverse=True)] == expected
    assert db.queue_position(queue, expected[200])[0] == 200
    # ascending is the exact reverse; a filtered queue (read whole in one pass) keeps the order
    up = db.queue(QueueFilter(status="all", policy=policy).alert_query("priority", descending=False))
    assert [r["id"] for r in db.queue_rows(up, 0, 360)] == expected[::-1]
    narrow = db.queue(QueueFilter(status="all", rule="Rule 3", policy=policy).alert_query("priority"))
    assert [r["id"] for r in narrow.head] == [i for i in expected if int(i[3:]) % 5 == 3]
    urgency = {a["id"]: 5 - policy.priority(a) for a in seeded}
    by_id = sorted(seeded, key=lambda a: a["id"])  # whole lists (soc alerts, reports) break ties by id, ascending
    listed = sorted(by_id, key=lambda a: (urgency[a["id"]], a["last_time"]), reverse=True)  # stable
    assert [a["id"] for a in db.alerts(query)] == [a["id"] for a in listed]
    # the top of the queue is the most urgent: high or critical on a level 4-5 system; the bottom the least
    assert label(policy.priority(rows[0])) == "P1" and rows[0]["system"] in ("Cổng dịch vụ công", "LGSP")
    assert label(policy.priority(rows[-1])) == "P4"
    db.close()


# -- the monitoring report's response clocks --------------------------------------------------------------
def test_monitoring_counts_met_missed_and_overdue_per_level(tmp_path: Path) -> None:
    # level 1 must be acknowledged at once (0 minutes): whatever is acknowledged is late, whatever is new overdue
    cfg = from_dict({"systems": SYSTEMS, "triage": {"clocks": {"1": {"acknowledge": "0m"}}}},
                    data_dir=tmp_path / "data")
    cfg.data_dir.mkdir(parents=True)
    db = StateDB(cfg.data_dir / "state.db")
    when = "2026-11-20T05:00:00.000000Z"  # noon local on the report day
    plan = [("lgsp-met", "LGSP", "acknowledged"), ("lgsp-met2", "LGSP", "in_progress"), ("lgsp-open", "LGSP", None),
            ("mail-late", "Thư điện tử", "acknowledged"), ("mail-open", "Thư điện tử", None),
            ("mail-open2", "Thư điện tử", None), ("other", "Ngoài danh mục", None)]
    for aid, system, _ in plan:
        db.upsert_alert({"id": aid, "rule_id": "r", "rule_title": "Rule", "rule_level": "high", "first_time": when,
                         "last_time": when, "event_ids": [aid], "system": system})
    for aid, _, status in plan:
        if status:
            workflow.set_status(db, db.alert(aid), "analyst1", status)
    db.close()
    m = build_monitoring(cfg, date(2026, 11, 20), date(2026, 11, 20))
    table = m.deadlines.set_index("level")
    assert table.loc[4, ["alerts", "met", "missed", "overdue"]].tolist() == [3, 2, 0, 0]
    assert table.loc[1, ["alerts", "met", "missed", "overdue"]].tolist() == [3, 0, 1, 2]
    assert table.loc[3, ["alerts", "met", "missed", "overdue"]].tolist() == [1, 0, 0, 0]  # not in the inventory
    assert table.loc[1, "acknowledge_minutes"] == 0 and table.loc[4, "acknowledge_minutes"] == 60
    doc = monitoring_document(cfg, m)
    shown = next(b for b in doc.blocks if isinstance(b, Table) and b.caption == "Thời hạn phản hồi").frame
    rows = shown.set_index("Cấp độ hệ thống")
    assert rows.loc["Cấp độ 4"].tolist() == ["1 giờ", "24 giờ", "3", "2", "0", "0"]
    assert rows.loc["Cấp độ 1"].tolist() == ["0 phút", "7 ngày", "3", "0", "1", "2"]
    assert rows.loc["Tổng cộng"].tolist()[2:] == ["7", "2", "1", "2"]


def test_readme_triage_example_is_the_defaults() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```toml\n(.*?)```", readme, re.S).group(1)
    assert from_dict(tomllib.loads(block)).triage == from_dict({}).triage
