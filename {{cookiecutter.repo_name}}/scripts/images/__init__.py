# Do not edit: the template owns this file (make template-update brings its changes).
"""Container component images: build contexts and their hash tags (``context``), the engine and
registry (``engine``), the plan (``plan``), build/push/pin (``build``), pinning component.yaml
(``pin``) and the result (``report``)."""
