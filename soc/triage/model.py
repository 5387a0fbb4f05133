"""The alert model: statuses, resolutions, levels, the workflow order, case statuses and severities, and the
filters the queue offers.

Plain values every stage reads from here (the store gets them as data); nothing here touches storage.
"""

from __future__ import annotations

from soc.store.types import ConflictError

STATUSES = ("new", "acknowledged", "in_progress", "escalated", "resolved", "suppressed")
RESOLUTIONS = ("true_positive", "false_positive", "benign")
LEVELS = ("informational", "low", "medium", "high", "critical")
WORKFLOW = ("new", "acknowledged", "in_progress", "resolved")
OPEN_STATUSES = ("new", "acknowledged", "in_progress", "escalated")

CASE_STATUSES = ("open", "in_progress", "resolved", "closed")
OPEN_CASE_STATUSES = ("open", "in_progress")
CLOSED_CASE_STATUSES = ("resolved", "closed")
SEVERITIES = LEVELS[1:]  # low … critical

LEVEL_FILTERS = ("all", "low", "medium", "high", "critical")  # minimum level shown
STATUS_FILTERS = ("open", *STATUSES, "all")

__all__ = ["CASE_STATUSES", "CLOSED_CASE_STATUSES", "LEVELS", "LEVEL_FILTERS", "OPEN_CASE_STATUSES",
           "OPEN_STATUSES", "RESOLUTIONS", "SEVERITIES", "STATUSES", "STATUS_FILTERS", "WORKFLOW", "ConflictError"]
