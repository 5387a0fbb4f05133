"""The analyst's terminal UI (Textual): alert queue, detail pane, triage keys.

Shows log-derived text only through ``safe_text`` (never as markup); all database work runs in worker threads.
"""
