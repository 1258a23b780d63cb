"""The KFP test server's scheduled-workflow controller: cron as robfig v1.2.0 reads it, and when
recurring runs fire (catch-up, no-catch-up, concurrency, time zone, pinned and unpinned).

The clock is the server's (`server.clock`, `server.advance`); nothing sleeps. Behaviour per
kfp-recurring-runs.md section 5 (backend tag 2.17.0); "trap N" is its section 0 numbering.
"""

import datetime as dt
import random

import pytest

from tests.servers.kfp_api import KfpApiServer
from tests.servers.kfp_backend import cron
from tests.servers.kfp_backend.scheduler import workflow_name
from tests.servers.schedule_helpers import (
    RUNS,
    at,
    create,
    publish,
    raw,
    seconds,
    slots,
)

UTC = dt.UTC


@pytest.fixture
def client(kfp_server: KfpApiServer, kfp_client_factory):
    return kfp_client_factory(kfp_server)


@pytest.fixture
def published(kfp_server, client, schedule_package):
    kfp_server.clock.set(at(2026, 1, 5))  # a Monday
    return publish(client, schedule_package)


def schedule(server, published, cron_text: str, **overrides) -> str:
    """Create a recurring run on `cron_text`; returns its id."""
    body = published.body(trigger={"cron_schedule": {"cron": cron_text}}, **overrides)
    answer = create(server, body)
    assert answer.status == 200, answer.text
    return answer.json["recurring_run_id"]


# -- cron as robfig reads it ----------------------------------------------------------------------


def test_five_fields_mean_seconds_first_so_daily_at_3_is_hourly_at_minute_3(kfp_server, published):
    """Trap 1: `0 3 * * *` is `sec=0 min=3 hour=* dom=* month=*`."""
    schedule(kfp_server, published, "0 3 * * *", max_concurrency="10")
    fired = kfp_server.advance(dt.timedelta(hours=3))
    assert slots(fired) == [at(2026, 1, 5, 0, 3), at(2026, 1, 5, 1, 3), at(2026, 1, 5, 2, 3)]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("0 0 3 * * 7", "End of range (7) above maximum (6): 7"),
        ("0 0 3 * * * *", "Expected 5 to 6 fields, found 7: 0 0 3 * * * *"),
        ("0 3 *", "Expected 5 to 6 fields, found 3: 0 3 *"),
        ("", "Empty spec string"),
        ("@Daily", "Unrecognized descriptor: @Daily"),
        ("@every 90", 'Failed to parse duration @every 90: time: missing unit in duration "90"'),
        ("*/0 * * * * *", "Step of range should be a positive number: */0"),
        ("0 0 0 5-1 * *", "Beginning of range (5) beyond end of range (1): 5-1"),
        (
            "0 0 0 jan * *",
            'Failed to parse int from jan: strconv.Atoi: parsing "jan": invalid syntax',
        ),
        ("0 0 0 * * mon-fri-sat", "Too many hyphens: mon-fri-sat"),
    ],
)
def test_bad_crons_are_400_with_robfigs_message(kfp_server, published, text, error):
    answer = create(kfp_server, published.body(trigger={"cron_schedule": {"cron": text}}))
    assert answer.status == 400
    assert answer.detail == (
        "Schedule cron is not a supported format(https://godoc.org/github.com/robfig/cron). "
        f"Error: {error}"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@hourly", [at(2026, 1, 5, 1), at(2026, 1, 5, 2)]),
        ("@daily", [at(2026, 1, 6), at(2026, 1, 7)]),
        ("@weekly", [at(2026, 1, 11), at(2026, 1, 18)]),  # Sundays
        ("@monthly", [at(2026, 2, 1), at(2026, 3, 1)]),
        ("@annually", [at(2027, 1, 1), at(2028, 1, 1)]),
        ("@every 1h30m", [at(2026, 1, 5, 1, 30), at(2026, 1, 5, 3)]),
        ("0 0 9 * * MON-fri", [at(2026, 1, 5, 9), at(2026, 1, 6, 9)]),
        ("0 0 0 * JAN/11 sat", [at(2026, 1, 10), at(2026, 1, 17)]),
        # Both day fields restricted: either may match (the 1st, or a Wednesday).
        ("0 0 0 1 * wed", [at(2026, 1, 7), at(2026, 1, 14)]),
        # A star in one day field (`*/2` has the star bit too): both must match.
        ("0 0 0 */2 * wed", [at(2026, 1, 7), at(2026, 1, 21)]),
        ("0 */20 1 ? * ?", [at(2026, 1, 5, 1), at(2026, 1, 5, 1, 20)]),
    ],
)
def test_descriptors_names_steps_and_day_rules(text, expected):
    parsed = cron.parse(text)
    zone = dt.UTC
    first = parsed.next(seconds(at(2026, 1, 5)), zone)
    assert [first, parsed.next(first, zone)] == [seconds(moment) for moment in expected]


