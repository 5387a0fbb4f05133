"""``[store]`` settings of a cluster store: hosts, namespace, TLS, retention, and credentials from env or a file.

Never prints, logs or returns a secret in a message (``ClusterSettings.__repr__`` hides them).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from soc.config import Config, ConfigError
from soc.store.cluster import names

KINDS = ("elasticsearch", "opensearch")
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")


@dataclass
class ClusterSettings:
    kind: str
    hosts: list[str]
    namespace: str = "default"
    verify_certs: bool = True
    ca_file: str | None = None
    fingerprint: str | None = None
    retention_days: int = names.RETENTION_DAYS
    api_key: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @property
    def prefix(self) -> str:
        """Every index and template this store owns starts with it (``soc-<namespace>``)."""
        return f"soc-{self.namespace}"


def _secret_file(path: str, where: str) -> dict[str, str]:
    """``key = value`` lines of a credentials file (api_key, username, password); its values never leave here."""
    p = Path(path).expanduser()
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{where}: credentials_file {p} cannot be read ({exc.strerror})") from None
    out: dict[str, str] = {}
    for n, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or key.strip() not in ("api_key", "username", "password"):
            raise ConfigError(f"{p}:{n}: expected api_key = …, username = … or password = … (value not shown)")
        out[key.strip()] = value.strip().strip('"')
    return out


def cluster_settings(cfg: Config) -> ClusterSettings:
    """The cluster settings of ``cfg`` (``[store]``), credentials from ``SOC_STORE_API_KEY`` /
    ``SOC_STORE_USERNAME`` + ``SOC_STORE_PASSWORD`` or the file ``credentials_file`` names."""
    raw: dict[str, Any] = dict(cfg.raw.get("store", {}))
    where = f"{cfg.source or 'config'} [store]"
    kind = cfg.store
    if kind not in KINDS:
        raise ConfigError(f"{where}: kind = {kind!r} is not a cluster store ({' or '.join(KINDS)})")
    hosts = raw.get("hosts") or os.environ.get("SOC_STORE_HOSTS", "").split(",")
    hosts = [h.strip() for h in (hosts if isinstance(hosts, list) else [hosts]) if h and str(h).strip()]
    if not hosts:
        raise ConfigError(f"{where}: hosts = [\"https://node:9200\"] is missing")
    namespace = str(raw.get("namespace", "default"))
    if not _NAME.match(namespace):
        raise ConfigError(f"{where}: namespace = {namespace!r} must be lower-case letters, digits, - or _")
    months = int(raw.get("retention_months", 12))
    s = ClusterSettings(kind, hosts, namespace, bool(raw.get("verify_certs", True)), raw.get("ca_file"),
                        raw.get("fingerprint"), retention_days=int(raw.get("retention_days", months * 30 + months // 2)))
    secrets = _secret_file(raw["credentials_file"], where) if raw.get("credentials_file") else {}
    s.api_key = os.environ.get("SOC_STORE_API_KEY") or secrets.get("api_key")
    s.username = os.environ.get("SOC_STORE_USERNAME") or secrets.get("username") or raw.get("username")
    s.password = os.environ.get("SOC_STORE_PASSWORD") or secrets.get("password")
    return s
