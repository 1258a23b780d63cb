"""The CLI contract shared by every command: --help, exit codes, one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest

from scripts.cli import main as cli
from scripts.core.errors import ConfigError, Problem, ProblemsFound
from tests.helpers.git_repos import REPO_ROOT

COMMAND_NAMES = sorted(cli.load_commands())


def test_top_level_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in COMMAND_NAMES:
        assert name in out


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_every_command_has_help(name, capsys):
    assert cli.main([name, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--repo" in out and "usage:" in out


def test_unknown_command_is_a_usage_error(capsys):
    assert cli.main(["no-such-command"]) == 2
    assert "invalid choice" in capsys.readouterr().err


def test_runs_as_a_module_from_the_repo_root():
    result = subprocess.run(
        [sys.executable, "-m", "scripts", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "usage: python -m scripts" in result.stdout


def _fake_command(exception):
    def run(_args):
        raise exception

    return run


def test_expected_errors_become_one_line_and_their_exit_code(monkeypatch, capsys):
    parser = cli.build_parser({})
    monkeypatch.setattr(cli, "build_parser", lambda _commands: parser)
    parser._subparsers._group_actions[0].add_parser("boom").set_defaults(
        handler=_fake_command(ConfigError("no such environment", path="environments.yml", line=3))
    )
    assert cli.main(["boom"]) == 2
    assert capsys.readouterr().err == "environments.yml:3: no such environment\n"


def test_all_problems_are_reported(monkeypatch, capsys):
    problems = [Problem("b.yml", 2, "second"), Problem("a.yml", 1, "first")]
    parser = cli.build_parser({})
    monkeypatch.setattr(cli, "build_parser", lambda _commands: parser)
    parser._subparsers._group_actions[0].add_parser("boom").set_defaults(
        handler=_fake_command(ProblemsFound(problems))
    )
    assert cli.main(["boom"]) == 1
    assert capsys.readouterr().err == "a.yml:1: first\nb.yml:2: second\n"


def test_a_bug_is_one_line_without_debug_and_a_traceback_with_it(monkeypatch, capsys):
    parser = cli.build_parser({})
    monkeypatch.setattr(cli, "build_parser", lambda _commands: parser)
    parser._subparsers._group_actions[0].add_parser("boom").set_defaults(
        handler=_fake_command(ZeroDivisionError("division by zero"))
    )
    assert cli.main(["boom"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "--debug" in err
    assert cli.main(["--debug", "boom"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_github_actions_adds_annotations(monkeypatch, capsys):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    parser = cli.build_parser({})
    monkeypatch.setattr(cli, "build_parser", lambda _commands: parser)
    parser._subparsers._group_actions[0].add_parser("boom").set_defaults(
        handler=_fake_command(ConfigError("bad: value, here", path="a,b.yml", line=4))
    )
    assert cli.main(["boom"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == ["a,b.yml:4: bad: value, here", "::error file=a%2Cb.yml,line=4::bad: value, here"]
