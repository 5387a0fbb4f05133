"""Detection: Sigma rules (rules/) → pySigma with the ECS pipeline → the store's query language (DuckDB SQL), run
through ``EventStore.detection``; alerts go to the sink the caller gives (``soc.triage.intake`` stores them)."""

from soc.detect.scan import ScanLocked, ScanSummary, run_scan

__all__ = ["ScanLocked", "ScanSummary", "run_scan"]
