"""Index templates and lifecycle of a cluster store, from our ECS field list: what ``soc store init`` puts in the
cluster and ``soc store check`` compares. Detects what the engine offers (data streams, ILM, ISM) instead of assuming it.

Events go to data streams ``logs-soc.<dataset>-<namespace>`` (template ``<prefix>-stream``) where the engine has them,
else to monthly indices (template ``<prefix>-events``, also what clusters set up before streams hold); readers read
both. Never deletes data except event indices older than the retention (``prune``, ``soc.store.cluster.lifecycle``).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from soc import ecs
from soc.store.cluster import lifecycle as lc
from soc.store.cluster import names
from soc.store.cluster.connection import ClusterError, Connection
from soc.store.cluster.docs import IGNORE_ABOVE, UNINDEXED
from soc.store.cluster.privileges import check_privileges

KEYWORD = {"type": "keyword", "ignore_above": IGNORE_ABOVE}
# Every keyword field also indexes its value lowercased in ``<field>.lc`` (searched, never sorted or aggregated):
# a cluster scan's candidate queries (soc.detect.cluster_backend) match Sigma's case-insensitive strings there.
EVENT_KEYWORD = {**KEYWORD, "fields": {"lc": {"type": "keyword", "normalizer": "lowercase", "doc_values": False,
                                              "ignore_above": IGNORE_ABOVE}}}
STATE_KINDS = ("alerts", "cases", "notes", "suppressions", "audit", "checkpoints", "watermarks", "counters",
               "indicators")


def _leaf(name: str, kind: str) -> dict[str, Any]:
    if name == "event.original":
        return {"type": "keyword", "index": False, "doc_values": False}  # kept in _source, never indexed
    if kind == "TIMESTAMP":
        return {"type": "date_nanos"}
    if kind in ("BIGINT", "INTEGER"):
        return {"type": "long"}
    if kind == "DOUBLE":
        return {"type": "double"}
    if kind == "BOOLEAN":
        return {"type": "boolean"}
    if name.endswith(".ip") or name == "related.ip":
        return {"type": "ip"}
    return copy.deepcopy(EVENT_KEYWORD)


def ecs_properties() -> dict[str, Any]:
    """Nested ``properties`` of every registered ECS and ``soc.*`` field."""
    root: dict[str, Any] = {}
    for name, kind in sorted(ecs.FIELDS.items()):
        node = root
        parts = name.split(".")
        for part in parts[:-1]:
            child = node.setdefault(part, {"properties": {}})
            if "properties" not in child:  # a leaf with sub-fields: keep the leaf, sub-fields become dynamic
                break
            node = child["properties"]
        else:
            node[parts[-1]] = _leaf(name, kind)
    soc = root.setdefault("soc", {"properties": {}})["properties"]
    soc[UNINDEXED.removeprefix("soc.")] = dict(KEYWORD)  # written by the cluster store only (docs.json_sources)
    return root


def templates(prefix: str, engine: str = "none") -> dict[str, tuple[str, dict[str, Any]]]:
    """name → (API path, body) of every template the store needs; with ``engine = "ilm"`` the event templates name
    their lifecycle policy (ISM attaches its policies by pattern instead)."""
    dynamic = [{"strings": {"match_mapping_type": "string", "mapping": dict(KEYWORD)}}]
    settings = {"index": {"auto_expand_replicas": "0-1", "refresh_interval": "1s"}}
    meta = {"managed_by": "soc"}

    def events(patterns: list[str], layout: str, **extra: Any) -> dict[str, Any]:
        body = {"index_patterns": patterns, "priority": 200, "composed_of": [f"{prefix}-ecs", f"{prefix}-settings"],
                "_meta": meta, **extra}
        if engine == "ilm":
            body["template"] = {"settings": {"index": {"lifecycle": {"name": lc.policy_names(prefix)[layout]}}}}
        return body

    return {
        f"{prefix}-ecs": ("/_component_template/", {"template": {"mappings": {
            "dynamic_templates": dynamic, "properties": ecs_properties()}}, "_meta": meta}),
        f"{prefix}-settings": ("/_component_template/", {"template": {"settings": {
            **settings, "index": {**settings["index"], "codec": "best_compression", "number_of_shards": 1}}},
            "_meta": meta}),
        f"{prefix}-events": ("/_index_template/", events([names.monthly_pattern(prefix)], "monthly")),
        f"{prefix}-stream": ("/_index_template/", events([names.stream_pattern(prefix)], "stream", data_stream={})),
        f"{prefix}-state": ("/_index_template/", {
            "index_patterns": [f"{prefix}-state-*"], "priority": 200,
            "template": {"settings": {**settings, "index": {**settings["index"], "refresh_interval": "1s",
                                                              "number_of_shards": 1}},
                         "mappings": {"dynamic_templates": dynamic}}, "_meta": meta}),
    }


def _leaves(props: dict[str, Any], parent: str = "") -> set[str]:
    """Dotted names of the fields a mapping's ``properties`` define."""
    out: set[str] = set()
    for key, value in props.items():
        name = f"{parent}{key}"
        if isinstance(value, dict) and "properties" in value:
            out |= _leaves(value["properties"], name + ".")
        else:
            out.add(name)
    return out


