"""The pieces of the KFP API test server (tests/servers/kfp_api.py), one job each.

Request path: `gateway` (routing, auth front door, injected faults, request log) decodes with
`request`, then calls an endpoint module: `uploads`, `pipelines`, `url_packages`, `experiments`,
`runs`, or `backend.healthz`. Those check input with `spec` (uploaded packages, the IR),
`checks`, `listing` and `filters`, keep state in `store`, and answer with `api_objects` rendered
by `wire`, or with one of the error shapes in `errors`.
"""
