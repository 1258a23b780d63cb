"""The GitHub API test server through the real PyGithub: issues, labels, comments, reactions,
collaborator permissions and pull requests answer as api.github.com does.

The run monitor (issues per broken schedule, labelled, commented, closed) and the PR commands
(``/kfp run``: reaction, permission check, fork refusal) are tested against this server, so
each GitHub habit they depend on is pinned here first.
"""

from __future__ import annotations

import json
import urllib.request
from datetime import UTC, datetime
from urllib.error import HTTPError

import github
import pytest
from github import GithubException

from tests.servers.github_api import GitHubApiServer
from tests.servers.github_fixtures import PR_NUMBER, REPOSITORY

# -- helpers ---------------------------------------------------------------------------------


def raw(server: GitHubApiServer, method: str, path: str, token: str | None, body=None):
    """One request without PyGithub: (status, headers, JSON body)."""
    data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"{server.url}{path}", data=data, method=method)
    if token:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def validation_errors(error: GithubException) -> list[dict]:
    assert error.status == 422 and error.data["message"] == "Validation Failed"
    return error.data["errors"]


REPO_PATH = f"/repos/{REPOSITORY}"

# -- issues ----------------------------------------------------------------------------------


def test_creating_an_issue_creates_its_missing_label(github_server, github_repo, github_user):
    github_user("ana", "write")
    issue = github_repo.create_issue(
        "price-suggestion/nightly-train: 2 failed runs",
        body="@ana",
        labels=["pipeline-slo"],
        assignees=["ana"],
    )
    assert issue.number == PR_NUMBER + 1  # one sequence for issues and pull requests
    assert [label.name for label in issue.labels] == ["pipeline-slo"]
    assert [user.login for user in issue.assignees] == ["ana"]
    assert issue.user.login == "github-actions[bot]" and issue.user.type == "Bot"
    assert issue.pull_request is None and issue.html_url.endswith(f"/issues/{issue.number}")
    assert github_repo.get_label("Pipeline-SLO").color == "ededed"  # names ignore case
    [post] = [r for r in github_server.requests if r.method == "POST"]
    assert post.status == 201 and post.body["labels"] == ["pipeline-slo"]


def test_an_issue_needs_a_title(github_repo):
    with pytest.raises(GithubException) as caught:
        github_repo.create_issue(" ")
    assert validation_errors(caught.value) == [
        {"resource": "Issue", "code": "missing_field", "field": "title"}
    ]


def test_an_assignee_without_access_is_invalid(github_server, github_repo):
    github_server.set_permission("stranger", "none")
    with pytest.raises(GithubException) as caught:
        github_repo.create_issue("t", assignees=["stranger"])
    [error] = validation_errors(caught.value)
    assert error["code"] == "invalid" and error["value"] == "stranger"


def test_labels_from_a_user_without_push_access_are_dropped(
    github_server, github_client, github_user
):
    reader = github_client(github_user("rita", "triage"))
    issue = reader.get_repo(REPOSITORY).create_issue("t", labels=["pipeline-slo"])
    assert issue.labels == [] and github_server.labels() == []


def test_the_list_holds_pull_requests_and_only_open_issues_by_default(github_server, github_repo):
    closed = github_server.add_issue("old", state="closed")
    github_server.add_issue("bug", labels=["pipeline-slo", "price-suggestion"])
    listed = list(github_repo.get_issues())
    assert [i.number for i in listed] == [closed["number"] + 1, PR_NUMBER]  # newest first
    assert listed[1].pull_request is not None
    every = github_repo.get_issues(state="all", direction="asc")
    assert [i.number for i in every] == [PR_NUMBER, closed["number"], closed["number"] + 1]
    assert [i.state_reason for i in github_repo.get_issues(state="closed")] == ["completed"]


def test_labels_filter_means_all_of_them(github_server, github_repo):
    both = github_server.add_issue("a", labels=["pipeline-slo", "price-suggestion"])
    github_server.add_issue("b", labels=["pipeline-slo", "other"])
    github_server.add_issue("c", labels=["price-suggestion"])
    found = github_repo.get_issues(labels=["PIPELINE-SLO", "price-suggestion"])
    assert [i.number for i in found] == [both["number"]]
    assert [i.number for i in github_repo.get_issues(labels=["nothing"])] == []


