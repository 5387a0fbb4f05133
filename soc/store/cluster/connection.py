"""One connection to an Elasticsearch or OpenSearch cluster through its official client, as plain JSON requests.

Never logs a request body or a credential; errors carry the status and the cluster's reason only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from typing import Any

from soc.store.cluster.settings import ClusterSettings

JSON = {"accept": "application/json", "content-type": "application/json"}
ACCEPT = {"accept": "application/json"}  # a GET without a body must not say it has one (Elasticsearch answers 405)
RETRY_STATUSES = (429, 502, 503, 504)


class ClusterError(Exception):
    """The cluster refused a request (``status``: its HTTP status, 0 when it could not be reached)."""

    def __init__(self, status: int, reason: str):
        super().__init__(f"cluster answered {status}: {reason}" if status else f"cluster not reachable: {reason}")
        self.status = status
        self.reason = reason


def _reason(info: Any) -> str:
    if isinstance(info, dict):
        err = info.get("error", info)
        if isinstance(err, dict):
            root = (err.get("root_cause") or [err])[0]
            return f"{root.get('type', '')}: {root.get('reason', '')}"[:500]
        return str(err)[:500]
    return str(info)[:500]


class Connection:
    """``request(method, path, body, params)`` → the answer's JSON; ``bulk(actions)`` through the client's helper."""

    def __init__(self, settings: ClusterSettings):
        self.settings = settings
        self.kind = settings.kind
        self.client = _client(settings)
        self._info: dict[str, Any] | None = None
        for name in ("opensearch", "elastic_transport.transport"):  # a 404 or 409 here is an answer, not a fault
            logging.getLogger(name).setLevel(logging.ERROR)

    def close(self) -> None:
        self.client.close()

    def request(self, method: str, path: str, body: Any = None, params: dict[str, Any] | None = None,
                retries: int = 5) -> Any:
        """One request, retried with back-off on 429/5xx and on a connection failure; other errors raise
        :class:`ClusterError`."""
        delay = 0.2
        for attempt in range(retries + 1):
            try:
                return self._perform(method, path, body, params)
            except ClusterError as exc:
                if exc.status not in (0, *RETRY_STATUSES) or attempt == retries:
                    raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)
        raise AssertionError("unreachable")

    def _perform(self, method: str, path: str, body: Any, params: dict[str, Any] | None) -> Any:
        if self.kind == "opensearch":
            import opensearchpy  # deferred: the optional [cluster] extra

            try:
                return self.client.transport.perform_request(method, path, params=params, body=body,
                                                            headers=ACCEPT if body is None else JSON)
            except opensearchpy.TransportError as exc:
                status = exc.status_code if isinstance(exc.status_code, int) else 0
                raise ClusterError(status, _reason(exc.info)) from None
        import elastic_transport  # deferred: the optional [cluster] extra
        import elasticsearch

        try:
            return self.client.perform_request(method, path, params=params, body=body,
                                                   headers=ACCEPT if body is None else JSON).body
        except elasticsearch.ApiError as exc:
            raise ClusterError(exc.meta.status, _reason(exc.body)) from None
        except elastic_transport.TransportError as exc:
            raise ClusterError(0, str(exc.message)) from None

    def exists(self, path: str) -> bool:
        try:
            self.request("GET", path, retries=2)
            return True
        except ClusterError as exc:
            if exc.status == 404:
                return False
            raise

    def info(self) -> dict[str, Any]:
        if self._info is None:
            try:
                self._info = self.request("GET", "/", retries=1)
            except ClusterError as exc:  # Elasticsearch without its rest-root module (the minimal distribution)
                if exc.status not in (404, 405):
                    raise
                nodes = self.request("GET", "/_nodes/_local", params={"filter_path": "nodes.*.version"})
                number = next(iter(nodes.get("nodes", {}).values()), {}).get("version", "?")
                self._info = {"version": {"number": number, "distribution": self.kind}}
        return self._info

    def bulk(self, actions: Iterable[dict[str, Any]], chunk_size: int = 2000, threads: int = 4
             ) -> Iterator[tuple[bool, dict]]:
        """``(ok, item)`` per action through the client's ``parallel_bulk`` (``threads`` requests in flight); an
        item refused with 429/5xx or lost with its request comes back not ok with that status, for the caller to
        send again (writes are idempotent ``create``s)."""
        if self.kind == "opensearch":
            from opensearchpy import helpers  # deferred: the optional [cluster] extra
        else:
            from elasticsearch import helpers  # deferred: the optional [cluster] extra
        return helpers.parallel_bulk(self.client, actions, thread_count=threads, chunk_size=chunk_size,
                                     max_chunk_bytes=20 * 1024 * 1024, raise_on_error=False,
                                     raise_on_exception=False)


def _client(s: ClusterSettings) -> Any:
    """The official client of ``s.kind`` with TLS verification on unless turned off in config."""
    common: dict[str, Any] = {"verify_certs": s.verify_certs, "request_timeout": 120}
    if s.ca_file:
        common["ca_certs"] = s.ca_file
    if s.fingerprint:
        common["ssl_assert_fingerprint"] = s.fingerprint
    if s.kind == "opensearch":
        from opensearchpy import OpenSearch  # deferred: the optional [cluster] extra

        headers = {"authorization": f"ApiKey {s.api_key}"} if s.api_key else None
        auth = (s.username, s.password) if s.username and s.password else None
        common["timeout"] = common.pop("request_timeout")
        return OpenSearch(hosts=s.hosts, http_auth=auth, headers=headers, http_compress=False, **common)
    from elasticsearch import Elasticsearch  # deferred: the optional [cluster] extra

    if s.api_key:
        common["api_key"] = s.api_key
    elif s.username and s.password:
        common["basic_auth"] = (s.username, s.password)
    return Elasticsearch(hosts=s.hosts, **common)
