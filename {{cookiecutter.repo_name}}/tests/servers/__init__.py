"""Test servers on 127.0.0.1 for the APIs the tooling talks to (KFP, GitHub)."""