def test_creator_since_and_sort_filters(github_server, github_repo):
    github_server.set_time(datetime(2026, 3, 1, tzinfo=UTC))
    early = github_server.add_issue("early", login="ana")
    github_server.set_time(datetime(2026, 3, 5, tzinfo=UTC))
    late = github_server.add_issue("late", login="bo")
    github_server.add_comment(early["number"], "busy")
    github_server.add_comment(early["number"], "busier")
    by_ana = github_repo.get_issues(creator="ana")
    assert [i.number for i in by_ana] == [early["number"]]
    since = github_repo.get_issues(since=datetime(2026, 3, 2, tzinfo=UTC))
    assert {i.number for i in since} == {late["number"]}  # comments bump updated_at only there
    most_talked = github_repo.get_issues(sort="comments")
    assert next(iter(most_talked)).number == early["number"]


def test_a_bad_filter_value_is_422(github_server, github_token):
    status, _, body = raw(github_server, "GET", f"{REPO_PATH}/issues?state=opened", github_token)
    assert status == 422
    assert body["errors"] == [
        {"value": "opened", "resource": "Issue", "field": "state", "code": "invalid"}
    ]


def test_pages_are_linked_with_the_filters_kept(github_server, github_repo):
    for i in range(35):
        github_server.add_issue(f"slo {i}", labels=["pipeline-slo"])
    github_server.add_issue("other")
    found = list(github_repo.get_issues(labels=["pipeline-slo"]))
    assert len(found) == 35
    lists = [r for r in github_server.requests if r.path.endswith("/issues")]
    assert [r.query.get("page", ["1"]) for r in lists] == [["1"], ["2"]]
    assert all(r.query["labels"] == ["pipeline-slo"] for r in lists)
    assert github_repo.get_issues(labels=["pipeline-slo"]).totalCount == 35


def test_closing_and_reopening_set_state_reason_and_closed_by(github_server, github_repo):
    issue = github_repo.create_issue("breach")
    issue.edit(state="closed")
    assert (issue.state, issue.state_reason) == ("closed", "completed")
    assert issue.closed_by.login == "github-actions[bot]" and issue.closed_at is not None
    issue.edit(state="open")
    assert (issue.state, issue.state_reason, issue.closed_at) == ("open", "reopened", None)
    issue.edit(state="closed", state_reason="not_planned")
    assert github_server.issue(issue.number)["state_reason"] == "not_planned"
    with pytest.raises(GithubException) as caught:
        issue.edit(state="done")
    assert validation_errors(caught.value)[0]["field"] == "state"


def test_editing_title_body_and_labels(github_server, github_repo):
    issue = github_repo.create_issue("t", labels=["a", "b"])
    issue.edit(title="t2", body="new", labels=["c"])
    assert (issue.title, issue.body, [x.name for x in issue.labels]) == ("t2", "new", ["c"])
    issue.add_to_labels("pipeline-slo", "C")
    assert [x.name for x in github_repo.get_issue(issue.number).labels] == ["c", "pipeline-slo"]
    issue.remove_from_labels("c")
    assert [x["name"] for x in github_server.issue(issue.number)["labels"]] == ["pipeline-slo"]
    assert {x["name"] for x in github_server.labels()} == {"a", "b", "c", "pipeline-slo"}


def test_an_unknown_issue_is_404(github_repo):
    with pytest.raises(GithubException) as caught:
        github_repo.get_issue(404)
    assert caught.value.status == 404 and caught.value.data["message"] == "Not Found"


# -- labels ----------------------------------------------------------------------------------


def test_labels_are_created_once_and_found_by_name(github_server, github_repo, github_token):
    label = github_repo.create_label("pipeline-slo", "D93F0B", "SLO breaches")
    assert (label.name, label.color, label.description) == (
        "pipeline-slo",
        "d93f0b",
        "SLO breaches",
    )
    with pytest.raises(GithubException) as caught:
        github_repo.create_label("Pipeline-SLO", "ffffff")
    assert validation_errors(caught.value) == [
        {"resource": "Label", "code": "already_exists", "field": "name"}
    ]
    with pytest.raises(GithubException) as caught:
        github_repo.create_label("x", "#fff")
    assert validation_errors(caught.value)[0]["field"] == "color"
    status, _, body = raw(github_server, "GET", f"{REPO_PATH}/labels/no%20such", github_token)
    assert (status, body["message"]) == (404, "Not Found")
    spaced = github_repo.create_label("needs triage", "ededed")
    assert github_repo.get_label("needs triage").id == spaced.id


# -- comments and reactions ------------------------------------------------------------------


