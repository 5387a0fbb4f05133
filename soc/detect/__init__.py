"""Detection: Sigma rules (rules/) → pySigma with the ECS pipeline → DuckDB SQL → alerts in the state database."""

from soc.detect.scan import ScanLocked, ScanSummary, run_scan

__all__ = ["ScanLocked", "ScanSummary", "run_scan"]
