"""Triage: the alert status workflow, notes, cases, suppressions and the audit trail, over the SQLite state.

Every change goes through a compare-and-set or a single transaction and is audited; nothing here renders text.
"""