def test_reacting_twice_answers_the_same_reaction(github_server, github_repo, github_token):
    comment = github_server.add_comment(PR_NUMBER, "/kfp run shop/train")
    pr_comment = github_repo.get_issue(PR_NUMBER).get_comment(comment["id"])
    first = pr_comment.create_reaction("eyes")
    again = pr_comment.create_reaction("eyes")
    assert first.id == again.id and first.content == "eyes"
    posts = [r.status for r in github_server.requests if r.path.endswith("/reactions")]
    assert posts == [201, 200]
    pr_comment.create_reaction("rocket")
    assert [r.content for r in pr_comment.get_reactions()] == ["eyes", "rocket"]
    rollup = github_repo.get_issue(PR_NUMBER).get_comment(comment["id"]).reactions
    assert (rollup["total_count"], rollup["eyes"], rollup["rocket"], rollup["+1"]) == (2, 1, 1, 0)
    path = f"{REPO_PATH}/issues/comments/{comment['id']}/reactions?content=rocket"
    status, _, only = raw(github_server, "GET", path, github_token)
    assert status == 200 and [r["content"] for r in only] == ["rocket"]


def test_an_unknown_reaction_is_422(github_server, github_repo):
    comment = github_server.add_comment(PR_NUMBER, "hi")
    pr_comment = github_repo.get_issue(PR_NUMBER).get_comment(comment["id"])
    with pytest.raises(GithubException) as caught:
        pr_comment.create_reaction("thumbsup")
    [error] = validation_errors(caught.value)
    assert (error["field"], error["value"]) == ("content", "thumbsup")
    assert github_server.reactions(comment["id"]) == []


def test_comments_carry_author_association_which_is_not_a_permission(
    github_server, github_client, github_user
):
    member_reader = github_client(github_user("rita", "read"))
    outside = github_client(github_user("olga", "write", association="COLLABORATOR"))
    mine = member_reader.get_repo(REPOSITORY).get_issue(PR_NUMBER).create_comment("/kfp run x")
    theirs = outside.get_repo(REPOSITORY).get_issue(PR_NUMBER).create_comment("/kfp run x")
    assert mine.author_association == "MEMBER"  # an org member, yet only a reader
    assert theirs.author_association == "COLLABORATOR"
    drive_by = github_server.add_comment(PR_NUMBER, "/kfp run x", login="someone")
    assert drive_by["author_association"] == "NONE"
    bot = github_server.add_comment(PR_NUMBER, "done", login="github-actions[bot]", bot=True)
    assert bot["author_association"] == "NONE"
    first = github_server.add_comment(PR_NUMBER, "hi", association="FIRST_TIME_CONTRIBUTOR")
    assert first["author_association"] == "FIRST_TIME_CONTRIBUTOR"


# -- collaborator permission -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "permission"),
    [
        ("admin", "admin"),
        ("maintain", "write"),
        ("write", "write"),
        ("triage", "read"),
        ("read", "read"),
        ("none", "none"),
    ],
)
def test_permission_is_legacy_and_role_name_is_the_role(
    github_server, github_repo, role, permission
):
    github_server.set_permission("ana", role)
    assert github_repo.get_collaborator_permission("ana") == permission
    assert github_repo.get_collaborator_role_name("ana") == role


def test_a_custom_role_reports_its_base_as_permission(github_server, github_repo, github_token):
    github_server.set_permission("ana", "ml-deployer", base="maintain")
    assert github_repo.get_collaborator_permission("ana") == "write"
    assert github_repo.get_collaborator_role_name("ana") == "ml-deployer"
    status, _, body = raw(
        github_server, "GET", f"{REPO_PATH}/collaborators/ana/permission", github_token
    )
    assert status == 200 and body["user"]["login"] == "ana"
    assert body["user"]["permissions"] == {
        "admin": False,
        "maintain": True,
        "push": True,
        "triage": True,
        "pull": True,
    }
    with pytest.raises(ValueError, match="custom role needs base"):
        github_server.set_permission("bo", "ml-deployer")


def test_permission_of_users_without_a_role(github_server, github_repo):
    github_server.add_comment(PR_NUMBER, "drive-by", login="passer")
    assert github_repo.get_collaborator_permission("passer") == "none"  # a private repository
    assert github_repo.get_collaborator_permission("github-actions[bot]") == "none"
    with pytest.raises(GithubException) as caught:
        github_repo.get_collaborator_permission("no-such-user")
    assert caught.value.status == 404
    with GitHubApiServer(repository=REPOSITORY, private=False) as public:
        public.add_comment(public.add_pull_request(), "hi", login="passer")
        gh = github.Github(
            auth=github.Auth.Token(public.add_token()), base_url=public.url, lazy=True
        )
        assert gh.get_repo(REPOSITORY).get_collaborator_permission("passer") == "read"


