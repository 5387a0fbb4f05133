"""Charts for reports (matplotlib, Agg backend, PNG bytes). Deterministic for the same data; no GUI, no network."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from soc.report.words import level_word  # noqa: E402

LEVEL_COLOURS = {"critical": "#7f0000", "high": "#d7301f", "medium": "#fc8d59", "low": "#fdcc8a",
                 "informational": "#bdbdbd"}


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def alerts_per_day(by_day: pd.DataFrame, levels: list[str], lang: str = "vi") -> bytes:
    """Stacked bars of alerts per local day by level (``by_day``: day + one column per level); the legend names
    levels in ``lang``."""
    return _png(per_day_figure(by_day, levels, lang))


def per_day_figure(by_day: pd.DataFrame, levels: list[str], lang: str = "vi"):
    """The figure of :func:`alerts_per_day` (the caller closes it, or :func:`_png` does)."""
    fig, ax = plt.subplots(figsize=(8, 3.2))
    bottom = None
    x = [d.strftime("%d/%m") if hasattr(d, "strftime") else str(d) for d in by_day["day"]]
    for level in levels:
        if level not in by_day:
            continue
        values = by_day[level].astype(int).tolist()
        ax.bar(x, values, bottom=bottom, color=LEVEL_COLOURS.get(level, "#999999"), label=level_word(level, lang))
        bottom = values if bottom is None else [a + b for a, b in zip(bottom, values, strict=True)]
    ax.set_ylabel("Số cảnh báo" if lang == "vi" else "Alerts")
    ax.legend(fontsize=8, ncols=5, loc="lower left", bbox_to_anchor=(0, 1.01), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    if len(x) > 14:
        ax.tick_params(axis="x", labelrotation=90, labelsize=7)
    return fig


def horizontal_bars(labels: list[str], values: list[int], xlabel: str) -> bytes:
    """Horizontal bars (top systems, incident types …), largest on top."""
    fig, ax = plt.subplots(figsize=(8, 0.45 * max(len(labels), 2) + 0.8))
    ax.barh([str(label)[:60] for label in labels][::-1], values[::-1], color="#2b8cbe")
    ax.set_xlabel(xlabel)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
