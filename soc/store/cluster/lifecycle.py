"""Retention of a cluster store's events: the ILM (Elasticsearch) or ISM (OpenSearch) policies ``soc store init``
puts, what ``soc store check`` says of them, and ``soc compact``'s own retention where the cluster has neither.

Never deletes a data stream's write index, nor an index holding an event younger than the retention.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from soc.store.cluster import names
from soc.store.cluster.connection import ClusterError, Connection

ROLLOVER_AGE = "30d"  # a backing index holds about a month, as a monthly index did
ROLLOVER_SIZE = "50gb"


def engine_of(conn: Connection) -> str:
    """Which lifecycle engine the cluster offers: ``ilm``, ``ism`` or ``none`` (then ``soc compact`` keeps the
    retention)."""
    path = "/_ilm/status" if conn.kind == "elasticsearch" else "/_plugins/_ism/policies"
    try:
        conn.request("GET", path, retries=0)
        return "ilm" if conn.kind == "elasticsearch" else "ism"
    except ClusterError:
        return "none"


def policy_names(prefix: str) -> dict[str, str]:
    """layout → policy name: ``stream`` (rolls over, deletes ``days`` after rollover), ``monthly`` (deletes ``days``
    after the index was created)."""
    return {"stream": f"{prefix}-stream", "monthly": f"{prefix}-events"}


def policy(prefix: str, layout: str, days: int, engine: str) -> tuple[str, dict[str, Any]]:
    """(API path, body) of the ``layout``'s policy on ``engine`` (``ilm`` or ``ism``)."""
    name = policy_names(prefix)[layout]
    if engine == "ilm":
        hot: dict[str, Any] = {"actions": {}}
        if layout == "stream":
            hot["actions"]["rollover"] = {"max_age": ROLLOVER_AGE, "max_primary_shard_size": ROLLOVER_SIZE}
        return f"/_ilm/policy/{name}", {"policy": {"_meta": {"managed_by": "soc", "retention_days": days},
                                                   "phases": {"hot": hot, "delete": {"min_age": f"{days}d",
                                                                                     "actions": {"delete": {}}}}}}
    if layout == "stream":
        actions = [{"rollover": {"min_index_age": ROLLOVER_AGE, "min_primary_shard_size": ROLLOVER_SIZE}}]
        condition = {"min_rollover_age": f"{days}d"}  # every event of a backing index is older than that
        patterns = [names.stream_pattern(prefix)]  # ISM matches a backing index by its data stream's name
    else:
        actions, condition, patterns = [], {"min_index_age": f"{days}d"}, [names.monthly_pattern(prefix)]
    return f"/_plugins/_ism/policies/{name}", {"policy": {
        "description": f"soc events retention: {days} days", "default_state": "hot",
        "states": [{"name": "hot", "actions": actions, "transitions": [{"state_name": "delete",
                                                                         "conditions": condition}]},
                   {"name": "delete", "actions": [{"delete": {}}], "transitions": []}],
        "ism_template": [{"index_patterns": patterns, "priority": 100}]}}


def retention_of(stored: dict[str, Any], engine: str) -> int | None:
    """The retention in days a stored policy (the GET answer's body) deletes after, or None when it cannot say."""
    try:
        if engine == "ilm":
            age = stored["policy"]["phases"]["delete"]["min_age"]
        else:
            conditions = stored["policy"]["states"][0]["transitions"][0]["conditions"]
            age = conditions.get("min_rollover_age") or conditions.get("min_index_age")
        return int(str(age).removesuffix("d"))
    except (KeyError, IndexError, TypeError, ValueError):
        return None


def _stored(conn: Connection, path: str, name: str, engine: str) -> dict[str, Any] | None:
    try:
        got = conn.request("GET", path, retries=1)
    except ClusterError as exc:
        if exc.status == 404:
            return None
        raise
    return got.get(name, got) if engine == "ilm" else got