# -- pull requests ---------------------------------------------------------------------------


def test_a_pull_request_shows_its_head_and_base(github_server, github_repo):
    number = github_server.add_pull_request(head_ref="tune-lr", head_sha="ab" * 20, title="Tune")
    pr = github_repo.get_pull(number)
    assert (pr.head.ref, pr.head.sha, pr.base.ref, pr.state) == (
        "tune-lr",
        "ab" * 20,
        "main",
        "open",
    )
    assert (pr.head.repo.full_name, pr.head.repo.fork) == (REPOSITORY, False)
    assert pr.user.login == "octocat" and pr.title == "Tune"
    assert github_repo.get_issue(number).pull_request is not None


def test_a_pull_request_from_a_fork(github_server, github_repo):
    number = github_server.add_pull_request(fork=True, fork_owner="mallory", head_ref="main")
    pr = github_repo.get_pull(number)
    assert (pr.head.repo.full_name, pr.head.repo.fork) == ("mallory/ml-pipelines", True)
    assert pr.head.label == "mallory:main" and pr.base.repo.full_name == REPOSITORY


def test_pull_request_state_and_list(github_server, github_repo):
    merged = github_server.add_pull_request(merged=True)
    issue = github_server.add_issue("not a PR")
    assert github_repo.get_pull(merged).merged and github_repo.get_pull(merged).state == "closed"
    with pytest.raises(GithubException) as caught:
        github_repo.get_pull(issue["number"])
    assert caught.value.status == 404
    github_repo.get_issue(PR_NUMBER).edit(state="closed")
    assert github_repo.get_pull(PR_NUMBER).state == "closed"
    closed = github_repo.get_pulls(state="closed", sort="created", direction="asc")
    assert [p.number for p in closed] == [PR_NUMBER, merged]
    assert list(github_repo.get_pulls()) == []


# -- auth, faults and the log ----------------------------------------------------------------


def test_tokens_are_checked_before_anything_else(github_server, github_token):
    status, _, body = raw(github_server, "POST", f"{REPO_PATH}/issues", None, {"title": "t"})
    assert (status, body["message"]) == (401, "Requires authentication")
    status, _, body = raw(github_server, "POST", f"{REPO_PATH}/issues", "ghs_nope", {"title": "t"})
    assert (status, body["message"]) == (401, "Bad credentials")
    read_only = github_server.add_token(can_write=False)
    status, _, body = raw(github_server, "POST", f"{REPO_PATH}/issues", read_only, {"title": "t"})
    assert (status, body["message"]) == (403, "Resource not accessible by integration")
    status, _, body = raw(github_server, "POST", f"{REPO_PATH}/issues", github_token, b"{title")
    assert (status, body["message"]) == (400, "Problems parsing JSON")
    assert [i["number"] for i in github_server.issues()] == [PR_NUMBER]


def test_created_resources_answer_201_with_their_location(github_server, github_token):
    status, headers, body = raw(
        github_server, "POST", f"{REPO_PATH}/issues", github_token, {"title": "t"}
    )
    assert status == 201 and headers["Location"] == body["url"]
    assert body["url"] == f"{github_server.url}{REPO_PATH}/issues/{body['number']}"


def test_fail_next_can_aim_at_one_path(github_server, github_repo):
    github_server.fail_next(1, 502, path=r"/reactions$")
    comment = github_server.add_comment(PR_NUMBER, "hi")
    pr_comment = github_repo.get_issue(PR_NUMBER).get_comment(comment["id"])
    with pytest.raises(GithubException) as caught:
        pr_comment.create_reaction("eyes")
    assert caught.value.status == 502
    assert pr_comment.create_reaction("eyes").content == "eyes"


def test_a_secondary_rate_limit_is_waited_out_by_pyGithub(github_server, github_token):
    github_server.rate_limit_next(1, retry_after=1, method="POST")
    gh = github.Github(  # PyGithub's default retry, which honours Retry-After
        auth=github.Auth.Token(github_token), base_url=github_server.url, lazy=True
    )
    issue = gh.get_repo(REPOSITORY).create_issue("after the wait")
    statuses = [r.status for r in github_server.requests if r.method == "POST"]
    assert statuses == [403, 201] and issue.title == "after the wait"


def test_the_log_keeps_bodies_and_logins_never_tokens(github_server, github_repo, github_token):
    github_repo.create_issue("t", body="b")
    [post] = [r for r in github_server.requests if r.is_write]
    assert post.body == {"title": "t", "body": "b"} and post.login == "github-actions[bot]"
    assert github_token not in repr(github_server.requests)
