"""The pieces of the GitHub API test server (tests/servers/github_api.py), one job each.

Request path: `gateway` (path prefix, routing, the token check, injected faults, the request log)
builds a `request.Call` and calls an endpoint module: `issues`, `comments`, `labels`,
`reactions` or `repository` (the user, the repository, pull requests, collaborator
permissions). They keep state in `store`, decide who may do what with `access` (roles, the
legacy permission, author_association), answer with the JSON of `render`, paginate with
`request.paginate`, and fail with the shapes in `errors`. `control` is the tests' side (mixed
into `GitHubApiServer`).
"""
