"""The request bodies of the run and recurring-run endpoints, as protojson reads them.

Field lists and enum numbers from `backend/api/v2beta1/{run,recurring_run}.proto` at backend tag
2.17.0. Nested messages whose content this server ignores (`PipelineTaskDetail`,
`PluginOutput`, `google.rpc.Status.details`) are taken as any JSON object.
"""

from __future__ import annotations

from .protojson import (
    ANY,
    BOOL,
    INT32,
    INT64,
    STRING,
    STRUCT,
    STRUCT_MAP,
    TIMESTAMP,
    VALUE_MAP,
    Enum,
    Message,
)

RUNTIME_STATE = Enum(
    {
        "RUNTIME_STATE_UNSPECIFIED": 0,
        "PENDING": 1,
        "RUNNING": 2,
        "SUCCEEDED": 3,
        "SKIPPED": 4,
        "FAILED": 5,
        "CANCELING": 6,
        "CANCELED": 7,
        "PAUSED": 8,
    }
)
STORAGE_STATE = Enum({"STORAGE_STATE_UNSPECIFIED": 0, "AVAILABLE": 1, "ARCHIVED": 2})
MODE = Enum({"MODE_UNSPECIFIED": 0, "ENABLE": 1, "DISABLE": 2})
STATUS = Enum({"STATUS_UNSPECIFIED": 0, "ENABLED": 1, "DISABLED": 3})
PROPAGATION_POLICY = Enum(
    {"DELETE_PROPAGATION_POLICY_UNSPECIFIED": 0, "FOREGROUND": 1, "BACKGROUND": 2, "ORPHAN": 3}
)

RPC_STATUS = Message(
    "google.rpc.Status",
    {"code": INT32, "message": STRING, "details": ANY},
    repeated=frozenset({"details"}),
)
VERSION_REFERENCE = Message(
    "v2beta1.PipelineVersionReference", {"pipeline_id": STRING, "pipeline_version_id": STRING}
)
RUNTIME_CONFIG = Message(
    "v2beta1.RuntimeConfig", {"parameters": VALUE_MAP, "pipeline_root": STRING}
)
_PIPELINE_SOURCE = ("pipeline_version_id", "pipeline_spec", "pipeline_version_reference")

CRON_SCHEDULE = Message(
    "v2beta1.CronSchedule", {"start_time": TIMESTAMP, "end_time": TIMESTAMP, "cron": STRING}
)
PERIODIC_SCHEDULE = Message(
    "v2beta1.PeriodicSchedule",
    {"start_time": TIMESTAMP, "end_time": TIMESTAMP, "interval_second": INT64},
)
TRIGGER = Message(
    "v2beta1.Trigger",
    {"cron_schedule": CRON_SCHEDULE, "periodic_schedule": PERIODIC_SCHEDULE},
    oneofs=(("cron_schedule", "periodic_schedule"),),
)
RECURRING_RUN = Message(
    "v2beta1.RecurringRun",
    {
        "recurring_run_id": STRING,
        "display_name": STRING,
        "description": STRING,
        "pipeline_version_id": STRING,
        "pipeline_spec": STRUCT,
        "pipeline_version_reference": VERSION_REFERENCE,
        "runtime_config": RUNTIME_CONFIG,
        "service_account": STRING,
        "max_concurrency": INT64,
        "trigger": TRIGGER,
        "mode": MODE,
        "created_at": TIMESTAMP,
        "updated_at": TIMESTAMP,
        "status": STATUS,
        "error": RPC_STATUS,
        "no_catchup": BOOL,
        "namespace": STRING,
        "experiment_id": STRING,
        "plugins_input": STRUCT_MAP,
    },
    oneofs=(_PIPELINE_SOURCE,),
)

RUNTIME_STATUS = Message(
    "v2beta1.RuntimeStatus", {"update_time": TIMESTAMP, "state": RUNTIME_STATE, "error": RPC_STATUS}
)
RUN_DETAILS = Message(
    "v2beta1.RunDetails",
    {"pipeline_context_id": INT64, "pipeline_run_context_id": INT64, "task_details": ANY},
    repeated=frozenset({"task_details"}),
)
RUN = Message(
    "v2beta1.Run",
    {
        "experiment_id": STRING,
        "run_id": STRING,
        "display_name": STRING,
        "storage_state": STORAGE_STATE,
        "description": STRING,
        "pipeline_version_id": STRING,
        "pipeline_spec": STRUCT,
        "pipeline_version_reference": VERSION_REFERENCE,
        "runtime_config": RUNTIME_CONFIG,
        "service_account": STRING,
        "created_at": TIMESTAMP,
        "scheduled_at": TIMESTAMP,
        "finished_at": TIMESTAMP,
        "state": RUNTIME_STATE,
        "error": RPC_STATUS,
        "run_details": RUN_DETAILS,
        "recurring_run_id": STRING,
        "state_history": RUNTIME_STATUS,
        "plugins_input": STRUCT_MAP,
        "plugins_output": STRUCT_MAP,
    },
    oneofs=(_PIPELINE_SOURCE,),
    repeated=frozenset({"state_history"}),
)
