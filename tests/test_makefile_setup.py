"""The generated Makefile's `make setup`: the right Python, a stamp of the dependencies, clean.

Each test bakes a repo (tools/bake.py) for Python 3.12 or 3.13 and runs `make` with a PATH the
test controls: stand-in interpreters plus the few tools the Makefile calls, so the Pythons
installed here never decide the outcome. The stand-in for Python 3.X is a shell script that runs
this machine's Python with ``sys.version_info`` set to 3.X; `python3.X -m venv DIR` makes a venv
whose `bin/python` is the stand-in again. `python3` is a stand-in for 3.11, older than the repo
needs. One more test uses a real newer Python where this machine has one. The install step is a
recorder (PIP_INSTALL), so no test downloads anything;
tests/test_generated_suite.py::test_make_setup_and_make_test_right_after_generation (slow)
runs the real install.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TEMPLATE

_spec = importlib.util.spec_from_file_location("bake", TEMPLATE / "tools" / "bake.py")
bake_tool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bake_tool)

MAKE = shutil.which("make")
pytestmark = pytest.mark.skipif(MAKE is None, reason="make is not installed")

# The Python the stand-ins run (the template's tests need 3.11+, so it has tomllib).
REAL_PYTHON = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
# The repo's Python in these tests, and the older one `python3` stands for.
NEWER_VERSIONS = ["3.12", "3.13"]
OLD_VERSION = "3.11"
# What the Makefile's recipes call besides Python (SHELL is /bin/bash, by absolute path).
TOOLS = ("sed", "cat", "rm", "touch")
STAMP = ".venv/.setup-dependencies"

FAKE_PYTHON = """#!/bin/sh
# A stand-in for Python {version}: {real} reporting version {version}.
if [ "$1" = -m ] && [ "$2" = venv ]; then
    shift 2
    "{real}" -m venv --without-pip "$@" || exit 1
    for venv; do :; done
    {ln} -sf "{self}" "$venv/bin/python"
    exit 0
fi
PYTHONPATH="{site}" exec "{real}" "$@"
"""
FAKE_VERSION = """import collections
import sys

