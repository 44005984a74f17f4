"""Time-window incremental reads with a signpost and a lookback window.

For APIs that filter on a modification time but do not page in that order (Zendesk
satisfaction ratings, HubSpot search), a resumable incremental read needs three things:

* a **signpost**: the window's end is fixed when the run starts (``now - lag``). Records
  changed while the run pages through the window fall after it and are read next run, so a
  change is never skipped because it moved behind the page position;
* the **window in the state** while the run is under way (``{"window": [start, end],
  "page": <paginator state>}``), so a killed run resumes the same window at the same page;
* a **lookback**: the next run starts ``lookback`` seconds before the last window's end
  (``{"since": end}``), for APIs whose index lags behind their writes. Records read twice
  are upserted, not duplicated.

Example::

    def read(self, stream, state):
        def pages(window, inner):
            fetch = self.client.fetcher("/ratings", params={"start_time": int(window.start),
                                                            "end_time": int(window.end)})
            return NextLink("ratings", next_path="links.next").pages(fetch, state=inner)
        yield from windowed_pages(state, pages, now=self.clock.time(), lookback=self.lookback)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import attrs

from cxcore.sdk.errors import PaginationError
from cxcore.sdk.source import PageLike, StreamPage

__all__ = ["Window", "plan_window", "windowed_pages"]


@attrs.frozen
class Window:
    """Epoch seconds ``start <= t <= end`` of the records one run reads."""

    start: float
    end: float


def plan_window(
    state: Mapping[str, Any] | None,
    *,
    now: float,
    lookback: float = 0.0,
    initial: float = 0.0,
    lag: float = 0.0,
) -> Window:
    """The window of a new run: from the saved ``since`` minus ``lookback`` (or ``initial``
    on the first run) to ``now - lag``."""
    end = now - lag
    since = (state or {}).get("since")
    if since is None:
        start = initial
    else:
        if not isinstance(since, int | float) or isinstance(since, bool):
            raise PaginationError(f"saved state {dict(state or {})!r}: 'since' is not a number")
        start = max(initial, float(since) - lookback)
    return Window(min(start, end), end)


PagesInWindow = Callable[[Window, Mapping[str, Any] | None], Iterator[PageLike]]


def windowed_pages(
    state: Mapping[str, Any] | None,
    pages: PagesInWindow,
    *,
    now: float,
    lookback: float = 0.0,
    initial: float = 0.0,
    lag: float = 0.0,
) -> Iterator[StreamPage]:
    """Read one window through ``pages(window, inner_state)`` with resumable states.

    ``pages`` gets the window and the paginator state to resume from (``None`` to start the
    window) and yields the paginator's pages. Mid-run states carry the window and the
    paginator's state; the final page's state is ``{"since": window.end}``.
    """
    inner: Mapping[str, Any] | None = None
    if state and "window" in state:
        bounds = state["window"]
        if not (isinstance(bounds, list | tuple) and len(bounds) == 2):
            raise PaginationError(f"saved state has a malformed window: {bounds!r}")
        window = Window(float(bounds[0]), float(bounds[1]))
        inner = state.get("page") or None
    else:
        window = plan_window(state, now=now, lookback=lookback, initial=initial, lag=lag)
    number = 0
    finished = False
    for page in pages(window, inner):
        number += 1
        finished = bool(getattr(page, "is_last", False))
        if finished:
            next_state: dict[str, Any] = {"since": window.end}
        else:
            next_state = {"window": [window.start, window.end], "page": dict(page.state)}
        yield StreamPage(records=page.records, state=next_state, number=number, is_last=finished)
        if finished:
            return
    # A page source that stops without flagging its last page still closes the window.
    yield StreamPage(records=[], state={"since": window.end}, number=number + 1, is_last=True)