def lifecycle(conn: Connection) -> str:
    """Which lifecycle engine the cluster offers: ``ilm``, ``ism`` or ``none`` (then ``prune`` keeps retention)."""
    return lc.engine_of(conn)


def init(conn: Connection, prefix: str, retention_days: int) -> list[str]:
    """Put every template (idempotent: the same body again changes nothing) and the lifecycle policies the engine
    offers; create the state indices. An engine refusing data streams keeps the monthly indices (said in the
    result and recorded in the ``-events`` template's ``_meta`` for ``check``). Returns what was done, one line each."""
    done = []
    engine = lifecycle(conn)
    if engine != "none":  # the policies first: a template naming a missing ILM policy is refused
        done += lc.put_policies(conn, prefix, retention_days, engine)
    else:
        done.append(f"no ILM/ISM on this cluster: `soc compact` keeps the retention ({retention_days} days)")
    stream_name = f"{prefix}-stream"
    streams = True
    bodies = templates(prefix, engine)
    for name, (api, body) in bodies.items():  # components first: the index templates name them
        if name == f"{prefix}-events":
            body["_meta"] = {"managed_by": "soc", "data_streams": _put_stream(conn, prefix, *bodies[stream_name], done)}
            streams = body["_meta"]["data_streams"]
        if name == stream_name:
            continue
        conn.request("PUT", api + name, body)
        done.append(f"template {name}")
    if not streams:
        done.append(f"no data streams on this engine: events stay in monthly indices {prefix}-events-<dataset>-<YYYY.MM>")
    for kind in STATE_KINDS:
        index = f"{prefix}-state-{kind}"
        if not conn.exists(f"/{index}"):
            try:
                conn.request("PUT", f"/{index}")
            except ClusterError as exc:
                if "already_exists" not in exc.reason:
                    raise
        done.append(f"index {index}")
    return done


def _put_stream(conn: Connection, prefix: str, api: str, body: dict[str, Any], done: list[str]) -> bool:
    """Put the data stream template; False when the engine refuses data streams (the monthly indices then)."""
    name = f"{prefix}-stream"
    try:
        conn.request("PUT", api + name, body)
    except ClusterError as exc:
        if exc.status != 400:
            raise
        done.append(f"template {name}: refused ({exc.reason[:200]})")
        return False
    done.append(f"template {name} (data streams {names.stream_pattern(prefix)})")
    return True


def _stored_template(conn: Connection, api: str, name: str) -> dict[str, Any] | None:
    try:
        got = conn.request("GET", api + name, retries=1)
    except ClusterError as exc:
        if exc.status == 404:
            return None
        raise
    stored = (got.get("component_templates") or got.get("index_templates") or [{}])[0]
    return stored.get("component_template") or stored.get("index_template") or {}


