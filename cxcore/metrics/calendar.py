"""Periods: time grains in a time zone, a reporting window, and fast timestamp-to-period mapping.

A period is an integer *ordinal* (months since year 0, days since 0001-01-01, ...), so groups
can be keyed and compared cheaply and consecutive periods differ by one. Timestamps are epoch
microseconds (UTC). Mapping millions of them is vectorised: the period boundaries of the batch's
time span are computed once in the calendar's zone (DST handled by :mod:`zoneinfo`), then every
timestamp is placed with a lookup table over 15-minute slots (all modern UTC offsets are
multiples of 15 minutes) or, failing that, a binary search.
"""

from __future__ import annotations

import abc
from datetime import UTC, date, datetime, timedelta
from typing import Final, Literal, TypeAlias
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
import numpy.typing as npt

from .errors import MetricInputError

__all__ = [
    "GRAINS",
    "NULL_ORDINAL",
    "Calendar",
    "ConstantCalendar",
    "Grain",
    "GrainCalendar",
    "WindowCalendar",
    "make_calendar",
    "to_epoch_us",
]

Grain: TypeAlias = Literal["day", "week", "month", "quarter", "year"]
GRAINS: tuple[str, ...] = ("day", "week", "month", "quarter", "year")

I64 = npt.NDArray[np.int64]
#: Ordinal of a record without a timestamp (sorts before every real period).
NULL_ORDINAL: Final = -(2**62)
_SLOT_US: Final = 15 * 60 * 1_000_000
_MAX_SLOTS: Final = 4_000_000
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)


def to_epoch_us(value: datetime) -> int:
    """Epoch microseconds of an aware datetime (exact, no float rounding)."""
    if value.tzinfo is None:
        raise MetricInputError(f"expected a timestamp with a time zone, got {value!r}")
    return (value - _EPOCH) // timedelta(microseconds=1)


def _from_epoch_us(us: int, tz: ZoneInfo) -> datetime:
    return (_EPOCH + timedelta(microseconds=us)).astimezone(tz)


class Calendar(abc.ABC):
    """Maps timestamps to period ordinals and ordinals back to their bounds."""

    #: The ``grain`` written in results (``day`` ... ``year``, or ``window``).
    grain: str

    @abc.abstractmethod
    def ordinals(self, ts: I64, valid: npt.NDArray[np.bool_] | None) -> I64:
        """Period ordinal of each timestamp; ``NULL_ORDINAL`` where ``valid`` is false."""

    @abc.abstractmethod
    def bounds(self, ordinal: int) -> tuple[datetime, datetime]:
        """Start (inclusive) and end (exclusive) of a period, in the calendar's zone."""

    @abc.abstractmethod
    def counted(self, compare: bool) -> tuple[int, int] | None:
        """Ordinals that regular metrics count (``None``: every non-null one)."""

    @abc.abstractmethod
    def reported(self) -> tuple[int, int] | None:
        """Ordinals that appear in results (``None``: every non-null one)."""

    def describe(self) -> dict[str, object]:
        """What identifies this calendar in a serialised state."""
        return {"grain": self.grain}


class ConstantCalendar(Calendar):
    """No grain and no window: every record, dated or not, is in period 0."""

    grain = "none"

    def ordinals(self, ts: I64, valid: npt.NDArray[np.bool_] | None) -> I64:
        return np.zeros(len(ts), dtype=np.int64)

    def bounds(self, ordinal: int) -> tuple[datetime, datetime]:
        raise MetricInputError("results without a grain or a window have no period")

    def counted(self, compare: bool) -> tuple[int, int] | None:
        return (0, 0)

    def reported(self) -> tuple[int, int] | None:
        return (0, 0)


class WindowCalendar(Calendar):
    """A reporting window ``[start, end)`` with no grain.

    Ordinal 0 is the window, -1 the window of the same length just before it (for the
    period-over-period change), -2 anything earlier and 1 anything later.
    """

    grain = "window"

    def __init__(self, start: datetime, end: datetime, tz: ZoneInfo) -> None:
        if end <= start:
            raise MetricInputError(f"the period end {end.isoformat()} is not after its start")
        self.tz = tz
        self.start = to_epoch_us(start)
        self.end = to_epoch_us(end)
        self.length = self.end - self.start

    def ordinals(self, ts: I64, valid: npt.NDArray[np.bool_] | None) -> I64:
        edges = np.array([self.start - self.length, self.start, self.end], dtype=np.int64)
        out = np.searchsorted(edges, ts, side="right").astype(np.int64) - 2
        if valid is not None:
            out[~valid] = NULL_ORDINAL
        return out

    def bounds(self, ordinal: int) -> tuple[datetime, datetime]:
        start = self.start + ordinal * self.length
        return _from_epoch_us(start, self.tz), _from_epoch_us(start + self.length, self.tz)

    def counted(self, compare: bool) -> tuple[int, int] | None:
        return (-1 if compare else 0, 0)

    def reported(self) -> tuple[int, int] | None:
        return (0, 0)

    def describe(self) -> dict[str, object]:
        return {"grain": "window", "start": self.start, "end": self.end}


