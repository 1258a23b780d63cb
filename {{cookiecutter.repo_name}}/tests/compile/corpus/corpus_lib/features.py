"""Feature names, imported by name with importlib (a dynamic import with a literal name)."""

COLUMNS = ["price", "rooms", "area"]
