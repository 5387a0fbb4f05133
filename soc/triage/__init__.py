"""Triage: the one owner of alert state — the alert model, the status workflow, notes, cases, suppressions, the
audit trail, the alert queue and the analyst's desk the TUI works at — as functions over the store contract.

Every change is checked against the model, then kept by the store in one compare-and-set or transaction and
audited; nothing here writes SQL or renders text.
"""