def robfig_next(schedule: cron.SpecSchedule, moment: dt.datetime) -> dt.datetime | None:
    """robfig v1.2.0 `SpecSchedule.Next` (spec.go), transcribed for UTC: an oracle that does
    not use croniter."""
    second, minute, hour, dom, month, dow = schedule.fields

    def day_matches(t):
        in_dom, in_dow = t.day in dom.values, (t.weekday() + 1) % 7 in dow.values
        return in_dom and in_dow if dom.star or dow.star else in_dom or in_dow

    steps = (
        (
            lambda t: t.month in month.values,
            lambda t: t.replace(day=1, hour=0, minute=0, second=0),
            lambda t: (t + dt.timedelta(days=32)).replace(day=1),
            lambda t: t.month == 1,
        ),
        (
            day_matches,
            lambda t: t.replace(hour=0, minute=0, second=0),
            lambda t: t + dt.timedelta(days=1),
            lambda t: t.day == 1,
        ),
        (
            lambda t: t.hour in hour.values,
            lambda t: t.replace(minute=0, second=0),
            lambda t: t + dt.timedelta(hours=1),
            lambda t: t.hour == 0,
        ),
        (
            lambda t: t.minute in minute.values,
            lambda t: t.replace(second=0),
            lambda t: t + dt.timedelta(minutes=1),
            lambda t: t.minute == 0,
        ),
        (
            lambda t: t.second in second.values,
            lambda t: t,
            lambda t: t + dt.timedelta(seconds=1),
            lambda t: t.second == 0,
        ),
    )
    t, added = moment + dt.timedelta(seconds=1), False
    limit = t.year + 5
    while t.year <= limit:
        for matches, reset, step, wrapped in steps:
            while not matches(t):
                if not added:
                    added, t = True, reset(t)
                t = step(t)
                if wrapped(t):
                    break
            else:
                continue
            break  # wrapped around: start again from the month
        else:
            return t
    return None


