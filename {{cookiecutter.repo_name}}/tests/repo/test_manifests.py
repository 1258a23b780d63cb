"""Project manifests: every schema rule and cross-check, with its exact message and line.

The manifest under test is ``tests.helpers.mini_repo.VALID_MANIFEST`` with one change per
case; its lines are 1 kind, 2 name, 3 description, 4 experiments, 5-7 the two experiments,
8 owners, 9-10 the two owners, 11 onwards whatever a case appends.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from scripts.core.errors import ProblemsFound, UsageError
from scripts.core.naming import (
    OWNER,
    OWNER_EMAIL,
    OWNER_HANDLE,
    PROJECT_NAME,
    collation_key,
    unique_owners,
)
from scripts.repo.manifests import (
    Experiment,
    load_project,
    load_projects,
    manifest_problems,
)
from scripts.repo.model import Repo
from tests.helpers.git_repos import REPO_ROOT
from tests.helpers.mini_repo import VALID_MANIFEST, make_mini_repo

EXPERIMENTS = (
    "experiments:\n  - name: Default\n  - name: Trading Cards\n    description: Cards only.\n"
)
NAME_HINT = (
    "use lowercase letters, digits and inner hyphens (1 to 50 characters, e.g. "
    "price-suggestion); it must equal the file name and the pipelines/<name>/ folder"
)
EXPERIMENT_HINT = "use 1 to 100 characters without '/', control characters or surrounding spaces"
OWNER_HINT = (
    'write a GitHub user as "@login" or a team as "@org/team" (quoted: YAML reads a bare @ as '
    "an error), or the email address of a GitHub account, e.g. jdoe@example.com"
)
SAME_TO_KFP = (
    "for KFP, whose database ignores case, accents and Unicode form — rename or remove one"
)
EXPERIMENTS_HINT = (
    "list at least one experiment, e.g. `- name: Default`; KFP gets each as <project>/<experiment>"
)


def same_to_kfp(line: int, name: str, first: str, first_line: int) -> str:
    return (
        f"projects/demo.yml:{line}: experiment {name} repeats {first} (first at line "
        f"{first_line}) for KFP, whose database ignores case, accents and Unicode form — rename "
        "or remove one"
    )


@pytest.fixture
def mini(tmp_path):
    return make_mini_repo(tmp_path / "repo")


def problems_of(mini, manifest: str, name: str = "demo") -> list[str]:
    mini.project(name, manifest)
    return [str(problem) for problem in manifest_problems(Repo(mini.root))]


def test_the_valid_manifest_has_no_problems(mini):
    assert problems_of(mini, VALID_MANIFEST) == []


SCHEMA_CASES = {
    "kind must be Project": (
        VALID_MANIFEST.replace("kind: Project", "kind: Projet"),
        [
            "projects/demo.yml:1: kind must be 'Project', not 'Projet' — always the word "
            "Project: write `kind: Project`"
        ],
    ),
    "kind is required": (
        VALID_MANIFEST.replace("kind: Project\n", ""),
        [
            "projects/demo.yml:1: missing key 'kind' — add it: always the word Project: write "
            "`kind: Project`"
        ],
    ),
    "name pattern": (
        VALID_MANIFEST.replace("name: demo", "name: Demo_1"),
        [f"projects/demo.yml:2: name 'Demo_1' is not valid — {NAME_HINT}"],
    ),
    "name with a slash": (
        VALID_MANIFEST.replace("name: demo", "name: a/b"),
        [f"projects/demo.yml:2: name 'a/b' is not valid — {NAME_HINT}"],
    ),
    "name with dots": (
        VALID_MANIFEST.replace("name: demo", "name: '..'"),
        [f"projects/demo.yml:2: name '..' is not valid — {NAME_HINT}"],
    ),
    "name must be text": (
        VALID_MANIFEST.replace("name: demo", "name: [demo]"),
        [f"projects/demo.yml:2: name must be text, not a list — {NAME_HINT}"],
    ),
    "name differs from the file name": (
        VALID_MANIFEST.replace("name: demo", "name: other"),
        [
            "projects/demo.yml:2: name 'other' differs from the file name 'demo' — rename the "
            "file to projects/other.yml or set name: demo"
        ],
    ),
    "experiments required": (
        VALID_MANIFEST.replace(EXPERIMENTS, ""),
        [f"projects/demo.yml:1: missing key 'experiments' — add it: {EXPERIMENTS_HINT}"],
    ),
    "experiments not empty": (
        VALID_MANIFEST.replace(EXPERIMENTS, "experiments: []\n"),
        [f"projects/demo.yml:4: experiments is empty — {EXPERIMENTS_HINT}"],
    ),
    "experiments must be a list": (
        VALID_MANIFEST.replace(EXPERIMENTS, "experiments: Default\n"),
        [f"projects/demo.yml:4: experiments must be a list, not text — {EXPERIMENTS_HINT}"],
    ),
    "experiment must be a mapping": (
        VALID_MANIFEST.replace("  - name: Default\n", "  - Default\n"),
        [
            "projects/demo.yml:5: experiments[0] must be a mapping, not text — an experiment "
            "is a mapping with a name and an optional description"
        ],
    ),
    "experiment name at most 100 characters": (
        VALID_MANIFEST.replace("Trading Cards", "x" * 101),
        [
            "projects/demo.yml:6: experiments[1].name is 101 characters, over the limit of "
            "100 — shorten it"
        ],
    ),
    "experiment name not empty, said once": (
        VALID_MANIFEST.replace("Trading Cards", '""'),
        [f"projects/demo.yml:6: experiments[1].name is empty — {EXPERIMENT_HINT}, e.g. Default"],
    ),
    "experiment name without a slash": (
        VALID_MANIFEST.replace("Trading Cards", "a/b"),
        [
            f"projects/demo.yml:6: experiments[1].name 'a/b' is not valid — {EXPERIMENT_HINT}, "
            "e.g. Default"
        ],
    ),
    "experiment name without surrounding spaces": (
        VALID_MANIFEST.replace("Trading Cards", "' padded'"),
        [
            f"projects/demo.yml:6: experiments[1].name ' padded' is not valid — "
            f"{EXPERIMENT_HINT}, e.g. Default"
        ],
    ),
    "experiment names unique": (
        VALID_MANIFEST.replace("Trading Cards", "Default"),
        ["projects/demo.yml:6: experiment 'Default' is listed twice (first at line 5) — keep one"],
    ),
    "experiment names unique, ignoring case": (
        VALID_MANIFEST.replace("Trading Cards", "DEFAULT"),
        [same_to_kfp(6, "'DEFAULT'", "'Default'", 5)],
    ),
    "experiment names unique, ignoring accents": (
        VALID_MANIFEST.replace("Default", "Cafe").replace("Trading Cards", "Café"),
        [same_to_kfp(6, "'Café'", "'Cafe'", 5)],
    ),
    "experiment names unique, composed or decomposed (shown escaped)": (
        VALID_MANIFEST.replace("Default", "Caf\u00e9").replace("Trading Cards", "Cafe\u0301"),
        [same_to_kfp(6, "'Cafe\\u0301'", "'Caf\\xe9'", 5)],
    ),
    "experiment names unique, compatibility forms": (
        VALID_MANIFEST.replace("Default", "Profile").replace("Trading Cards", "PRO\ufb01LE"),
        [same_to_kfp(6, "'PRO\ufb01LE'", "'Profile'", 5)],
    ),
    "experiment names unique, every repeat": (
        VALID_MANIFEST.replace(
            "  - name: Default\n", "  - name: Sneakers\n  - name: sneakers\n"
        ).replace("Trading Cards", "SNEAKERS"),
        [
            same_to_kfp(6, "'sneakers'", "'Sneakers'", 5),
            same_to_kfp(7, "'SNEAKERS'", "'Sneakers'", 5),
        ],
    ),
    "experiment unknown key": (
        VALID_MANIFEST.replace("  - name: Default", "  - nam: Default"),
        [
            f"projects/demo.yml:5: experiments[0]: missing key 'name' — add it: "
            f"{EXPERIMENT_HINT}, e.g. Default",
            "projects/demo.yml:5: unknown key 'nam' — did you mean 'name'? Allowed keys: "
            "description, name",
        ],
    ),
    "owners required": (
        VALID_MANIFEST.split("owners:")[0],
        [
            "projects/demo.yml:1: missing key 'owners' — add it: list at least one owner, e.g. "
            '`- github: "@acme/price-ml"`; owners review every change to the project '
            "(CODEOWNERS)"
        ],
    ),
    "owners not empty": (
        VALID_MANIFEST.split("owners:")[0] + "owners: []\n",
        [
            "projects/demo.yml:8: owners is empty — list at least one owner, e.g. "
            '`- github: "@acme/price-ml"`; owners review every change to the project '
            "(CODEOWNERS)"
        ],
    ),
    "owner handle": (
        VALID_MANIFEST.replace('"@jdoe"', "jdoe"),
        [f"projects/demo.yml:10: owners[1].github 'jdoe' is not valid — {OWNER_HINT}"],
    ),
    "owner handle with a space": (
        VALID_MANIFEST.replace('"@jdoe"', '"@jdoe @evil"'),
        [f"projects/demo.yml:10: owners[1].github '@jdoe @evil' is not valid — {OWNER_HINT}"],
    ),
    "owner email without a domain": (
        VALID_MANIFEST.replace('"@jdoe"', "jdoe@localhost"),
        [f"projects/demo.yml:10: owners[1].github 'jdoe@localhost' is not valid — {OWNER_HINT}"],
    ),
    "owner email with a comment sign": (
        VALID_MANIFEST.replace('"@jdoe"', '"j#doe@example.com"'),
        [f"projects/demo.yml:10: owners[1].github 'j#doe@example.com' is not valid — {OWNER_HINT}"],
    ),
    "owner email and a handle together": (
        VALID_MANIFEST.replace('"@jdoe"', '"@jdoe jdoe@example.com"'),
        [
            "projects/demo.yml:10: owners[1].github '@jdoe jdoe@example.com' is not valid — "
            f"{OWNER_HINT}"
        ],
    ),
    "owners unique, ignoring case": (
        VALID_MANIFEST.replace('"@jdoe"', '"@ACME/demo-ml"'),
        [
            "projects/demo.yml:10: owner '@ACME/demo-ml' is listed twice (first at line 9) — "
            "keep one"
        ],
    ),
    "owner emails unique, ignoring case": (
        VALID_MANIFEST.replace('"@jdoe"', "jdoe@example.com")
        + '  - github: "@zed"\n  - github: JDoe@Example.COM\n',
        [
            "projects/demo.yml:12: owner 'JDoe@Example.COM' is listed twice (first at line 10) "
            "— keep one"
        ],
    ),
    "owner listed three times": (
        VALID_MANIFEST + '  - github: "@JDOE"\n  - github: "@jDoe"\n',
        [
            "projects/demo.yml:11: owner '@JDOE' is listed twice (first at line 10) — keep one",
            "projects/demo.yml:12: owner '@jDoe' is listed twice (first at line 10) — keep one",
        ],
    ),
    "owner unknown key": (
        VALID_MANIFEST.replace('  - github: "@jdoe"', '  - github: "@jdoe"\n    email: j@x.y'),
        ["projects/demo.yml:11: unknown key 'email' — remove it; allowed keys: github"],
    ),
    "unknown top-level key": (
        VALID_MANIFEST + "ownrs: []\n",
        [
            "projects/demo.yml:11: unknown key 'ownrs' — did you mean 'owners'? Allowed keys: "
            "components, description, experiments, kind, name, namespaces, notify, owners, "
            "polyaxon, schedules"
        ],
    ),
    "description must be text": (
        VALID_MANIFEST.replace("description: A demo project.", "description: 12"),
        [
            "projects/demo.yml:3: description must be text, not a number — one or two sentences "
            "on what the project does"
        ],
    ),
    "namespace value": (
        VALID_MANIFEST + "namespaces:\n  dev: Team_A\n",
        [
            "projects/demo.yml:12: namespaces.dev 'Team_A' is not valid — use a Kubernetes "
            "namespace name: lowercase letters, digits and inner hyphens, at most 63 characters"
        ],
    ),
    "namespace key": (
        VALID_MANIFEST + "namespaces:\n  Dev!: team-a\n",
        [
            "projects/demo.yml:12: namespace for environment 'Dev!', which environments.yml "
            "does not define — use one of dev, prod",
            "projects/demo.yml:12: namespaces: key 'Dev!' is not valid — use an environment "
            "name from environments.yml, e.g. dev",
        ],
    ),
    "components unique": (
        "".join(VALID_MANIFEST) + "components:\n  - trainer\n  - trainer\n",
        [
            "projects/demo.yml:12: component 'trainer' does not exist (no components/trainer/"
            "component.yaml) — fix the name or remove it from the list",
            "projects/demo.yml:13: components lists 'trainer' twice — keep one",
        ],
    ),
    "component name": (
        VALID_MANIFEST + "components:\n  - ../etc\n",
        [
            "projects/demo.yml:12: component '../etc' does not exist (no components/../etc/"
            "component.yaml) — fix the name or remove it from the list",
            "projects/demo.yml:12: components[0] '../etc' is not valid — use a folder name "
            "under components/: lowercase letters, digits and inner hyphens",
        ],
    ),
    "polyaxon needs enabled": (
        VALID_MANIFEST + "polyaxon:\n  project: demo\n",
        ["projects/demo.yml:11: polyaxon: missing key 'enabled' — add it: write true or false"],
    ),
    "polyaxon types and keys": (
        VALID_MANIFEST + "polyaxon:\n  enabled: 'yes'\n  colour: red\n",
        [
            "projects/demo.yml:12: polyaxon.enabled must be true or false, not text — write "
            "true or false",
            "projects/demo.yml:13: unknown key 'colour' — remove it; allowed keys: "
            "description, enabled, project, tags",
        ],
    ),
}


@pytest.mark.parametrize("case", list(SCHEMA_CASES), ids=list(SCHEMA_CASES))
def test_schema_rule(mini, case):
    manifest, expected = SCHEMA_CASES[case]
    assert sorted(problems_of(mini, manifest)) == sorted(expected)


def test_optional_sections_when_valid(mini):
    mini.component("trainer")
    manifest = VALID_MANIFEST + (
        "namespaces:\n  dev: team-demo\ncomponents:\n  - trainer\n"
        "polyaxon:\n  enabled: true\n  project: demo-explore\n  tags: [pricing, tabular]\n"
    )
    assert problems_of(mini, manifest) == []


def test_kfp_experiment_name_at_most_128_bytes(mini):
    name = "p" * 50
    manifest = VALID_MANIFEST.replace("name: demo", f"name: {name}").replace(
        "Trading Cards", "é" * 40
    )
    problems = problems_of(mini, manifest, name=name)
    assert problems == [
        f"projects/{name}.yml:6: the KFP experiment name '{name}/{'é' * 40}' is over 128 bytes "
        "— shorten the experiment name"
    ]


# --- cross-checks ----------------------------------------------------------------------------


def test_a_file_name_that_is_no_project_name_is_not_offered_as_the_name(mini):
    # The fix used to say "set name: Bad Name", which is itself invalid.
    mini.write("projects/Bad Name.yml", VALID_MANIFEST)
    mini.project("demo")
    problems = [str(p) for p in manifest_problems(Repo(mini.root)) if "Bad Name" in p.path]
    assert problems == [
        "projects/Bad Name.yml:2: name 'demo' differs from the file name 'Bad Name' — rename the "
        "file to projects/demo.yml"
    ]


def test_pipelines_folder_without_manifest(mini):
    mini.project("demo")
    (mini.root / "pipelines" / "orphan").mkdir()
    assert [str(p) for p in manifest_problems(Repo(mini.root))] == [
        "pipelines/orphan: no manifest for this pipelines folder — add projects/orphan.yml "
        "(copy an existing manifest and set its name, experiments and owners) or move the "
        "pipelines into an existing project"
    ]
    # The hint named `new-project orphan`, which refuses because pipelines/orphan exists.
    assert "new-project" not in str(manifest_problems(Repo(mini.root)))


def test_manifest_without_pipelines_folder(mini):
    mini.write("projects/demo.yml", VALID_MANIFEST)
    assert [str(p) for p in manifest_problems(Repo(mini.root))] == [
        "projects/demo.yml:2: there is no pipelines/demo/ folder — create it with the project's "
        "first pipeline, pipelines/demo/<pipeline>.py"
    ]


def test_owned_component_must_exist_and_have_one_owner(mini):
    mini.component("trainer")
    mini.project("alpha", VALID_MANIFEST.replace("demo", "alpha") + "components:\n  - trainer\n")
    mini.project("beta", VALID_MANIFEST.replace("demo", "beta") + "components:\n  - trainer\n")
    assert [str(p) for p in manifest_problems(Repo(mini.root))] == [
        "projects/beta.yml:12: component 'trainer' is already owned by projects/alpha.yml "
        "(line 12) — a component has one owning project; remove it from one of the lists"
    ]


def test_two_manifests_for_one_project(mini):
    mini.project("demo")
    mini.write("projects/demo.yaml", VALID_MANIFEST)
    assert [str(p) for p in manifest_problems(Repo(mini.root))] == [
        "projects/demo.yml: a second manifest for project 'demo' (also projects/demo.yaml) — "
        "keep one file"
    ]


def test_every_manifest_is_checked_in_one_pass(mini):
    mini.project("alpha", VALID_MANIFEST.replace("demo", "alpha").replace("kind: Project", "x: 1"))
    mini.project("beta", "kind: Project\nname: beta\n  bad: indent\n")
    mini.project("gamma")
    problems = [str(p) for p in manifest_problems(Repo(mini.root))]
    assert [p.split(":")[0] for p in problems] == [
        "projects/alpha.yml",
        "projects/alpha.yml",
        "projects/beta.yml",
    ]


# --- the Project API -------------------------------------------------------------------------


def test_load_projects_gives_the_values(mini):
    mini.project("zeta")
    mini.project("demo", VALID_MANIFEST + "namespaces:\n  prod: demo-prod\n")
    projects = load_projects(Repo(mini.root))
    assert [p.name for p in projects] == ["demo", "zeta"]
    demo = projects[0]
    assert demo.description == "A demo project."
    assert demo.experiments == (
        Experiment("Default", ""),
        Experiment("Trading Cards", "Cards only."),
    )
    assert [tuple(e) for e in demo.experiments] == [
        ("Default", ""),
        ("Trading Cards", "Cards only."),
    ]
    assert demo.owners == ("@acme/demo-ml", "@jdoe")
    assert demo.kfp_experiment_names() == ["demo/Default", "demo/Trading Cards"]
    assert demo.namespace_for("prod", "shared") == "demo-prod"
    assert demo.namespace_for("dev", "shared") == "shared"
    assert demo.components == () and demo.polyaxon is None
    assert demo.manifest_path == "projects/demo.yml"
    assert demo.pipelines_dir == "pipelines/demo"


def test_load_projects_refuses_invalid_manifests(mini):
    mini.project("demo", VALID_MANIFEST.replace("kind: Project", "kind: Projet"))
    with pytest.raises(ProblemsFound) as caught:
        load_projects(Repo(mini.root))
    assert [p.line for p in caught.value.problems()] == [1]


def test_load_project_by_name(mini):
    mini.project("demo")
    assert load_project(Repo(mini.root), "demo").name == "demo"
    with pytest.raises(UsageError, match=r"no project 'nope' — use one of: demo"):
        load_project(Repo(mini.root), "nope")


def test_reading_without_validation_does_not_import_jsonschema(mini):
    """The post-generation hook's Python may lack jsonschema: reading must not need it."""
    mini.project("demo")
    code = (
        "import sys; sys.modules['jsonschema'] = None\n"
        "from pathlib import Path\n"
        "from scripts.repo.manifests import load_projects\n"
        "from scripts.repo.model import Repo\n"
        f"print([p.name for p in load_projects(Repo(Path({str(mini.root)!r})), validate=False)])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert (result.returncode, result.stdout) == (0, "['demo']\n"), result.stderr


def test_the_schema_and_the_code_agree_on_names():
    schema = json.loads((REPO_ROOT / "schemas" / "project.schema.json").read_text())
    assert schema["properties"]["name"]["pattern"] == PROJECT_NAME.pattern
    owner = schema["properties"]["owners"]["items"]["properties"]["github"]
    assert owner["pattern"] == OWNER.pattern
    # OWNER is the two forms CODEOWNERS takes, nothing more.
    assert OWNER.pattern == f"^(?:{OWNER_HANDLE.pattern[1:-1]}|{OWNER_EMAIL.pattern[1:-1]})$"


def test_the_repository_manifests_are_valid():
    from scripts.repo.manifests import manifest_document_problems, read_manifest
    from scripts.repo.schemas import load_schema

    repo = Repo(REPO_ROOT)
    schema = load_schema(REPO_ROOT, "project.schema.json")
    for path in repo.manifest_paths():
        document = read_manifest(repo, path)
        assert manifest_document_problems(document, stem=path.stem, schema=schema) == []


# --- owners as GitHub compares them, names as KFP's database compares them --------------------


def test_every_owner_form_codeowners_takes_is_valid(mini):
    manifest = VALID_MANIFEST + (
        "  - github: jdoe@example.com\n"
        '  - github: "first.last+ci@mail.example.co.uk"\n'
        '  - github: "@Acme-Corp/ML.Team_1"\n'
    )
    assert problems_of(mini, manifest) == []
    assert load_project(Repo(mini.root), "demo").owners == (
        "@acme/demo-ml",
        "@jdoe",
        "jdoe@example.com",
        "first.last+ci@mail.example.co.uk",
        "@Acme-Corp/ML.Team_1",
    )


def test_owners_read_without_validation_drop_case_repeats_keeping_the_first_spelling(mini):
    mini.project("demo", VALID_MANIFEST + '  - github: "@JDoe"\n  - github: "@ACME/Demo-ML"\n')
    project = load_projects(Repo(mini.root), validate=False)[0]
    assert project.owners == ("@acme/demo-ml", "@jdoe")


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("Sneakers", "sneakers"),
        ("Sneakers", "SNEAKERS"),
        ("Caf\u00e9", "Cafe\u0301"),  # composed and decomposed
        ("Café", "Cafe"),  # accents
        ("Straße", "STRASSE"),  # casefold, not lower
        ("\ufb01le", "file"),  # a compatibility ligature
        ("\uff24efault", "Default"),  # fullwidth
    ],
)
def test_collation_key_equal_for_names_the_database_calls_equal(name, other):
    assert collation_key(name) == collation_key(other)


@pytest.mark.parametrize(
    ("name", "other"),
    [("Sneakers", "Sneaker"), ("Trading Cards", "Trading-Cards"), ("a b", "ab"), ("1", "2")],
)
def test_collation_key_differs_for_different_names(name, other):
    assert collation_key(name) != collation_key(other)


def test_unique_owners_ignores_case_and_keeps_the_first_spelling():
    owners = ["@Acme/ML", "@jdoe", "@acme/ml", "JDoe@Example.com", "@JDOE", "jdoe@example.com"]
    assert unique_owners(owners) == ("@Acme/ML", "@jdoe", "JDoe@Example.com")
