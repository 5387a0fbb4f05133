"""Data streams, lifecycle policies and point-in-time paging of the cluster store, against real nodes started by
scripts/test-node (OpenSearch 2.19 and Elasticsearch 8.17's minimal distribution; neither has ILM/ISM here).

Skipped, loudly, only when java or mvn is missing on a developer's machine; never when CI is set.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pyarrow as pa
from test_store_cluster import _cfg, _cli, _cluster_dir

from soc.searchlang import parse
from soc.store.cluster import lifecycle, names, paging, schema
from soc.store.events_api import ArrowBatch
from soc.store.registry import open_store


def _batch(ids: Sequence[int], t0: dt.datetime, dataset: str = "web.access", step: int = 1) -> ArrowBatch:
    n = len(ids)
    return ArrowBatch(pa.table({
        "event.id": [f"ev{i:04d}" for i in ids], "@timestamp": [t0 + dt.timedelta(seconds=i * step) for i in ids],
        "event.ingested": [t0] * n, "event.dataset": [dataset] * n, "message": [f"line {i}" for i in ids]}))


def _indices(conn, pattern: str) -> list[str]:
    rows = conn.request("GET", f"/_cat/indices/{pattern}", params={"format": "json", "h": "index",
                                                                   "expand_wildcards": "all"})
    return sorted(r["index"] for r in rows)


def test_events_go_to_a_data_stream_and_every_reader_reads_the_older_monthly_indices(node, tmp_path):
    kind, _ = node
    cdata = _cluster_dir(node, tmp_path / "cluster", "layout", {})
    cfg = _cfg(node, cdata, "layout")
    t0 = dt.datetime(2026, 11, 20, 3)
    with open_store(cfg) as store:  # a cluster set up before data streams: templates, no stream template
        schema.init(store.events.conn, store.events.prefix, 365)
        store.events.conn.request("DELETE", f"/_index_template/{store.events.prefix}-stream")
        bad = [line for ok, line in schema.check(store.events.conn, store.events.prefix, 365) if not ok]
        assert bad == ["template soc-layout-stream: missing — run `soc store init`"]
    with open_store(cfg) as store:
        assert store.events.append(_batch(range(0, 30), t0)) == 30
    assert _cli(cdata, "store", "init").exit_code == 0
    with open_store(cfg) as store:
        events, conn = store.events, store.events.conn
        assert events.append(_batch(range(30, 70), t0)) == 40
        assert events.append(_batch(range(30, 70), t0)) == 0  # the same backing index: nothing twice
        undated = pa.table({"event.id": ["undated1"], "@timestamp": pa.array([None], pa.timestamp("us")),
                            "event.dataset": ["web.access"], "message": ["no time"]})
        assert events.append(ArrowBatch(undated)) == 1  # a data stream refuses it: its dataset's undated index
        assert "soc-layout-events-web.access-undated" in _indices(conn, "soc-layout-events-*")
        assert "soc-layout-events-web.access-2026.11" in _indices(conn, "soc-layout-events-*")
        assert lifecycle.streams(conn, events.prefix) == {
            "logs-soc.web.access-layout": _indices(conn, ".ds-logs-soc.web.access-layout-*")}
        assert events.count() == 71
        assert {r["event.id"] for r in events.scan({"match_all": {}}, [])} == {f"ev{i:04d}" for i in range(70)} | {
            "undated1"}
        assert [r["event.id"] for r in events.by_ids(["ev0001", "ev0050"])] == ["ev0001", "ev0050"]
        assert len(events.around(["event.dataset"], "web.access", None, None, 100)) == 71
        hits = events.search(parse('message:"line 5"'), ["message"], 100).rows
        assert [r["event.id"] for r in hits] == ["ev0005"]
        assert sum(n for *_, n in events.counts_by_day(
            [("d", dt.datetime(2026, 11, 20), dt.datetime(2026, 11, 21))], "?")) == 70
        # the documented limit of `_id` dedup in a stream: after a rollover a re-sent event is stored again (the file
        # checkpoint is what keeps a resumed ingest from re-sending acknowledged lines)
        conn.request("POST", "/logs-soc.web.access-layout/_rollover")
        assert events.append(_batch(range(60, 70), t0)) == 10
    done = _cli(cdata, "store", "check")
    assert done.exit_code == 0 and "BAD" not in done.output, done.output
    assert "data streams logs-soc.*-layout: 1 (logs-soc.web.access-layout), 2 backing indices" in done.output
    assert "monthly indices soc-layout-events-*: 2 (read with the streams)" in done.output
    assert f"engine {kind} " in done.output and "lifecycle: no ILM/ISM" in done.output


def test_check_says_what_is_missing_and_namespaces_never_read_each_other(opensearch_url, tmp_path):
    cfg, other = _cfg(opensearch_url, tmp_path / "a", "iso"), _cfg(opensearch_url, tmp_path / "b", "pre-iso")
    t0 = dt.datetime(2026, 11, 20, 3)
    for c, ids in ((cfg, range(0, 5)), (other, range(5, 12))):
        with open_store(c) as store:
            schema.init(store.events.conn, store.events.prefix, 365)
            assert store.events.append(_batch(ids, t0, dataset="my-app")) == len(ids)
    with open_store(cfg) as store, open_store(other) as second:
        assert names.stream(second.events.prefix, "my-app") == "logs-soc.my_app-pre_iso"
        assert (store.events.count(), second.events.count()) == (5, 7)
        store.events.conn.request("DELETE", "/_index_template/soc-iso-state")
        store.events.conn.request("DELETE", "/soc-iso-state-audit")
        older = schema.templates("soc-iso")["soc-iso-ecs"][1]  # as an older version put it: no unindexed_fields
        del older["template"]["mappings"]["properties"]["soc"]["properties"]["unindexed_fields"]
        store.events.conn.request("PUT", "/_component_template/soc-iso-ecs", older)
        lines = schema.check(store.events.conn, store.events.prefix, 365)
    bad = [line for ok, line in lines if not ok]
    assert bad == ["template soc-iso-ecs: soc.unindexed_fields missing — run `soc store init`",
                   "template soc-iso-state: missing — run `soc store init`",
                   "index soc-iso-state-audit: missing — run `soc store init`"]


def test_policies_carry_the_configured_retention():
    from soc.config import from_dict
    from soc.store.cluster.settings import cluster_settings

    days = cluster_settings(from_dict({"store": {"kind": "elasticsearch", "hosts": ["http://x:9200"],
                                                 "retention_days": 400}})).retention_days
    assert days == 400
    path, ilm = lifecycle.policy("soc-p", "stream", days, "ilm")
    assert path == "/_ilm/policy/soc-p-stream"
    assert ilm["policy"]["phases"]["hot"]["actions"]["rollover"]["max_age"] == "30d"
    assert ilm["policy"]["phases"]["delete"] == {"min_age": "400d", "actions": {"delete": {}}}
    assert "rollover" not in lifecycle.policy("soc-p", "monthly", days, "ilm")[1]["policy"]["phases"]["hot"]["actions"]
    path, ism = lifecycle.policy("soc-p", "stream", days, "ism")
    assert path == "/_plugins/_ism/policies/soc-p-stream"
    assert ism["policy"]["ism_template"][0]["index_patterns"] == ["logs-soc.*-p"]
    assert ism["policy"]["states"][0]["actions"][0]["rollover"]["min_index_age"] == "30d"
    for engine, body in (("ilm", ilm), ("ism", ism)):
        assert lifecycle.retention_of(body, engine) == 400
    tmpl = schema.templates("soc-p", "ilm")
    assert tmpl["soc-p-stream"][1]["template"]["settings"]["index"]["lifecycle"]["name"] == "soc-p-stream"
    assert tmpl["soc-p-events"][1]["template"]["settings"]["index"]["lifecycle"]["name"] == "soc-p-events"
    assert "template" not in schema.templates("soc-p", "ism")["soc-p-stream"][1]


def test_compact_rolls_over_and_drops_only_backing_indices_past_the_retention(node, tmp_path):
    cfg = _cfg(node, tmp_path, "prune")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    with open_store(cfg) as store:
        events, conn = store.events, store.events.conn
        schema.init(conn, events.prefix, 365)
        stream = "logs-soc.web.access-prune"
        assert events.append(_batch(range(0, 10), now - dt.timedelta(days=800))) == 10
        conn.request("POST", f"/{stream}/_rollover")
        assert events.append(_batch(range(10, 25), now - dt.timedelta(days=2))) == 15
        conn.request("POST", f"/{stream}/_rollover")
        first, second, write = lifecycle.streams(conn, events.prefix)[stream]
        assert events.compact() == [first]
        assert lifecycle.streams(conn, events.prefix)[stream] == [second, write]
        assert events.count() == 15
        assert events.compact() == []


def _open_contexts(conn) -> int:
    stats = conn.request("GET", "/_nodes/stats/indices/search")["nodes"]
    return sum(n["indices"]["search"]["open_contexts"] for n in stats.values())


def test_pages_in_a_point_in_time_while_ingest_goes_on(node, tmp_path):
    cfg = _cfg(node, tmp_path, "pit")
    t0 = dt.datetime(2026, 11, 20, 3)
    with open_store(cfg) as store:
        events, conn = store.events, store.events.conn
        schema.init(conn, events.prefix, 365)
        assert events.append(_batch(range(0, 260, 2), t0)) == 130  # even ids; odd ids arrive while paging
        query = parse("event.dataset:web.access")
        seen, after, pages = [], None, 0
        late = iter([i for k in range(0, 20, 2) for i in (301 + k, 101 + k, 1 + k)])  # newer, middle, oldest
        while True:
            page = events.search(query, ["message"], 25, after)
            seen += [r["event.id"] for r in page.rows]
            pages += 1
            if not page.limited:
                break
            after = page.next_after
            assert isinstance(after, paging.Cursor) and after.pit and tuple(after) == (
                page.rows[-1]["@timestamp"], page.rows[-1]["event.id"])
            # new events before, inside and after the pages still to come; a rollover too
            assert events.append(_batch([next(late) for _ in range(6)], t0)) == 6
            if pages == 2:
                conn.request("POST", "/logs-soc.web.access-pit/_rollover")
        assert pages == 6 and seen == [f"ev{i:04d}" for i in range(258, -1, -2)]  # the first page's events only
        assert _open_contexts(conn) == 0  # the last page closed its point in time
        # a new search frees the last one's point in time; that one's pages go on by keyset: nothing twice or lost
        total = events.count()
        first = events.search(query, ["message"], 40)
        held = _open_contexts(conn)
        again = events.search(query, ["message"], 40)
        assert held > 0 and _open_contexts(conn) == held and again.next_after.pit != first.next_after.pit
        rest, after = [], first.next_after
        while after is not None:
            page = events.search(query, ["message"], 40, after)
            rest += [r["event.id"] for r in page.rows]
            after = page.next_after if page.limited else None
        both = [r["event.id"] for r in first.rows] + rest
        assert len(both) == len(set(both)) == total
        paging.close_pit(conn, again.next_after.pit)
        assert _open_contexts(conn) == 0
        # a plain (timestamp, id) key, as the embedded store's pages give, pages by keyset too
        keyed = events.search(query, ["message"], 5, (t0 + dt.timedelta(seconds=10), "ev0010"))
        assert [r["event.id"] for r in keyed.rows] == ["ev0009", "ev0008", "ev0007", "ev0006", "ev0005"]
