"""Textual's Footer, rebuilt only when the keys it shows change.

Focus moving between widgets (the filter input, the grid) signals a bindings change each time, and the stock Footer
then rebuilds every key widget and restyles them (~25 ms each on the queue): here a signal whose visible keys are
the same as shown is ignored, and signals arriving together cause one rebuild. Key descriptions are shown in the
app's language (``soc.i18n``).
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from soc.i18n import tr


class QuietFooter(Footer):
    _shown: tuple | None = None
    _pending = False

    def compose(self) -> ComposeResult:
        lang = getattr(self.app, "lang", "en")
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                widget.description = tr(widget.description, lang)
            yield widget

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen or self._pending:
            return
        self._pending = True
        self.call_after_refresh(self._rebuild_if_changed)

    async def relabel(self) -> None:
        """Draw the keys again in the app's language (after Ctrl+T), in this widget's own message loop."""
        self._pending = False
        await self._rebuild_if_changed()

    async def _rebuild_if_changed(self) -> None:
        self._pending = False
        shown = (getattr(self.app, "lang", "en"),) + tuple((binding.key, binding.description, enabled, tooltip)
                      for _, binding, enabled, tooltip in self.screen.active_bindings.values() if binding.show)
        if shown != self._shown:
            self._shown = shown
            await self.recompose()
