"""Watching the runs of managed schedules: the window, the findings, the pass, the report."""
