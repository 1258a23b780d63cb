"""The schedule plan, decided with no request: create, keep, swap, pause, remove, and leave alone.

The end-to-end behaviour against the KFP test server is in test_schedules.py; here every branch
of the decision is pinned down on plain values.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from scripts.repo.schedules import Schedule
from scripts.targets.schedules.model import (
    Config,
    DesiredSchedule,
    RemoteSchedule,
    description_for,
    managed_key,
    same_config,
)
from scripts.targets.schedules.plan import plan_changes

REPO = "acme/ml-pipelines"
CONFIG = Config("p1", "v1", "e1", "0 0 3 * * *", {"rows": 2000}, 1, True)
SCHEDULE = Schedule(
    "demo",
    "nightly",
    "train",
    "0 3 * * *",
    parameters={"rows": 2000},
    manifest_path="projects/demo.yml",
    line=12,
)


def desired(config: Config = CONFIG, **changes) -> dict[str, DesiredSchedule]:
    schedule = dataclasses.replace(SCHEDULE, **changes)
    wanted = DesiredSchedule(
        schedule, None, config, "main-1234abcd", description_for(schedule, REPO, "UTC")
    )
    return {wanted.key: wanted}


def remote(
    run_id: str,
    *,
    enabled: bool = True,
    config: Config = CONFIG,
    key="demo/nightly",
    minute: int = 0,
) -> RemoteSchedule:
    return RemoteSchedule(
        run_id,
        "demo/nightly",
        "",
        enabled,
        config,
        datetime(2026, 1, 1, 0, minute, tzinfo=UTC),
        None,
        key,
    )


def test_the_marker_names_the_repository_and_the_schedule():
    text = description_for(SCHEDULE, REPO, "Europe/Berlin")
    assert "'0 3 * * *' (Europe/Berlin)" in text
    assert managed_key(text, REPO) == "demo/nightly"
    assert managed_key(text, "acme/other-repo") is None
    assert managed_key("made by hand", REPO) is None


def test_typed_comparison_sees_no_change_where_json_differs_only_in_form():
    served = dataclasses.replace(CONFIG, parameters={"rows": 2000.0}, cron="0  0 3 * * *")
    assert same_config(CONFIG, served)
    assert not same_config(CONFIG, dataclasses.replace(CONFIG, parameters={"rows": True}))
    assert not same_config(CONFIG, dataclasses.replace(CONFIG, max_concurrency=2))


def test_nothing_there_is_a_create():
    (change,) = plan_changes(desired(), [])
    assert (change.action, change.keep, change.disable, change.retire) == ("create", None, [], [])


def test_the_same_configuration_is_unchanged_and_writes_nothing():
    (change,) = plan_changes(desired(), [remote("r1")])
    assert (
        change.action == "unchanged" and not change.writes and change.keep.recurring_run_id == "r1"
    )


def test_a_new_version_replaces_and_says_what_changed():
    new = dataclasses.replace(CONFIG, version_id="v2", cron="0 0 4 * * *")
    (change,) = plan_changes(desired(new), [remote("r1")])
    assert change.action == "replace" and change.changes == ["version", "cron"]
    assert [r.recurring_run_id for r in change.disable] == ["r1"] and change.keep is None


def test_an_interrupted_swap_is_finished_not_repeated():
    # The last sync created r2 (disabled, wanted config) and failed before the swap.
    old = remote("r1", config=dataclasses.replace(CONFIG, version_id="v0"))
    half = remote("r2", enabled=False, minute=5)
    (change,) = plan_changes(desired(), [old, half])
    assert change.keep.recurring_run_id == "r2"
    assert [r.recurring_run_id for r in change.disable] == ["r1"]


def test_duplicates_of_ours_are_disabled_and_the_enabled_match_kept():
    (change,) = plan_changes(desired(), [remote("r1"), remote("r2", minute=1)])
    assert change.action == "replace" and change.changes == ["duplicate"]
    assert change.keep.recurring_run_id == "r2"
    assert [r.recurring_run_id for r in change.disable] == ["r1"]


def test_old_disabled_ones_are_retired_beside_an_unchanged_schedule():
    leftover = remote("r0", enabled=False, config=dataclasses.replace(CONFIG, version_id="v0"))
    (change,) = plan_changes(desired(), [leftover, remote("r1", minute=1)])
    assert change.action == "unchanged" and change.writes
    assert [r.recurring_run_id for r in change.retire] == ["r0"]


def test_enabled_false_pauses_and_true_enables_in_place():
    (pause,) = plan_changes(desired(enabled=False), [remote("r1")])
    assert pause.action == "pause" and pause.keep.recurring_run_id == "r1" and not pause.retire
    (enable,) = plan_changes(desired(), [remote("r1", enabled=False)])
    assert enable.action == "enable"


def test_a_removed_schedule_is_disabled_then_retired():
    (remove,) = plan_changes({}, [remote("r1")])
    assert remove.action == "remove" and [r.recurring_run_id for r in remove.disable] == ["r1"]
    (retire,) = plan_changes({}, [remote("r1", enabled=False)])
    assert retire.action == "retire" and [r.recurring_run_id for r in retire.retire] == ["r1"]


def test_a_hand_made_recurring_run_is_never_planned_for():
    by_hand = remote("h1", key=None)
    changes = plan_changes(desired(), [by_hand])
    assert [(c.key, c.action) for c in changes] == [
        ("demo/nightly", "create"),
        ("demo/nightly", "not managed"),
    ]
    assert all(by_hand not in c.disable + c.retire for c in changes)
    assert plan_changes({}, [remote("h2", key=None)]) == []  # unrelated ones are not listed


def test_a_schedule_that_could_not_be_resolved_keeps_its_recurring_run():
    assert plan_changes({}, [remote("r1")], skip=["demo/nightly"]) == []