class GrainCalendar(Calendar):
    """Days, ISO weeks (Monday first), months, quarters or years in a time zone.

    With a window, it is widened to whole periods: ``start`` moves back to the start of its
    period and ``end`` forward to the end of the period holding the last instant before it,
    so no reported period is partial.
    """

    def __init__(
        self,
        grain: Grain,
        tz: ZoneInfo,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> None:
        if grain not in GRAINS:
            raise MetricInputError(f"unknown grain {grain!r}; expected one of {', '.join(GRAINS)}")
        self.grain = grain
        self.tz = tz
        self._bounds: dict[int, int] = {}
        self._window: tuple[int, int] | None = None
        if start is not None or end is not None:
            if start is None or end is None:
                raise MetricInputError("a period needs both a start and an end")
            if end <= start:
                raise MetricInputError(f"the period end {end.isoformat()} is not after its start")
            first = self.ordinal_of(to_epoch_us(start))
            last = self.ordinal_of(to_epoch_us(end) - 1)
            self._window = (first, last)

    # -- ordinals of single instants and dates ---------------------------------------------

    def _ordinal_of_date(self, d: date) -> int:
        if self.grain == "day":
            return d.toordinal()
        if self.grain == "week":
            return (d.toordinal() - 1) // 7
        if self.grain == "month":
            return d.year * 12 + d.month - 1
        if self.grain == "quarter":
            return d.year * 4 + (d.month - 1) // 3
        return d.year

    def _start_date(self, ordinal: int) -> date:
        if self.grain == "day":
            return date.fromordinal(ordinal)
        if self.grain == "week":
            return date.fromordinal(ordinal * 7 + 1)
        if self.grain == "month":
            return date(ordinal // 12, ordinal % 12 + 1, 1)
        if self.grain == "quarter":
            return date(ordinal // 4, (ordinal % 4) * 3 + 1, 1)
        return date(ordinal, 1, 1)

    def ordinal_of(self, us: int) -> int:
        """The period ordinal of one instant (epoch microseconds)."""
        return self._ordinal_of_date(_from_epoch_us(us, self.tz).date())

    def _start_us(self, ordinal: int) -> int:
        cached = self._bounds.get(ordinal)
        if cached is None:
            d = self._start_date(ordinal)
            cached = to_epoch_us(datetime(d.year, d.month, d.day, tzinfo=self.tz))
            self._bounds[ordinal] = cached
        return cached

    def bounds(self, ordinal: int) -> tuple[datetime, datetime]:
        return (
            _from_epoch_us(self._start_us(ordinal), self.tz),
            _from_epoch_us(self._start_us(ordinal + 1), self.tz),
        )

    # -- vectorised ------------------------------------------------------------------------

    def ordinals(self, ts: I64, valid: npt.NDArray[np.bool_] | None) -> I64:
        n = len(ts)
        out = np.full(n, NULL_ORDINAL, dtype=np.int64)
        if n == 0:
            return out
        if valid is not None and not valid.all():
            if not valid.any():
                return out
            live = ts[valid]
        else:
            valid = None
            live = ts
        lo_us, hi_us = int(live.min()), int(live.max())
        first, last = self.ordinal_of(lo_us), self.ordinal_of(hi_us)
        starts = np.array([self._start_us(o) for o in range(first, last + 2)], dtype=np.int64)
        base = lo_us - lo_us % _SLOT_US
        n_slots = (hi_us - base) // _SLOT_US + 1
        aligned = bool(np.all((starts - base) % _SLOT_US == 0))
        if aligned and n_slots <= _MAX_SLOTS:
            slot_starts = base + np.arange(n_slots, dtype=np.int64) * _SLOT_US
            lut = np.searchsorted(starts, slot_starts, side="right").astype(np.int64) + (first - 1)
            got = lut[(live - base) // _SLOT_US]
        else:
            got = np.searchsorted(starts, live, side="right").astype(np.int64) + (first - 1)
        if valid is None:
            return got
        out[valid] = got
        return out

    def counted(self, compare: bool) -> tuple[int, int] | None:
        if self._window is None:
            return None
        first, last = self._window
        return (first - 1 if compare else first, last)

    def reported(self) -> tuple[int, int] | None:
        return self._window

    def describe(self) -> dict[str, object]:
        return {"grain": self.grain, "tz": self.tz.key, "window": self._window}


def make_calendar(
    grain: str | None,
    timezone: str = "UTC",
    start: datetime | None = None,
    end: datetime | None = None,
) -> Calendar:
    """The calendar for a grain (or none) and an optional window, in an IANA time zone."""
    try:
        tz = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise MetricInputError(f"unknown time zone {timezone!r} (expected an IANA name)") from None
    if grain is not None:
        if grain not in GRAINS:
            raise MetricInputError(f"unknown grain {grain!r}; expected one of {', '.join(GRAINS)}")
        return GrainCalendar(grain, tz, start, end)  # type: ignore[arg-type]
    if start is not None or end is not None:
        if start is None or end is None:
            raise MetricInputError("a period needs both a start and an end")
        return WindowCalendar(start, end, tz)
    return ConstantCalendar()
