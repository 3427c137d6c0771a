"""Full, partial and missing dates, and which stage a document belongs to."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from corpus_tools.corpus.config import UNSTAGED, Stage

_DATE_RE = re.compile(r"^\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?\s*$")


@dataclass(frozen=True)
class DateRange:
    """A date as written (`2014`, `2014-05`, `2014-05-03`) expanded to the days it covers."""

    text: str
    start: dt.date
    end: dt.date

    @property
    def precision(self) -> str:
        """'year', 'month' or 'day'."""
        return {1: "year", 2: "month", 3: "day"}[self.text.count("-") + 1]


def parse_date(value: str | None) -> DateRange | None:
    """Parse a full or partial date; None for empty input; ValueError for anything else."""
    if value is None or not str(value).strip():
        return None
    m = _DATE_RE.match(str(value))
    if not m:
        raise ValueError(f"{value!r} is not a date (use YYYY-MM-DD, YYYY-MM or YYYY)")
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if month is None:
        return DateRange(f"{year:04d}", dt.date(year, 1, 1), dt.date(year, 12, 31))
    mon = int(month)
    if not 1 <= mon <= 12:
        raise ValueError(f"{value!r}: month {mon} is out of range")
    if day is None:
        last = calendar.monthrange(year, mon)[1]
        return DateRange(f"{year:04d}-{mon:02d}", dt.date(year, mon, 1), dt.date(year, mon, last))
    try:
        d = dt.date(year, mon, int(day))
    except ValueError as exc:
        raise ValueError(f"{value!r}: {exc}") from exc
    return DateRange(d.isoformat(), d, d)


def assign_stage(date: DateRange | None, stages: tuple[Stage, ...]) -> tuple[str, str]:
    """Return (stage, other stages touched).

    The stage is the first stage in file order that contains the first day of the date's interval;
    `other` lists (';'-joined) every further stage the interval touches, so overlaps and partial dates
    straddling a boundary are visible. No date, or a date in a gap, gives 'unstaged'.
    """
    if date is None or not stages:
        return UNSTAGED, ""
    primary = next((s.id for s in stages if s.contains(date.start)), UNSTAGED)
    others = [s.id for s in stages if s.id != primary and s.overlaps(date.start, date.end)]
    return primary, ";".join(others)
