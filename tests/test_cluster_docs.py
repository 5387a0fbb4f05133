"""The JSON documents the cluster store sends: DuckDB's writer must give exactly what ``to_doc`` + a JSON encoder
give, for hostile values too (no node needed: this is the text put on the wire)."""

from __future__ import annotations

import json
from datetime import date, datetime

import orjson
import pyarrow as pa

from soc.store.cluster.docs import IGNORE_ABOVE, UNINDEXED, iso, json_sources
from soc.store.duck import connect


def _json(value):
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


def to_doc(row: dict) -> dict:
    """The reference: a stored document of one ECS row (keys dotted, None and empty lists left out)."""
    return {k: _json(v) for k, v in row.items() if v is not None and v != []}


HOSTILE = 'a"b\\c\x00\x01\x1b[31m\u2028</script>=HYPERLINK("x") ${jndi:ldap://x} é Đường'


def _table() -> pa.Table:
    return pa.table({
        "event.id": ["e1", "e2", "e3"],
        "@timestamp": pa.array([datetime(2026, 11, 24, 1, 2, 3, 456789), datetime(2026, 12, 1), None],
                               pa.timestamp("us")),
        "event.ingested": pa.array([datetime(2026, 11, 24, 1, 2, 4), None, None], pa.timestamp("us", "UTC")),
        "event.dataset": ["nginx.access", None, "x"],
        "message": [HOSTILE, "", None],
        "related.ip": [["10.0.0.1", "2001:db8::1"], [], None],
        "http.response.status_code": pa.array([200, None, 2 ** 60], pa.int64()),
        "geo.location.lat": [float("nan"), 10.5, float("inf")],
        "soc.pii.present": [True, False, None],
        "file.created_date": pa.array([date(2026, 1, 2), None, None], pa.date32()),
        "empty.column": pa.array([None, None, None], pa.string()),
    })


def test_json_sources_are_the_documents_to_doc_builds():
    table = _table()
    out = list(json_sources(connect(), table, rows=2))  # fetched two rows at a time
    assert [(eid, ds, month) for eid, ds, month, _ in out] == [
        ("e1", "nginx.access", "2026-11"), ("e2", None, "2026-12"), ("e3", "x", None)]
    for (_, _, _, text), row in zip(out, table.to_pylist(), strict=True):
        sent = json.loads(text)  # strict JSON: no NaN, no raw control characters
        want = to_doc({k: v for k, v in row.items() if not (isinstance(v, float) and v != v or v in (
            float("inf"), float("-inf")))})
        want = {k: (v.isoformat() if isinstance(v, date) and not isinstance(v, datetime) else v)
                for k, v in want.items()}
        assert sent == want
    assert json.loads(out[0][3])["message"] == HOSTILE  # every character kept, escaped on the wire
    assert "\x00" not in out[0][3] and "\x1b" not in out[0][3]
    assert json.loads(out[0][3])["event.ingested"] == "2026-11-24T01:02:04.000000Z"
    assert "empty.column" not in out[0][3] and "related.ip" not in json.loads(out[1][3])


def test_a_batch_with_only_ids_gives_minimal_documents():
    out = json_sources(connect(), pa.table({"event.id": ["a", "b"]}))
    assert [orjson.loads(text) for *_, text in out] == [{"event.id": "a"}, {"event.id": "b"}]


def test_values_too_long_to_index_are_named_in_the_document():
    """A value past ``ignore_above`` (a list: its elements together) is named in ``soc.unindexed_fields``: a cluster
    scan finds such events there, since their lowercase sub-field holds nothing."""
    long, wide = "x" * (IGNORE_ABOVE + 1), "đ" * 4100  # 4,100 characters, 8,200 bytes: named (more is allowed)
    table = pa.table({"event.id": ["a", "b", "c", "d"],
                      "url.original": [long, "short", None, wide],
                      "related.user": [["u"], ["v", long], [], None]})
    docs = [json.loads(text) for *_, text in json_sources(connect(), table)]
    assert [d.get(UNINDEXED) for d in docs] == [["url.original"], ["related.user"], None, ["url.original"]]
    assert docs[0]["url.original"] == long and docs[1]["related.user"] == ["v", long]  # the values themselves kept
    encoded = pa.table({"event.id": ["e", "f"], "url.original": pa.array([long, "s"]).dictionary_encode()})
    assert [json.loads(text).get(UNINDEXED) for *_, text in json_sources(connect(), encoded)] == [["url.original"], None]
    short = pa.table({"event.id": ["e"], "url.original": ["x" * IGNORE_ABOVE]})
    assert UNINDEXED not in json.loads(next(iter(json_sources(connect(), short)))[3])
