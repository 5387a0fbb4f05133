"""Reports: one pandas data step (:mod:`soc.report.periodic`) and renderers (:mod:`soc.report.markdown`)."""

from soc.report.markdown import write_markdown
from soc.report.periodic import PeriodicData, build

__all__ = ["PeriodicData", "build", "write_markdown"]
