# Do not edit: the template owns this file (make template-update brings its changes).
"""Tell the owners: a monitor pass's findings into GitHub issues and Slack messages.

Order matters for staying stateless: the schedule's open issue says which findings were told
already; only the others are news, for the issue and for Slack alike. A project with
``notify: {github_issue: false}`` has no such memory, so its Slack messages repeat what
overlapping windows both see.
"""

from __future__ import annotations

from collections.abc import Mapping

from scripts.targets.monitor import slack
from scripts.targets.monitor.report import BREACH, MonitorReport, Outcome, outcome_for
from scripts.targets.monitor.watch import Watch, WatchedSchedule


def report_watch(
    watch: Watch, *, issues, dry_run: bool, environ: Mapping[str, str]
) -> MonitorReport:
    """``issues``: a SloIssues, or None when GitHub cannot be reached (dry run, no token)."""
    report = MonitorReport(
        watch.environment,
        watch.host,
        watch.timezone,
        watch.start.isoformat(),
        watch.now.isoformat(),
        dry_run,
        requests=watch.requests,
    )
    news: dict[str, list[tuple[Outcome, WatchedSchedule]]] = {}
    for watched in watch.schedules:
        outcome = outcome_for(watched, watch)
        report.outcomes.append(outcome)
        _to_issue(outcome, watched, issues, watch)
        if outcome.new:
            news.setdefault(watched.project.name, []).append((outcome, watched))
    for project, items in news.items():
        _to_slack(project, items, watch, dry_run, environ)
    return report


def _to_issue(outcome: Outcome, watched: WatchedSchedule, issues, watch: Watch) -> None:
    use_issue = issues is not None and watched.project.notify.github_issue
    try:
        told = issues.told(issues.open_issue(outcome.key)) if use_issue else set()
        new = [f for f in outcome.findings if f["id"] not in told]
        outcome.new = [f["id"] for f in new] if outcome.status == BREACH else []
        if use_issue:
            issues.report(
                outcome,
                owners=watched.project.owners,
                manifest=watched.schedule.manifest_path,
                cron=watched.schedule.cron,
                timezone=watch.timezone,
                new=new,
            )
    except Exception as error:  # PyGithub and requests errors: one row fails, not the pass
        status = getattr(error, "status", None)
        outcome.problems.append(
            f"GitHub issue not updated ({status or type(error).__name__}) — the token needs "
            "`issues: write`; check GITHUB_TOKEN, GITHUB_REPOSITORY and GITHUB_API_URL"
        )


def _to_slack(project, items, watch: Watch, dry_run: bool, environ) -> None:
    secret = items[0][1].project.notify.slack_webhook_secret
    url = slack.webhook_url(secret, environ)
    if secret is None:
        status = slack.NOT_SET
    elif url is None:
        status = f"${secret} is not set"
    elif dry_run:
        status = "would send"
    else:
        lines = [_line(outcome, watch) for outcome, _ in items]
        try:
            slack.post(url, slack.message(watch.environment, project, lines))
            status = slack.SENT
        except slack.SlackError as error:
            status = "failed"
            for outcome, _ in items:
                outcome.problems.append(f"Slack message not sent: {error}")
    for outcome, _ in items:
        outcome.slack = status
        if secret and url is None and not dry_run:
            outcome.problems.append(f"no Slack message: the variable {secret} is not set")


def _line(outcome: Outcome, watch: Watch) -> str:
    parts = []
    for finding in outcome.findings:
        if finding["id"] not in outcome.new:
            continue
        text = f"{finding['kind']} at {finding['at']}"
        if finding["link"]:
            text = f"<{finding['link']}|{slack.escape(text)}>"
        else:
            text = slack.escape(text)
        parts.append(text)
    issue = f" (<{outcome.issue}|issue>)" if outcome.issue else ""
    return f"• `{slack.escape(outcome.key)}`: " + "; ".join(parts) + issue
