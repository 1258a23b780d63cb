"""The pieces of the KFP API test server (tests/servers/kfp_api.py), one job each.

Request path: `gateway` (routing, auth front door, injected faults, request log) decodes with
`request` (or, for the nested run and recurring-run bodies, `protojson` with the schemas in
`messages`), then calls an endpoint module: `uploads`, `pipelines`, `url_packages`,
`experiments`, `runs`, `recurring_runs`, or `backend.healthz`. Those check input with `spec`
(uploaded packages, the IR), `params` (run parameters), `cron` (robfig's cron), `checks`,
`listing` and `filters`, keep state in `store` (rows in `run_records`, time from `clock`), and
answer with `api_objects` rendered by `wire`, or with one of the error shapes in `errors`.

Off the request path, `scheduler` plays the scheduled-workflow controller and the persistence
agent, and `run_control` gives tests their handles on both (mixed into `KfpApiServer`).
"""
