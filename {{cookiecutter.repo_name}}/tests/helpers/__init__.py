"""Fixtures and helpers shared by the tests (git repos, test servers, real services)."""
