"""The pieces of the Vertex AI test server (tests/servers/vertex_api.py), one job each.

Request path: `gateway` (routes, bearer auth with `auth`'s tokens, IAM denials, injected faults,
the request log) builds a `call.Call` and hands it to an endpoint module: `pipeline_jobs`,
`schedules`, `metadata` (metadata stores and contexts, for Experiments) or `operations`. Those
read and write `state`, check filters with `filters` (AIP-160), order and page with `listing`
(AIP-158), parse crons with `cron`, stamp times from `clock`, and fail with `errors`' shapes.

Off the request path, `firing.Simulation` plays the scheduler and the pipeline runner against
the clock, and `control` gives tests their handles (mixed into `VertexApiServer`).
"""