def put_policies(conn: Connection, prefix: str, days: int, engine: str) -> list[str]:
    """Put both policies (an ISM policy changed in place with its sequence number); one line each."""
    done = []
    for layout in ("stream", "monthly"):
        path, body = policy(prefix, layout, days, engine)
        name = policy_names(prefix)[layout]
        stored = _stored(conn, path, name, engine)
        if stored is not None and retention_of(stored, engine) == days:
            done.append(f"{engine} policy {name} ({days} days, kept)")
            continue
        params = None
        if engine == "ism" and stored is not None:  # ISM refuses an overwrite without the policy's sequence number
            params = {"if_seq_no": stored["_seq_no"], "if_primary_term": stored["_primary_term"]}
        conn.request("PUT", path, body, params=params)
        done.append(f"{engine} policy {name} ({days} days)")
    return done


def check_lines(conn: Connection, prefix: str, days: int | None, engine: str, backing: list[str]
                ) -> list[tuple[bool, str]]:
    """(ok, line) of each policy (present, retention as configured) and of its attachment to the backing indices."""
    if engine == "none":
        return [(True, "lifecycle: no ILM/ISM on this cluster: `soc compact` rolls the streams over monthly and "
                       "deletes what is older than the retention")]
    out: list[tuple[bool, str]] = []
    for layout in ("stream", "monthly"):
        path, _ = policy(prefix, layout, days or names.RETENTION_DAYS, engine)
        name = policy_names(prefix)[layout]
        stored = _stored(conn, path, name, engine)
        if stored is None:
            out.append((False, f"{engine} policy {name}: missing — run `soc store init`"))
            continue
        kept = retention_of(stored, engine)
        ok = days is None or kept == days
        out.append((ok, f"{engine} policy {name}: deletes after {kept} days"
                        + ("" if ok else f", config says {days} — run `soc store init`")))
    if backing:
        out.append(_attached(conn, prefix, engine, backing))
    return out


def _attached(conn: Connection, prefix: str, engine: str, backing: list[str]) -> tuple[bool, str]:
    want = policy_names(prefix)["stream"]
    try:
        if engine == "ilm":
            got = conn.request("GET", f"/{names.stream_pattern(prefix)}/_ilm/explain").get("indices", {})
            managed = [i for i, v in got.items() if v.get("policy") == want]
        else:
            got = conn.request("GET", f"/_plugins/_ism/explain/.ds-{names.stream_pattern(prefix)}-*")
            managed = [i for i, v in got.items() if isinstance(v, dict)
                       and (v.get("policy_id") or v.get("index.plugins.index_state_management.policy_id")) == want]
    except ClusterError as exc:
        return True, f"{engine} policy {want}: which backing indices it manages is not readable here ({exc})"
    ok = len(managed) >= len(backing)
    return ok, (f"{engine} policy {want} manages {len(managed)} of {len(backing)} backing indices"
                + ("" if ok else " — indices created before `soc store init` need it attached by hand"))


def streams(conn: Connection, prefix: str) -> dict[str, list[str]]:
    """Each data stream of the store → its backing indices, oldest first (the last is the write index)."""
    got = conn.request("GET", f"/_resolve/index/{names.stream_pattern(prefix)}")
    return {d["name"]: list(d.get("backing_indices", [])) for d in got.get("data_streams", [])}


def prune_streams(conn: Connection, prefix: str, days: int, now: datetime | None = None) -> list[str]:
    """Where the cluster has no ILM/ISM: roll each stream over once its write index is a month old, then delete
    every older backing index whose newest event is past the retention. Returns the deleted indices."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    gone = []
    for name, backing in streams(conn, prefix).items():
        conn.request("POST", f"/{name}/_rollover", {"conditions": {"max_age": ROLLOVER_AGE}})
        for index in backing[:-1]:
            conn.request("POST", f"/{index}/_refresh")  # every event it holds counts, however recently written
            answer = conn.request("POST", f"/{index}/_search", {"size": 0, "track_total_hits": True, "aggs": {
                "newest": {"max": {"field": "@timestamp"}}}})
            newest = answer.get("aggregations", {}).get("newest", {}).get("value")
            empty = int(answer.get("hits", {}).get("total", {}).get("value", 1)) == 0
            if empty if newest is None else datetime.fromtimestamp(newest / 1000, UTC) < cutoff:
                conn.request("DELETE", f"/{index}")
                gone.append(index)
    return gone
