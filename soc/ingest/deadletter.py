"""Dead-letter file: every line we could not turn into an event, with file, line number, offset and reason.

Nothing is dropped silently: the raw bytes are kept (as text when they are UTF-8, else base64) so a fixed parser
can replay them.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path


class DeadLetter:
    """Appends JSON lines to ``<data_dir>/deadletter/<UTC day>.jsonl``."""

    def __init__(self, data_dir: Path):
        self.folder = Path(data_dir) / "deadletter"
        self.count = 0
        self._fh = None

    @property
    def path(self) -> Path:
        return self.folder / f"{datetime.now(UTC):%Y-%m-%d}.jsonl"

    def add(self, file: str, line: int, offset: int, reason: str, raw: bytes | str, parser: str | None) -> None:
        if self._fh is None:
            self.folder.mkdir(parents=True, exist_ok=True)
            self._fh = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()
        record = {
            "time": datetime.now(UTC).isoformat(),
            "file": file,
            "line": line,
            "offset": offset,
            "reason": reason,
            "parser": parser,
        }
        if isinstance(raw, str):
            record["raw"] = raw
        else:
            try:
                record["raw"] = raw.decode("utf-8")
            except UnicodeDecodeError:
                record["raw_base64"] = base64.b64encode(raw).decode("ascii")
        self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.count += 1

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
