"""The analyst's terminal UI (Textual): screens, widgets and messages over the analyst's desk (``soc.triage.desk``).

Views only: reads and writes through ``soc.triage``, in worker threads; log-derived text only through ``safe_text``.
"""
