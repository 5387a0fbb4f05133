"""Indicators of compromise from national warnings and sharing platforms: the model, the readers, matching on ingest.

Parses and normalises indicators and hands them to the store; never runs a query itself (the store matches).
"""
