"""Atomic report files: a renderer writes a temporary file beside the target, renamed over it only on success.

A renderer that fails leaves neither a half-written file nor its temporary file; an older report stays as it was.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_target(out: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``out``, on any error it is removed."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        yield tmp
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