def test_next_times_match_a_transcription_of_robfig():
    pick = random.Random(20260105)

    def field(low, high):
        a, b = sorted(pick.randint(low, high) for _ in range(2))
        return pick.choice(
            ["*", "?", str(a), f"{a}-{b}", f"*/{pick.randint(1, 9)}", f"{a}/3", f"{a},{b}"]
        )

    for _ in range(400):
        text = " ".join(
            field(*bounds) for bounds in ((0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
        )
        parsed = cron.parse(text)
        start = at(2026, 1, 1) + dt.timedelta(seconds=pick.randint(0, 3 * 365 * 86400))
        expected = robfig_next(parsed, start.replace(tzinfo=None))
        got = parsed.next(seconds(start), dt.UTC)
        assert got == (seconds(expected.replace(tzinfo=UTC)) if expected else None), text


# -- when the controller fires ----------------------------------------------------------------


def test_the_time_zone_is_one_server_wide_setting(
    kfp_server_factory, kfp_client_factory, schedule_package
):
    """Trap 9: `0 0 3 * * *` is 03:00 in the controller's zone, whatever the client meant."""
    server = kfp_server_factory(timezone="Europe/Berlin")
    server.clock.set(at(2026, 3, 27))
    published = publish(kfp_client_factory(server), schedule_package)
    job_id = schedule(server, published, "0 0 3 * * *", max_concurrency="10")
    fired = server.advance(dt.timedelta(days=3))
    # 03:00 CET is 02:00Z; after the switch to summer time on March 29, 03:00 CEST is 01:00Z.
    assert slots(fired) == [at(2026, 3, 27, 2), at(2026, 3, 28, 2), at(2026, 3, 29, 1)]
    assert raw(server, "GET", f"/apis/v2beta1/recurringruns/{job_id}").json["trigger"] == {
        "cron_schedule": {"cron": "0 0 3 * * *"}
    }


def test_catch_up_walks_every_missed_slot_one_per_sync(kfp_server, client, published):
    """Trap 10: re-enabled after a day, an hourly schedule backfills all 24 slots."""
    job_id = schedule(kfp_server, published, "0 0 * * * *", max_concurrency="10", mode="DISABLE")
    kfp_server.advance(dt.timedelta(days=1))
    assert kfp_server.runs == []  # disabled: nothing fires
    client.enable_recurring_run(job_id)
    for _ in range(3):  # ten at a time: max_concurrency counts the active ones
        for run in kfp_server.fire_schedules():
            kfp_server.set_run_state(run.uuid, "SUCCEEDED")
    fired = kfp_server.runs_of(job_id)
    assert slots(fired) == [at(2026, 1, 5, hour) for hour in range(1, 24)] + [at(2026, 1, 6)]
    assert min(run.created_at for run in fired) >= seconds(at(2026, 1, 6))  # all fired late
    swf = kfp_server.recurring_runs[0].k8s_name
    assert swf.startswith("nightly") and len(swf) == len("nightly") + 5
    assert [run.display_name for run in fired[:2]] == [workflow_name(swf, 1), workflow_name(swf, 2)]
    assert workflow_name("nightlyabcde", 1) == "nightlyabcde-1-1164557343"  # fnv32a
    assert kfp_server.fire_schedules() == []  # caught up


def test_no_catchup_fires_only_the_latest_missed_slot(kfp_server, published):
    job_id = schedule(kfp_server, published, "0 0 * * * *", no_catchup=True, mode="DISABLE")
    kfp_server.clock.advance(dt.timedelta(hours=5, minutes=30))  # the controller was down
    raw(kfp_server, "POST", f"/apis/v2beta1/recurringruns/{job_id}:enable")
    assert slots(kfp_server.fire_schedules()) == [at(2026, 1, 5, 5)]


def test_max_concurrency_holds_a_slot_without_consuming_it(kfp_server, published):
    job_id = schedule(kfp_server, published, "0 0 * * * *")
    (first,) = kfp_server.advance(dt.timedelta(hours=3, minutes=30))
    assert slots([first]) == [at(2026, 1, 5, 1)]  # 02:00 and 03:00 wait for it
    kfp_server.set_run_state(first.uuid, "FAILED")
    (second,) = kfp_server.fire_schedules()  # one at a time: the new run is active again
    assert slots([second]) == [at(2026, 1, 5, 2)]
    assert second.created_at == seconds(at(2026, 1, 5, 3, 30))
    kfp_server.set_run_state(second.uuid, "CANCELED")
    assert slots(kfp_server.fire_schedules()) == [at(2026, 1, 5, 3)]
    assert len(kfp_server.runs_of(job_id)) == 3


def test_a_controller_that_never_stopped_fires_on_time(kfp_server, published):
    kfp_server.finish_runs_after(dt.timedelta(minutes=40))
    job_id = schedule(kfp_server, published, "0 0 * * * *")
    fired = kfp_server.advance_to(at(2026, 1, 6))
    assert [run.created_at for run in fired] == [run.scheduled_at for run in fired]
    assert len(fired) == 24
    done = [run for run in kfp_server.runs_of(job_id) if run.finished_at]
    assert [run.effective_state for run in done] == ["SUCCEEDED"] * 23  # the last one runs on
    assert done[0].finished_at == seconds(at(2026, 1, 5, 1, 40))


def test_start_and_end_time_bound_a_cron(kfp_server, published):
    trigger = {
        "cron_schedule": {
            "cron": "0 0 * * * *",
            "start_time": "2026-01-05T10:30:00Z",
            "end_time": "2026-01-05T12:00:00Z",
        }
    }
    create(kfp_server, published.body(trigger=trigger, max_concurrency="10"))
    assert slots(kfp_server.advance(dt.timedelta(days=1))) == [
        at(2026, 1, 5, 11),
        at(2026, 1, 5, 12),
    ]


def test_periodic_schedules_and_their_no_catchup(kfp_server, published):
    every_hour = {"periodic_schedule": {"interval_second": 3600}}
    periodic = create(kfp_server, published.body(trigger=every_hour, max_concurrency="10"))
    assert periodic.json["trigger"] == {"periodic_schedule": {"interval_second": "3600"}}
    late = {"periodic_schedule": {"interval_second": "3600", "start_time": "2026-01-05T05:00:00Z"}}
    create(kfp_server, published.body(trigger=late, no_catchup=True, mode="DISABLE"))
    every, lagging = kfp_server.recurring_runs
    fired = kfp_server.advance(dt.timedelta(hours=2, minutes=1))
    created = every.created_at  # the reference point: creation, then each trigger
    assert [run.scheduled_at for run in fired] == [created + 3600, created + 7200]
    raw(kfp_server, "DELETE", f"/apis/v2beta1/recurringruns/{every.uuid}")
    kfp_server.clock.set(at(2026, 1, 5, 8, 10))  # the controller was down meanwhile
    raw(kfp_server, "POST", f"/apis/v2beta1/recurringruns/{lagging.uuid}:enable")
    # Its first slot is start_time + interval (06:00); more than one interval behind it and
    # without catch-up, it is rescheduled to now.
    assert slots(kfp_server.fire_schedules()) == [at(2026, 1, 5, 8, 10)]


def test_a_recurring_run_without_trigger_fires_once_at_creation(kfp_server, published):
    job_id = create(kfp_server, published.body(trigger=None)).json["recurring_run_id"]
    assert raw(kfp_server, "GET", f"/apis/v2beta1/recurringruns/{job_id}").json["trigger"] == {}
    (once,) = kfp_server.advance(dt.timedelta(days=2))
    assert once.scheduled_at == kfp_server.recurring_runs[0].created_at


def test_pinned_runs_keep_the_slot_and_unpinned_runs_take_the_latest_version(
    kfp_server,
    client,
    published,
    schedule_package,
):
    """Trap 5, and `scheduled_at` vs `created_at`."""
    pinned = schedule(kfp_server, published, "0 0 3 * * *")
    unpinned_reference = {"pipeline_id": published.pipeline_id}
    unpinned = schedule(
        kfp_server, published, "0 0 3 * * *", pipeline_version_reference=unpinned_reference
    )
    kfp_server.clock.advance(dt.timedelta(hours=4))  # the controller catches up at 04:00
    v2 = client.upload_pipeline_version(
        str(schedule_package), "v2", pipeline_id=published.pipeline_id
    )
    pinned_run, unpinned_run = kfp_server.fire_schedules()
    assert (pinned_run.recurring_run_id, unpinned_run.recurring_run_id) == (pinned, unpinned)
    assert pinned_run.pipeline_version_id == published.version_id
    assert pinned_run.scheduled_at == seconds(at(2026, 1, 5, 3))
    assert pinned_run.created_at >= seconds(at(2026, 1, 5, 4))
    assert unpinned_run.pipeline_version_id == v2.pipeline_version_id
    assert unpinned_run.scheduled_at == unpinned_run.created_at  # the slot time is lost
    wire = raw(kfp_server, "GET", f"{RUNS}/{unpinned_run.uuid}").json
    assert wire["recurring_run_id"] == unpinned
    assert wire["pipeline_version_reference"]["pipeline_version_id"] == v2.pipeline_version_id


def test_version_delete_has_no_reference_check(kfp_server, client, published, schedule_package):
    """Section 9: pinned keeps firing its frozen spec; unpinned falls back to the next-newest
    version, and with none left its slot stays due until one is uploaded."""
    pinned = schedule(kfp_server, published, "0 0 3 * * *")
    unpinned = schedule(
        kfp_server,
        published,
        "0 0 3 * * *",
        pipeline_version_reference={"pipeline_id": published.pipeline_id},
    )
    path = f"/apis/v2beta1/pipelines/{published.pipeline_id}/versions/{published.version_id}"
    assert raw(kfp_server, "DELETE", path).status == 200
    kfp_server.advance(dt.timedelta(hours=4))
    assert [run.recurring_run_id for run in kfp_server.runs] == [pinned]
    assert kfp_server.runs[0].pipeline_version_id == published.version_id  # frozen
    assert "PipelineVersion" in kfp_server.controller_errors[0]
    v2 = client.upload_pipeline_version(
        str(schedule_package), "v2", pipeline_id=published.pipeline_id
    )
    (late,) = kfp_server.fire_schedules()
    assert (late.recurring_run_id, late.pipeline_version_id) == (unpinned, v2.pipeline_version_id)
