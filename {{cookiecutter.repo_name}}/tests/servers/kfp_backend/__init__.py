"""The pieces of the KFP API test server (tests/servers/kfp_api.py): store, handlers, routing."""
