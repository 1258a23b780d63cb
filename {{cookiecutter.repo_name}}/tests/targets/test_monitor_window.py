"""The monitor's window (``--since``) and the duration grammar of SLOs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scripts.core.durations import format_duration, parse_duration
from scripts.core.errors import ConfigError, UsageError
from scripts.repo.environments import Environment
from scripts.targets.monitor.window import window_start

NOW = datetime(2026, 6, 1, 12, 7, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2h", timedelta(hours=2)),
        ("30m", timedelta(minutes=30)),
        ("1h30m", timedelta(minutes=90)),
        ("90s", timedelta(seconds=90)),
        ("1d", timedelta(days=1)),
        (" 2h ", timedelta(hours=2)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "h", "2", "2 h", "1.5h", "0m", "-1h", "2h30", "30m2h"])
def test_bad_durations_are_refused_with_the_grammar(text):
    with pytest.raises(ValueError, match=r"e\.g\. 2h, 30m, 1h30m or 1d"):
        parse_duration(text)


def test_durations_read_back():
    assert format_duration(timedelta(hours=2, minutes=5)) == "2h5m"
    assert format_duration(timedelta(days=1, seconds=3)) == "1d3s"


def test_a_given_window():
    assert window_start("2h", Environment("prod", "https://kfp"), NOW) == NOW - timedelta(hours=2)
    with pytest.raises(UsageError, match="--since '2x' is not a duration"):
        window_start("2x", Environment("prod", "https://kfp"), NOW)


def test_auto_looks_back_two_monitor_intervals():
    every_30 = Environment("prod", "https://kfp", monitor_cron="*/30 * * * *")
    assert window_start("auto", every_30, NOW) == NOW - timedelta(hours=1)
    hourly = Environment("prod", "https://kfp", monitor_cron="@hourly")
    assert window_start("auto", hourly, NOW) == NOW - timedelta(hours=2)
    every_5 = Environment("prod", "https://kfp", monitor_cron="*/5 * * * *")
    assert window_start("auto", every_5, NOW) == NOW - timedelta(minutes=20)  # 15 min overlap


def test_auto_needs_a_monitor_cron():
    with pytest.raises(ConfigError, match=r"--since auto needs environments\.prod\.monitor_cron"):
        window_start("auto", Environment("prod", "https://kfp"), NOW)
