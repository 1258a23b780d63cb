# Do not edit: the template owns this file (make template-update brings its changes).
"""The repository as data: the repo model (projects, pipelines, components, selectors), manifests,
environments, schema checks, ``validate``, CODEOWNERS and the project scaffold. Read from the
file system only; never imports kfp."""
