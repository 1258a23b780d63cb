"""The pieces of the Artifact Registry test server (tests/servers/artifact_registry.py).

`api` routes a request to its endpoint and renders the v1 resources as JSON, `store` keeps the
repositories (packages, versions, tags, and the rules on them) and the clock, `errors` is the
google.rpc.Status error every refusal becomes.
"""
