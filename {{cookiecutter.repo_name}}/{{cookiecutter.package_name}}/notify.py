"""An exit handler that tells a project's Slack channel how a run ended, the moment it ends.

The run monitor (``python -m scripts monitor``) reports breaches at its next pass; teams that
want to hear at once wrap their pipeline in ``dsl.ExitHandler(notify_slack_on_exit(...))``.
KFP runs the exit task whatever happened to the others and hands it the final state
(``dsl.PipelineTaskFinalStatus``, KFP 2.14 and later).

The webhook URL is a secret: the pod reads it from an environment variable that a Kubernetes
secret fills (``kubernetes.use_secret_as_env``, see ``pipelines/<project>/train_model.py`` in
the example project), and it is never printed. A message that Slack refuses is logged, not
raised: a failed notification must not turn a successful run into a failed one.
"""

from kfp import dsl

from .images import BASE_IMAGE, PACKAGES


@dsl.component(base_image=BASE_IMAGE, packages_to_install=PACKAGES)
def notify_slack_on_exit(
    status: dsl.PipelineTaskFinalStatus,
    pipeline: str,
    enabled: bool = False,
    webhook_env: str = "SLACK_WEBHOOK_URL",
) -> str:
    """Post the run's final state to the Slack incoming webhook in ``$webhook_env``.

    Args:
        status: filled in by KFP: the final state of the tasks the exit handler wraps.
        pipeline: the name to show, e.g. "price-suggestion/train_model".
        enabled: the flag: False (the default) posts nothing.
        webhook_env: the environment variable holding the webhook URL.

    Returns:
        What happened: "sent", "disabled", "no webhook" or "not sent: <Slack's answer>".
    """
    import json
    import os
    import urllib.error
    import urllib.request

    if not enabled:
        return "disabled"
    url = os.environ.get(webhook_env, "")
    if not url:
        print(f"notify_slack_on_exit: ${webhook_env} is not set, nothing posted")
        return "no webhook"

    def escape(text: str) -> str:
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    run = escape(status.pipeline_job_resource_name or "")
    text = f"*{escape(pipeline)}*: run {run} ended {status.state}"
    if status.error_message:
        text += f"\n> {escape(status.error_message[:500])}"
    request = urllib.request.Request(
        url,
        data=json.dumps({"text": text}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            response.read()
    except urllib.error.HTTPError as error:  # the message never shows the URL (the secret)
        reason = error.read()[:60].decode("utf-8", "replace")
        answer = f"not sent: Slack answered {error.code} {reason}"
        print(f"notify_slack_on_exit: {answer}")
        return answer
    except OSError as error:
        answer = f"not sent: {type(error).__name__}"
        print(f"notify_slack_on_exit: {answer}")
        return answer
    return "sent"
