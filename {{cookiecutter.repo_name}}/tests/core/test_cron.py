"""Manifest crons: what is accepted, the 6-field form KFP gets, and trigger times in a zone."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import islice

import pytest

from scripts.core.cron import (
    cron_problem,
    kfp_cron,
    next_trigger,
    standard_cron,
    timezone_problem,
    triggers,
)

VALID = [
    "0 3 * * *",
    "*/15 * * * *",
    "0 9-17 * * mon-fri",
    "30 2 1,15 * *",
    "0 0 * jan,jul 0",
    "@daily",
    "@HOURLY",
    "@weekly",
    "@monthly",
    "  5   4 * * 6 ",
]


@pytest.mark.parametrize("cron", VALID)
def test_standard_crons_and_macros_are_accepted(cron):
    assert cron_problem(cron) is None


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        (
            "0 0 3 * * *",
            "has 6 fields — write the standard 5 (minute hour day month weekday); "
            "the seconds field KFP reads first is added for you",
        ),
        ("0 3 * *", "has 4 field(s), not 5"),
        ("0 3 * * 7", "day of week 7 — KFP's cron reads days 0-6 (Sunday is 0): write 0"),
        ("0 3 * * 1-7", "day of week 7"),
        ("61 * * * *", "minute '61' is outside 0-59"),
        ("0 24 * * *", "hour '24' is outside 0-23"),
        ("0 0 0 * *", "day of month '0' is outside 1-31"),
        ("0 0 L * *", "day of month 'l' is not a number"),
        ("0 0 ? * *", "is not a number, range, step, list or *"),
        ("0 0 * * 1#2", "is not a number, range, step, list or *"),
        ("*/0 * * * *", "step in '*/0' must be at least 1"),
        ("0 17-9 * * *", "range '17-9' runs backwards"),
        ("@every 1h", "is not a known macro — use one of @hourly, @daily, @weekly, @monthly"),
        ("@yearly", "is not a known macro"),
        ("", "cron must be a 5-field cron or a macro"),
        (3, "cron must be a 5-field cron or a macro"),
    ],
)
def test_crons_kfp_would_misread_or_refuse_are_refused(cron, message):
    problem = cron_problem(cron)
    assert problem is not None and message in problem


def test_kfp_gets_six_fields_with_seconds_first():
    # Sent as written, robfig/cron would read "0 3 * * *" as second 0 of minute 3, hourly.
    assert kfp_cron("0 3 * * *") == "0 0 3 * * *"
    assert kfp_cron("@daily") == "0 0 0 * * *"
    assert kfp_cron(" 5  4 * * 6") == "0 5 4 * * 6"
    assert standard_cron("@weekly") == "0 0 * * 0"


def test_triggers_are_computed_in_the_environment_time_zone():
    after = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    berlin = next_trigger("0 3 * * *", "Europe/Berlin", after)
    assert berlin.isoformat() == "2026-03-01T03:00:00+01:00"
    assert next_trigger("0 3 * * *", "UTC", after).isoformat() == "2026-03-01T03:00:00+00:00"
    hourly = list(islice(triggers("@hourly", "UTC", after), 3))
    assert [t.hour for t in hourly] == [1, 2, 3]


def test_time_zone_names_are_checked():
    assert timezone_problem("Europe/Berlin") is None
    assert timezone_problem("UTC") is None
    assert "is not an IANA time zone name" in timezone_problem("Mars/Olympus")
    assert "is not an IANA time zone name" in timezone_problem("../etc/passwd")