def check(conn: Connection, prefix: str, retention_days: int | None = None) -> list[tuple[bool, str]]:
    """(ok, line) per thing ``init`` makes and the cluster must offer: version, health, templates, where events go
    (streams, older monthly indices), lifecycle policies (retention as configured when ``retention_days`` is given,
    attached to the backing indices), state indices."""
    out: list[tuple[bool, str]] = []
    try:
        info = conn.info()
    except ClusterError as exc:
        return [(False, f"cluster: {exc}")]
    version = info.get("version", {})
    engine = version.get("distribution", "elasticsearch")
    number = version.get("number", "?")
    major = int(number.split(".")[0]) if number[:1].isdigit() else 0
    fits = (engine == "opensearch" and major >= 2) or (engine == "elasticsearch" and major >= 8)
    out.append((fits, f"engine {engine} {number}" + ("" if fits else " (need Elasticsearch 8/9 or OpenSearch 2.x)")))
    if engine != conn.kind:
        out.append((False, f"[store] kind = {conn.kind!r} but the cluster is {engine}"))
    health = conn.request("GET", "/_cluster/health").get("status", "?")
    out.append((health in ("green", "yellow"), f"cluster health {health}"))
    out += check_privileges(conn, [f"{prefix}-*", names.stream_pattern(prefix)])
    monthly_meta: dict[str, Any] = {}
    for name, (api, body) in templates(prefix).items():
        inner = _stored_template(conn, api, name)
        if inner is None:
            if name.endswith("-stream") and monthly_meta.get("data_streams") is False:
                out.append((True, f"template {name}: none, this engine has no data streams (monthly indices)"))
            else:
                out.append((False, f"template {name}: missing — run `soc store init`"))
            continue
        if name.endswith("-events"):
            monthly_meta = inner.get("_meta") or {}
        if api == "/_component_template/" and name.endswith("-ecs"):
            props = inner.get("template", {}).get("mappings", {}).get("properties", {})
            want = body["template"]["mappings"]["properties"]
            missing = sorted(_leaves(want) - _leaves(props))
            more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
            out.append((not missing, f"template {name}" + (f": {', '.join(missing[:5])}{more} missing — run "
                                                           "`soc store init`" if missing else "")))
        elif name.endswith("-stream") and "data_stream" not in inner:
            out.append((False, f"template {name}: not a data stream template — run `soc store init`"))
        else:
            out.append((True, f"template {name}"))
    found = lc.streams(conn, prefix)
    backing = [i for each in found.values() for i in each]
    out.append((True, f"data streams {names.stream_pattern(prefix)}: "
                + (f"{len(found)} ({', '.join(sorted(found)[:4])}{', …' if len(found) > 4 else ''}), "
                   f"{len(backing)} backing indices" if found else "none yet (made by the first ingest)")))
    monthly = conn.request("GET", f"/_cat/indices/{names.monthly_pattern(prefix)}",
                           params={"format": "json", "h": "index"})
    if monthly:
        out.append((True, f"monthly indices {names.monthly_pattern(prefix)}: {len(monthly)} (read with the streams)"))
    out += lc.check_lines(conn, prefix, retention_days, lifecycle(conn), backing)
    for kind in STATE_KINDS:
        index = f"{prefix}-state-{kind}"
        ok = conn.exists(f"/{index}")
        out.append((ok, f"index {index}" + ("" if ok else ": missing — run `soc store init`")))
    return out


def prune(conn: Connection, prefix: str, retention_days: int, now: datetime | None = None) -> list[str]:
    """Delete monthly event indices whose whole month is older than the retention and, where no ILM/ISM does it,
    stream backing indices past it (``lifecycle.prune_streams``); returns their names."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    listed = conn.request("GET", f"/_cat/indices/{names.monthly_pattern(prefix)}", params={"format": "json", "h": "index"})
    gone = []
    for row in listed:
        name = row["index"]
        month = name.rsplit("-", 1)[-1]
        try:
            start = datetime.strptime(month, "%Y.%m").replace(tzinfo=UTC)
        except ValueError:
            continue
        end = (start + timedelta(days=32)).replace(day=1)
        if end <= cutoff:
            conn.request("DELETE", f"/{name}")
            gone.append(name)
    if lifecycle(conn) == "none":
        gone += lc.prune_streams(conn, prefix, retention_days, now)
    return gone