VersionInfo = collections.namedtuple("version_info", "major minor micro releaselevel serial")
sys.version_info = VersionInfo({major}, {minor}, 0, "final", 0)
"""


def fake_python(bin_dir: Path, version: str, name: str = "") -> Path:
    """``bin_dir/python{version}`` (or ``name``): the stand-in interpreter described above."""
    bin_dir.mkdir(parents=True, exist_ok=True)
    site = bin_dir.parent / f"site-{version}"
    site.mkdir(exist_ok=True)
    major, minor = version.split(".")
    (site / "sitecustomize.py").write_text(FAKE_VERSION.format(major=major, minor=minor))
    path = bin_dir / (name or f"python{version}")
    path.write_text(
        FAKE_PYTHON.format(
            version=version, real=REAL_PYTHON, site=site, self=path, ln=shutil.which("ln")
        )
    )
    path.chmod(0o755)
    return path


def tools_dir(root: Path) -> Path:
    tools = root / "tools-bin"
    tools.mkdir(exist_ok=True)
    for tool in TOOLS:
        (tools / tool).symlink_to(shutil.which(tool))
    return tools


def old_python3(bin_dir: Path) -> Path:
    """``bin_dir/python3``: a Python older than the repo needs."""
    return fake_python(bin_dir, OLD_VERSION, name="python3")


def make(repo: Path, *args: str, path: list[Path], **variables: str):
    command = [MAKE, "--no-print-directory", *args, *(f"{k}={v}" for k, v in variables.items())]
    environment = {"PATH": os.pathsep.join(map(str, path)), "HOME": str(repo.parent)}
    return subprocess.run(
        command, cwd=repo, env=environment, capture_output=True, text=True, check=False
    )


def recorder(log: Path) -> str:
    """A PIP_INSTALL that only notes that it ran."""
    return f"echo installed >> {log}"


def installs(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def venv_version(repo: Path) -> str:
    result = subprocess.run(
        [repo / ".venv/bin/python", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def dependencies_hash(repo: Path) -> str:
    """What the Makefile records: computed by the Makefile's own code, run here."""
    code = next(
        line.split(":=", 1)[1].strip()
        for line in (repo / "Makefile").read_text().splitlines()
        if line.startswith("DEPENDENCIES_HASH :=")
    )
    return subprocess.run(
        [REAL_PYTHON, "-c", code], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def baked(tmp_path):
    """A function baking a repo for a Python version into its own folder."""

    def bake_for(version: str) -> Path:
        return bake_tool.bake(tmp_path / f"out-{version}", {"python_version": version})

    return bake_for


@pytest.mark.parametrize("version", NEWER_VERSIONS)
@pytest.mark.parametrize("how", ["python3.X on the PATH", "PYTHON=..."])
def test_a_venv_of_the_wrong_python_is_recreated(tmp_path, baked, version, how):
    repo = baked(version)
    bin_dir, log = tmp_path / "bin", tmp_path / "installs.log"
    # What the old `make setup` left: .venv made by python3, installed.
    subprocess.run([old_python3(bin_dir), "-m", "venv", ".venv"], cwd=repo, check=True)
    assert venv_version(repo) == OLD_VERSION
    (repo / STAMP).write_text(dependencies_hash(repo) + "\n")
    if how == "PYTHON=...":  # not on the PATH: found only because it is named
        python = fake_python(tmp_path / "elsewhere", version)
        variables = {"PYTHON": str(python)}
    else:
        python = fake_python(bin_dir, version)
        variables = {}

    result = make(
        repo, "setup", path=[bin_dir, tools_dir(tmp_path)], PIP_INSTALL=recorder(log), **variables
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        f".venv's Python ({OLD_VERSION}.0) does not satisfy requires-python >={version}: "
        f"recreating .venv with {python if variables else python.name}"
    ) in result.stdout
    assert venv_version(repo) == version
    assert (repo / ".venv/bin/python").resolve() == python
    assert installs(log) == 1, "the new .venv is installed"
    assert (repo / STAMP).read_text().strip() == dependencies_hash(repo)


def test_no_matching_python_is_one_line_saying_what_is_needed(tmp_path, baked):
    version = NEWER_VERSIONS[0]
    repo = baked(version)
    bin_dir = tmp_path / "bin"
    old_python3(bin_dir)  # the only Python on the PATH, and too old

    result = make(repo, "setup", path=[bin_dir, tools_dir(tmp_path)], PIP_INSTALL="false")

    assert result.returncode != 0
    assert result.stdout == ""
    ours = [line for line in result.stderr.splitlines() if not line.startswith("make: *** ")]
    assert len(ours) == 1, result.stderr
    assert ours[0] == (
        f"ERROR: this repo needs Python {version} or newer (requires-python in pyproject.toml) "
        f"and found none: python{version} (not found), python3 ({OLD_VERSION}.0) — "
        f"install Python {version}, or point at one: make setup PYTHON=/path/to/python{version}"
    )
    assert not (repo / ".venv").exists()


def test_a_named_python_of_the_wrong_version_is_refused_in_one_line(tmp_path, baked):
    version = NEWER_VERSIONS[0]
    repo = baked(version)
    python = old_python3(tmp_path / "bin")

    result = make(repo, "setup", path=[tools_dir(tmp_path)], PYTHON=str(python))

    ours = [line for line in result.stderr.splitlines() if not line.startswith("make: *** ")]
    assert result.returncode != 0
    assert len(ours) == 1, result.stderr
    assert ours[0].startswith(f"ERROR: this repo needs Python {version} or newer")
    assert f"found none: {python} ({OLD_VERSION}.0) — " in ours[0]
    assert not (repo / ".venv").exists()


def test_the_stamp_reinstalls_only_when_the_dependencies_change(tmp_path, baked):
    version = NEWER_VERSIONS[0]
    repo = baked(version)
    bin_dir, log = tmp_path / "bin", tmp_path / "installs.log"
    old_python3(bin_dir)
    python = fake_python(bin_dir, version)
    path = [bin_dir, tools_dir(tmp_path)]
    watched = [python, REAL_PYTHON.resolve()]  # what .venv/bin/python leads to
    mtimes = [p.stat().st_mtime_ns for p in watched]
    pyproject = repo / "pyproject.toml"

    def setup(*goals: str) -> str:
        result = make(repo, *(goals or ("setup",)), path=path, PIP_INSTALL=recorder(log))
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    setup()
    assert installs(log) == 1
    assert (repo / ".venv/bin/python").resolve() == python

    assert "up to date" in setup()
    assert installs(log) == 1, "make setup twice installs once"

    pyproject.write_text(pyproject.read_text().replace("line-length = 100", "line-length = 99"))
    assert "up to date" in setup()
    assert installs(log) == 1, "a change outside the dependencies does not reinstall"

    pyproject.write_text(pyproject.read_text().replace('"pyyaml==6.0.3"', '"pyyaml==6.0.2"'))
    future = (repo / STAMP).stat().st_mtime + 10  # newer than the stamp, whatever the clock
    os.utime(pyproject, (future, future))
    setup(STAMP)  # what every other target depends on
    assert installs(log) == 2, "a dependency change reinstalls, from any target"
    assert (repo / STAMP).read_text().strip() == dependencies_hash(repo)

    optional = '"pytest==9.2.0",'
    pyproject.write_text(pyproject.read_text().replace(optional, optional + ' "rich==14.0.0",'))
    setup()
    assert installs(log) == 3, "so does a change of the optional (dev) dependencies"

    assert [p.stat().st_mtime_ns for p in watched] == mtimes, "the Python's mtime is untouched"


def test_a_failed_install_leaves_no_stamp_so_the_next_setup_retries(tmp_path, baked):
    version = NEWER_VERSIONS[0]
    repo = baked(version)
    bin_dir, log = tmp_path / "bin", tmp_path / "installs.log"
    fake_python(bin_dir, version)
    path = [bin_dir, tools_dir(tmp_path)]

    failed = make(repo, "setup", path=path, PIP_INSTALL="false")
    assert failed.returncode != 0
    assert not (repo / STAMP).exists()

    retried = make(repo, "setup", path=path, PIP_INSTALL=recorder(log))
    assert retried.returncode == 0, retried.stderr
    assert installs(log) == 1


def test_a_real_newer_python_on_the_path_builds_the_venv(tmp_path, baked):
    """The same with a real interpreter, where this machine has one (pyenv, uv or the PATH)."""
    version = NEWER_VERSIONS[0]
    real = find_real_python(version)
    if real is None:
        pytest.skip(f"no real Python {version} here; the stand-in tests cover the Makefile")
    repo = baked(version)
    bin_dir, log = tmp_path / "bin", tmp_path / "installs.log"
    old_python3(bin_dir)
    (bin_dir / f"python{version}").symlink_to(real)

    result = make(repo, "setup", path=[bin_dir, tools_dir(tmp_path)], PIP_INSTALL=recorder(log))

    assert result.returncode == 0, result.stdout + result.stderr
    assert venv_version(repo) == version
    assert installs(log) == 1


def find_real_python(version: str) -> Path | None:
    candidates = [shutil.which(f"python{version}")]
    for pattern in (f".pyenv/versions/{version}*/bin", f".local/share/uv/python/*-{version}*/bin"):
        candidates += [str(p / f"python{version}") for p in sorted(Path.home().glob(pattern))]
    for candidate in filter(None, candidates):
        check = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if check.returncode == 0 and check.stdout.strip() == version:
            return Path(candidate)
    return None


def test_make_clean_removes_build_and_caches_and_keeps_the_venv(tmp_path, baked):
    repo = baked(NEWER_VERSIONS[0])
    leftovers = ["build/compile.json", ".pytest_cache/x", ".ruff_cache/x", "scripts/__pycache__/x"]
    kept = [".venv/bin/python", ".venv/lib/__pycache__/x"]
    for relative in leftovers + kept:
        (repo / relative).parent.mkdir(parents=True, exist_ok=True)
        (repo / relative).write_text("")

    result = subprocess.run(
        [MAKE, "--no-print-directory", "clean"], cwd=repo, capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr
    assert [r for r in leftovers if (repo / r).exists()] == []
    assert [r for r in kept if not (repo / r).exists()] == []
    assert "rm -rf .venv" in result.stdout.splitlines()[-1]
