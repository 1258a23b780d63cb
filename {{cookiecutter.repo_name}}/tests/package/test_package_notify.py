"""The Slack exit handler, called as a plain Python function against the webhook test server."""

from kfp import dsl

from {{ cookiecutter.package_name }}.notify import notify_slack_on_exit

FAILED = dsl.PipelineTaskFinalStatus(
    state="FAILED",
    pipeline_job_resource_name="runs/1234",
    pipeline_task_name="exit-handler-1",
    error_code=2,
    error_message="train <failed> & stopped",
)


def call(**kwargs) -> str:
    return notify_slack_on_exit.python_func(status=FAILED, pipeline="demo/train", **kwargs)


def test_the_final_state_is_posted_escaped(slack_webhook, slack_webhook_url, monkeypatch):
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack_webhook_url)
    assert call(enabled=True) == "sent"
    (message,) = slack_webhook.messages(slack_webhook_url)
    assert message["text"] == (
        "*demo/train*: run runs/1234 ended FAILED\n> train &lt;failed&gt; &amp; stopped"
    )


def test_behind_its_flag_and_without_a_webhook_it_posts_nothing(
    slack_webhook, slack_webhook_url, monkeypatch
):
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack_webhook_url)
    assert call() == "disabled"
    monkeypatch.delenv("SLACK_WEBHOOK_URL")
    assert call(enabled=True) == "no webhook"
    assert slack_webhook.messages() == []


def test_a_refused_message_does_not_fail_the_run_or_print_the_url(
    slack_webhook, slack_webhook_url, monkeypatch, capsys
):
    monkeypatch.setenv("SLACK_WEBHOOK_URL", slack_webhook_url)
    slack_webhook.revoke(slack_webhook_url)
    assert call(enabled=True) == "not sent: Slack answered 404 no_service"
    assert slack_webhook_url not in capsys.readouterr().out


def test_the_component_takes_the_final_status_from_kfp():
    spec = notify_slack_on_exit.component_spec
    assert spec.inputs["status"].type == "PipelineTaskFinalStatus"
