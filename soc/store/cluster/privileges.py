"""What the configured credentials may do on the cluster, for ``soc store check``: the privileges ``soc`` needs,
each said present or missing (Elasticsearch ``_has_privileges``), the user and roles where the engine cannot
evaluate privileges (OpenSearch security), or that security is off.

Reads only; never prints a credential.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from soc.store.cluster.connection import ClusterError, Connection

CLUSTER = ("monitor", "manage_index_templates", "manage_ilm")
INDEX = ("create_index", "create_doc", "index", "read", "view_index_metadata", "maintenance", "delete_index")
ISM_ROLES = ("all_access", "ism_full_access", "index_management_full_access")


def _off(exc: ClusterError) -> bool:
    """True when the error says the engine runs without security (no handler, or security disabled)."""
    text = exc.reason.lower()
    return exc.status in (400, 404, 405) or "security" in text and ("disabled" in text or "not enabled" in text)


def check_privileges(conn: Connection, patterns: Sequence[str]) -> list[tuple[bool, str]]:
    """(ok, line) lines on the privileges ``soc`` needs on ``patterns`` (its index and stream names)."""
    if conn.kind == "elasticsearch":
        try:
            got = conn.request("POST", "/_security/user/_has_privileges", {
                "cluster": list(CLUSTER), "index": [{"names": list(patterns), "privileges": list(INDEX)}]},
                retries=0)
        except ClusterError as exc:
            if _off(exc):
                return [(True, "privileges: security is off on this cluster (anyone who reaches it may write)")]
            return [(False, f"privileges: cannot check them ({exc.status}: {exc.reason})")]
        return _has_privileges_lines(got)
    try:
        who = conn.request("GET", "/_plugins/_security/authinfo", retries=0)
    except ClusterError as exc:
        if _off(exc):
            return [(True, "privileges: the security plugin is off on this cluster (anyone who reaches it may write)")]
        return [(False, f"privileges: cannot check them ({exc.status}: {exc.reason})")]
    user = str(who.get("user_name") or "?")
    roles = sorted(set(who.get("roles") or []) | set(who.get("backend_roles") or []))
    full = any(role in ISM_ROLES for role in roles)
    return [(True, f"privileges: user {user}, roles {', '.join(roles) or 'none'}"
             + ("" if full else f" (OpenSearch cannot test privileges: the roles must grant the cluster and index "
                                f"permissions in the README on {', '.join(patterns)})"))]


def _has_privileges_lines(got: dict[str, Any]) -> list[tuple[bool, str]]:
    missing = [name for name, ok in (got.get("cluster") or {}).items() if not ok]
    for pattern, privileges in (got.get("index") or {}).items():
        missing += [f"{name} on {pattern}" for name, ok in privileges.items() if not ok]
    user = str(got.get("username") or "?")
    if not missing:
        return [(True, f"privileges: user {user} has every privilege soc needs")]
    return [(False, f"privileges: user {user} lacks {', '.join(missing)}")]
