# Do not edit: the template owns this file (make template-update brings its changes).
"""Durations as manifests and flags write them: ``2h``, ``30m``, ``1h30m``, ``90s``, ``1d``.

One grammar for the SLOs of schedules (``max_duration``, ``start_within``) and ``monitor
--since``; schemas/project.schema.json's duration pattern is ``DURATION``'s.
"""

from __future__ import annotations

import re
from datetime import timedelta

DURATION = re.compile(r"^(?=\d)(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?$")
EXAMPLE = "e.g. 2h, 30m, 1h30m or 1d"


def parse_duration(text: str) -> timedelta:
    """The duration ``text`` writes; ValueError (saying the grammar) when it is none or zero."""
    match = DURATION.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a duration — {EXAMPLE}")
    parts = {key: int(value or 0) for key, value in match.groupdict().items()}
    duration = timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])
    if not duration:
        raise ValueError(f"{text!r} is zero — {EXAMPLE}")
    return duration


def format_duration(duration: timedelta) -> str:
    """``timedelta(hours=2, minutes=5)`` -> ``2h5m``: how reports show durations."""
    seconds = int(duration.total_seconds())
    if seconds <= 0:
        return "0s"
    text = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            text += f"{seconds // size}{unit}"
            seconds %= size
    return text
