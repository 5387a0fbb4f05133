"""soc — security log analyzer for a Vietnamese provincial SOC (parse → store → detect → triage → report)."""

__version__ = "0.1.0"
