"""Full, partial and missing dates; stage assignment with overlaps and gaps."""

from __future__ import annotations

import datetime as dt

import pytest

from corpus_tools.corpus.config import Stage, parse_stages
from corpus_tools.corpus.dates import assign_stage, parse_date
from corpus_tools.errors import ConfigError

STAGES = (
    Stage("budding", "b", dt.date(2008, 1, 1), dt.date(2012, 12, 31)),
    Stage("growth", "g", dt.date(2012, 1, 1), dt.date(2014, 12, 31)),
    Stage("mature", "m", dt.date(2016, 1, 1)),
)


def test_parse_precisions() -> None:
    assert parse_date("2014-05-03").start == dt.date(2014, 5, 3)  # type: ignore[union-attr]
    m = parse_date("2014-02")
    assert m is not None and (m.start, m.end, m.precision) == (dt.date(2014, 2, 1), dt.date(2014, 2, 28), "month")
    y = parse_date("2014")
    assert y is not None and (y.start, y.end, y.precision) == (dt.date(2014, 1, 1), dt.date(2014, 12, 31), "year")
    assert parse_date("") is None and parse_date(None) is None
    assert parse_date("2014/5/3").text == "2014-05-03"  # type: ignore[union-attr]


@pytest.mark.parametrize("bad", ["2014-13", "2014-02-30", "May 2014", "14-05-03"])
def test_bad_dates(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_date(bad)


def test_overlap_first_stage_wins_and_is_listed() -> None:
    assert assign_stage(parse_date("2012-06-01"), STAGES) == ("budding", "growth")
    assert assign_stage(parse_date("2013-06-01"), STAGES) == ("growth", "")


def test_partial_date_straddling_boundary() -> None:
    # the year 2014 starts in growth; it touches no other stage
    assert assign_stage(parse_date("2014"), STAGES) == ("growth", "")


def test_gap_and_missing_are_unstaged() -> None:
    assert assign_stage(parse_date("2015-03"), STAGES) == ("unstaged", "")
    assert assign_stage(None, STAGES) == ("unstaged", "")
    assert assign_stage(parse_date("2030"), STAGES) == ("mature", "")


def test_stage_config_errors() -> None:
    with pytest.raises(ConfigError, match="ends"):
        parse_stages([{"id": "x", "start": "2014-01-01", "end": "2013-01-01"}])
    with pytest.raises(ConfigError, match="twice"):
        parse_stages([{"id": "x", "start": "2014-01-01"}, {"id": "x", "start": "2015-01-01"}])
    with pytest.raises(ConfigError, match="not a date"):
        parse_stages([{"id": "x", "start": "soon"}])
