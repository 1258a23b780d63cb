"""``validate``: bad input is one line and exit 1; environments.yml and component specs; every
problem in one run; JSON output; warnings; GitHub annotations."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scripts.cli import main as cli
from scripts.repo import components as component_specs
from scripts.repo import validate as validate_module
from scripts.repo.model import Repo
from tests.helpers.git_repos import REPO_ROOT
from tests.helpers.mini_repo import VALID_COMPONENT, VALID_MANIFEST, make_mini_repo


@pytest.fixture
def mini(tmp_path):
    repo = make_mini_repo(tmp_path / "repo")
    # validate checks that [tool.kfp-monorepo] components-package names a folder of the repo.
    repo.write(f"{Repo(REPO_ROOT).settings.components_package}/__init__.py", "")
    return repo


@pytest.fixture(autouse=True)
def only_errors(monkeypatch):
    """These tests are about errors: the warning about images not pinned by digest is switched
    off here and tested on its own below."""
    monkeypatch.setattr(validate_module, "unpinned_components", lambda repo: [])


def run_validate(mini, capsys, *flags: str) -> tuple[int, str, str]:
    code = cli.main(["validate", "--repo", str(mini.root), *flags])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def alias_bomb() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


BAD_INPUTS = {
    "invalid YAML": ("kind: Project\nname: [demo\n", "projects/demo.yml:3: invalid YAML"),
    "duplicate keys": (
        VALID_MANIFEST + "name: demo\n",
        "projects/demo.yml:11: duplicate key 'name' (first at line 2) — keep one",
    ),
    "tab": (
        "kind: Project\n\tname: demo\n",
        "projects/demo.yml:2: a tab character where YAML needs spaces — indent with spaces",
    ),
    "empty file": ("", "projects/demo.yml: the file is empty — write the YAML document into it"),
    "only a comment": ("# nothing\n", "projects/demo.yml: the file has no YAML content"),
    "list at the root": ("- kind: Project\n", "projects/demo.yml:1: the top level is a list"),
    "scalar at the root": ("Project\n", "projects/demo.yml:1: the top level is a single value"),
    "wrong type": (
        VALID_MANIFEST.split("owners:")[0] + 'owners: "@jdoe"\n',
        "projects/demo.yml:8: owners must be a list, not text — list at least one owner",
    ),
    "non-UTF-8": (
        VALID_MANIFEST.encode().replace(b"A demo", b"A d\xe9mo"),
        "projects/demo.yml:3: not UTF-8 text (byte 0xe9) — save the file as UTF-8",
    ),
    "alias bomb": (alias_bomb(), "projects/demo.yml:"),
    "name with a slash": (
        VALID_MANIFEST.replace("name: demo", "name: ../demo"),
        "projects/demo.yml:2: name '../demo' is not valid — use lowercase letters",
    ),
    "name with dots": (
        VALID_MANIFEST.replace("name: demo", "name: demo/.."),
        "projects/demo.yml:2: name 'demo/..' is not valid — use lowercase letters",
    ),
    "nested 100 levels": (
        "kind: " + "[" * 100 + "]" * 100 + "\n",
        "projects/demo.yml:1: nested more than 64 levels deep — flatten it",
    ),
    "nested 20000 levels": (
        "kind: " + "[" * 20000 + "]" * 20000 + "\n",
        "projects/demo.yml: nested too deeply to read (the limit is 64 levels) — flatten it",
    ),
    "over 1 MiB": (
        VALID_MANIFEST + "# " + "x" * (1024 * 1024) + "\n",
        f"projects/demo.yml: the file is {len(VALID_MANIFEST) + 1024 * 1024 + 3} bytes, over the "
        "1024 KiB limit — split it",
    ),
}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_manifest_is_one_line_and_exit_1(mini, capsys, case):
    content, expected = BAD_INPUTS[case]
    mini.project("demo")
    mini.write("projects/demo.yml", content)
    code, out, err = run_validate(mini, capsys)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1, err
    assert err.startswith(expected), err
    assert "Traceback" not in err


def test_the_alias_bomb_names_the_fix(mini, capsys):
    mini.project("demo")
    mini.write("projects/demo.yml", alias_bomb())
    _, _, err = run_validate(mini, capsys)
    assert "aliases expanding without bound" in err


def test_a_manifest_linked_outside_the_repo_is_named_by_its_own_path(mini, capsys, tmp_path):
    # Repo.relative resolved links, so a link out of the repo was an internal error and a
    # dangling one was reported under its target's name.
    mini.project("demo")
    outside = tmp_path / "elsewhere.yml"
    outside.write_text("- not a mapping\n", encoding="utf-8")
    (mini.root / "projects/demo.yml").unlink()
    (mini.root / "projects/demo.yml").symlink_to(outside)
    code, _, err = run_validate(mini, capsys)
    assert (code, err) == (
        1,
        "projects/demo.yml:1: the top level is a list, not a mapping of keys — write "
        "'key: value' lines\n",
    )


def test_hidden_files_are_not_manifests(mini, capsys):
    # An editor's lock file (emacs: a dangling link named .#<file>) failed validate.
    mini.project("demo")
    (mini.root / "projects/.#demo.yml").symlink_to("jdoe@laptop.4242:1700000000")
    mini.write("projects/.demo.yml.swp.yml", "not: a manifest\n")
    assert run_validate(mini, capsys)[0] == 0


def test_a_dangling_manifest_link_names_the_link(mini, capsys):
    mini.project("demo")
    (mini.root / "projects/demo.yml").unlink()
    (mini.root / "projects/demo.yml").symlink_to("gone.yml")
    code, _, err = run_validate(mini, capsys)
    assert (code, err) == (
        1,
        "projects/demo.yml: a symbolic link to gone.yml, which does not exist — fix or remove "
        "the link\n",
    )


@pytest.mark.parametrize("case", ["tab", "over 1 MiB"])
def test_bad_manifest_through_a_real_process(mini, case):
    content, expected = BAD_INPUTS[case]
    mini.project("demo")
    mini.write("projects/demo.yml", content)
    result = subprocess.run(
        [sys.executable, "-m", "scripts", "validate", "--repo", str(mini.root)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and result.stderr.startswith(expected), result.stderr


def test_a_clean_repo_passes(mini, capsys):
    mini.project("demo")
    mini.component("trainer")
    code, out, err = run_validate(mini, capsys)
    assert (code, err) == (0, "")
    assert out == (
        "validate: ok (1 manifest(s), environments.yml, 1 component spec(s); 0 warning(s))\n"
    )


def test_every_problem_of_every_file_in_one_run(mini, capsys):
    mini.project("demo", VALID_MANIFEST.replace("kind: Project", "kind: Projet"))
    mini.project("other", VALID_MANIFEST.replace("demo", "other") + "colour: red\n")
    mini.write("environments.yml", "environments:\n  dev:\n    namspace: x\n")
    mini.component("trainer", VALID_COMPONENT.replace("    image: ", "    imag: "))
    code, _, err = run_validate(mini, capsys)
    assert code == 1
    assert err.splitlines() == [
        "components/trainer/component.yaml:9: implementation.container: missing key 'image' — "
        "add it: the container image reference, e.g. registry.example.com/ml/train:1.0 or pinned "
        "by @sha256 digest",
        "components/trainer/component.yaml:10: unknown key 'imag' — did you mean 'image'? "
        "Allowed keys: args, command, env, fileOutputs, image",
        "environments.yml:2: environments.dev: missing key 'kfp_host' — add it: write the KFP "
        "API address as an http(s) URL, e.g. https://kfp.example.com (or set target: vertex)",
        "environments.yml:3: unknown key 'namspace' — did you mean 'namespace'? Allowed keys: "
        "api_endpoint, image_registry, kfp_host, mlflow_tracking_uri, monitor_cron, namespace, "
        "pipeline_root, polyaxon_host, polyaxon_owner, project, region, registry, "
        "registry_endpoint, service_account, target, timezone",
        "projects/demo.yml:1: kind must be 'Project', not 'Projet' — always the word Project: "
        "write `kind: Project`",
        "projects/other.yml:11: unknown key 'colour' — remove it; allowed keys: components, "
        "description, experiments, kind, name, namespaces, notify, owners, polyaxon, schedules",
    ]


def test_json_output(mini, capsys):
    mini.project("demo", VALID_MANIFEST.replace("kind: Project", "kind: Projet"))
    code, out, err = run_validate(mini, capsys, "--format", "json")
    assert (code, err) == (1, "")
    document = json.loads(out)
    assert document["ok"] is False
    assert document["checked"] == {"manifests": 1, "components": 0}
    assert document["errors"] == [
        {
            "path": "projects/demo.yml",
            "line": 1,
            "message": "kind must be 'Project', not 'Projet' — always the word Project: write "
            "`kind: Project`",
        }
    ]
    assert document["warnings"] == []


def test_github_actions_annotations(mini, capsys, monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    mini.project("demo", VALID_MANIFEST.replace("name: demo", "name: Demo"))
    _, _, err = run_validate(mini, capsys)
    assert err.splitlines()[1].startswith(
        "::error file=projects/demo.yml,line=2::name 'Demo' is not valid"
    )


# --- environments.yml ------------------------------------------------------------------------

ENVIRONMENT_CASES = {
    "not a URL": (
        "environments:\n  dev:\n    kfp_host: kfp.example.com\n",
        "environments.yml:3: environments.dev.kfp_host 'kfp.example.com' is not valid — write "
        "the KFP API address as an http(s) URL, e.g. https://kfp.example.com",
    ),
    "no environments": (
        "environments: {}\n",
        "environments.yml:1: environments is empty — a mapping of environment names to their "
        "settings, with at least dev, e.g. `dev: {kfp_host: https://kfp.dev.example.com}`",
    ),
    "environment name": (
        "environments:\n  Dev:\n    kfp_host: https://kfp.example.com\n",
        "environments.yml:2: environments: key 'Dev' is not valid — use lowercase letters, "
        "digits and inner hyphens, e.g. dev",
    ),
    "namespace": (
        "environments:\n  dev:\n    kfp_host: https://kfp.example.com\n    namespace: A B\n",
        "environments.yml:4: environments.dev.namespace 'A B' is not valid — use a Kubernetes "
        "namespace name (multi-user KFP): lowercase letters, digits and inner hyphens, at most "
        "63 characters",
    ),
    "registry with a tag": (
        "environments:\n  dev:\n    kfp_host: https://kfp.example.com\n"
        "    image_registry: ghcr.io/acme/ml:latest\n",
        "environments.yml:4: environments.dev.image_registry 'ghcr.io/acme/ml:latest' is not "
        "valid — write the registry for component images as host[:port]/path, without a tag",
    ),
    "environment is not a mapping": (
        "environments:\n  dev: https://kfp.example.com\n",
        "environments.yml:2: environments.dev must be a mapping, not text — an environment is "
        "a mapping: kfp_host for target kfp; project, region, registry, pipeline_root and "
        "service_account for target vertex",
    ),
    "duplicate key": (
        "environments:\n  dev:\n    kfp_host: https://a.example.com\n  dev: {}\n",
        "environments.yml:4: duplicate key 'dev' (first at line 2) — keep one",
    ),
}


@pytest.mark.parametrize("case", list(ENVIRONMENT_CASES), ids=list(ENVIRONMENT_CASES))
def test_environments_rule(mini, capsys, case):
    content, expected = ENVIRONMENT_CASES[case]
    mini.write("environments.yml", content)
    code, _, err = run_validate(mini, capsys)
    assert (code, err) == (1, expected + "\n")


def test_the_generated_environments_file_is_valid():
    from scripts.repo.environments import environments_problems

    assert environments_problems(REPO_ROOT) == []


# --- component.yaml --------------------------------------------------------------------------

COMPONENT_CASES = {
    "no implementation": (
        VALID_COMPONENT.split("implementation:")[0],
        "components/trainer/component.yaml:1: missing key 'implementation' — add it: write "
        "implementation with a container mapping holding image, command and args",
    ),
    "no name": (
        VALID_COMPONENT.replace("name: Train model\n", ""),
        "components/trainer/component.yaml:1: missing key 'name' — add it: the component's "
        "display name, e.g. Train model",
    ),
    "placeholder names no input": (
        VALID_COMPONENT.replace("{inputValue: epochs}", "{inputValue: epoch}"),
        "components/trainer/component.yaml:16: placeholder inputValue: 'epoch' names no declared "
        "input — declared: data, epochs; fix the name or declare it under inputs",
    ),
    "placeholder names no output": (
        VALID_COMPONENT.replace("{outputPath: model}", "{outputPath: models}"),
        "components/trainer/component.yaml:18: placeholder outputPath: 'models' names no "
        "declared output — declared: model; fix the name or declare it under outputs",
    ),
    "duplicate input": (
        VALID_COMPONENT.replace("{name: epochs,", "{name: data,").replace(
            "{inputValue: epochs}", "{inputValue: data}"
        ),
        "components/trainer/component.yaml:5: input 'data' is declared twice — rename or remove "
        "one",
    ),
    "image with a space": (
        VALID_COMPONENT.replace("train:1.0", "train 1.0"),
        "components/trainer/component.yaml:10: implementation.container.image "
        "'registry.example.com/ml/train 1.0' is not valid — the container image reference, "
        "e.g. registry.example.com/ml/train:1.0 or pinned by @sha256 digest",
    ),
    "command is not a list": (
        VALID_COMPONENT.replace("command: [python, -m, train]", "command: python -m train"),
        "components/trainer/component.yaml:11: implementation.container.command must be a "
        "list, not text — a list of words and placeholders such as {inputValue: x}, "
        "{inputPath: x}, {outputPath: y}",
    ),
    "not YAML": ("name: [x\n", "components/trainer/component.yaml:2: invalid YAML"),
}


@pytest.mark.parametrize("case", list(COMPONENT_CASES), ids=list(COMPONENT_CASES))
def test_component_rule(mini, capsys, case):
    content, expected = COMPONENT_CASES[case]
    mini.component("trainer", content)
    code, _, err = run_validate(mini, capsys)
    assert code == 1
    assert err.count("\n") == 1 and err.startswith(expected), err


def test_component_folder_needs_a_spec_and_a_valid_name(mini, capsys):
    (mini.root / "components" / "empty").mkdir()
    mini.component("Bad_Name")
    code, _, err = run_validate(mini, capsys)
    assert code == 1
    assert err.splitlines() == [
        "components/Bad_Name: component folder name 'Bad_Name' is not valid — rename it with "
        "lowercase letters, digits and inner hyphens",
        "components/empty: no component.yaml in this component folder — add the component spec "
        "or remove the folder",
    ]


def test_what_the_schema_accepts_kfp_loads(mini):
    """The schema is a stand-in for kfp's loader (validate must not import kfp): the valid
    spec loads with the real SDK, and a broken placeholder we reject, kfp rejects too."""
    from kfp import components

    spec = mini.component("trainer")
    component = components.load_component_from_file(str(spec))
    assert set(component.component_spec.inputs) == {"data", "epochs"}
    spec.write_text(VALID_COMPONENT.replace("{outputPath: model}", "{outputPath: models}"))
    with pytest.raises(Exception, match="models"):
        components.load_component_from_file(str(spec))


# --- warnings --------------------------------------------------------------------------------


def test_an_unpinned_image_is_a_warning_on_its_line_and_does_not_fail(mini, capsys, monkeypatch):
    monkeypatch.setattr(validate_module, "unpinned_components", component_specs.unpinned_components)
    mini.component("trainer")
    mini.component("pinned", VALID_COMPONENT.replace(":1.0", "@sha256:" + "0" * 64))
    code, out, err = run_validate(mini, capsys)
    assert code == 0
    assert err == (
        "components/trainer/component.yaml:10: warning: image registry.example.com/ml/train:1.0 "
        "is not pinned by digest — pin it to the digest of the image you use: image: "
        "<name>@sha256:<digest>\n"
    )
    assert out.endswith("; 1 warning(s))\n")
    code, out, _ = run_validate(mini, capsys, "--format", "json")
    assert code == 0 and json.loads(out)["warnings"] == [
        {
            "path": "components/trainer/component.yaml",
            "line": 10,
            "message": "image registry.example.com/ml/train:1.0 is not pinned by digest — pin "
            "it to the digest of the image you use: image: <name>@sha256:<digest>",
        }
    ]


# --- the repository itself -------------------------------------------------------------------


def test_this_repository_validates(capsys):
    code = cli.main(["validate", "--repo", str(REPO_ROOT)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
