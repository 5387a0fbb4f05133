"""pySigma plugin: soc's DuckDB backend for sigma-cli (``sigma convert -t soc -p soc_ecs rules/``).

Only registers the backend under the identifier ``soc``; the conversion itself is soc.detect.backend's, unchanged.
"""

from __future__ import annotations

from typing import ClassVar

from soc.detect.backend import DuckDBBackend

__all__ = ["backends"]


class SocBackend(DuckDBBackend):
    """soc.detect.backend.DuckDBBackend as sigma-cli sees it: identifier ``soc``, used with the ``soc_ecs`` pipeline."""

    name: ClassVar[str] = "soc DuckDB backend (SQL over the soc event store's ECS columns)"
    identifier: ClassVar[str] = "soc"
    requires_pipeline: ClassVar[bool] = True  # without `-p soc_ecs` Sigma field names would not be our columns


backends = {"soc": SocBackend}
