"""The tinyconf example (a Python library packaged with pybuild and an rpm spec): its git
repositories are made reproducibly, its packaging parses with the real libraries and
declares what the code uses, and its snapshot version is the one the jobs compute. Nothing
is built here (the bench's deb_python section builds it)."""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest
import rpm
import tomllib
from ansible.module_utils.zuul_packaging import packaging_version as pv
from debian.changelog import Changelog
from debian.deb822 import PkgRelation, Sources
from debian.debian_support import version_compare
from specfile import Specfile

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "tinyconf"
REPOS = ("upstream", "distgit-deb", "distgit-rpm")
# the upstream's third-party imports and the Debian package each comes from
IMPORTED = {
    "attrs": "python3-attr",
    "click": "python3-click",
    "packaging": "python3-packaging",
    "platformdirs": "python3-platformdirs",
    "tomli_w": "python3-tomli-w",
    "yaml": "python3-yaml",
    "hypothesis": "python3-hypothesis",
    "pytest": "python3-pytest",
    "sphinx": "python3-sphinx",
    # docs/conf.py loads these by name, the tests use pytest-mock's fixture
    "sphinx_click": "python3-sphinx-click",
    "sphinx_rtd_theme": "python3-sphinx-rtd-theme",
    "pytest_mock": "python3-pytest-mock",
}
# the same packages under Fedora's names in the spec
FEDORA = {
    "python3-attr": "python3-attrs",
    "python3-yaml": "python3-pyyaml",
    "python3-sphinx-rtd-theme": "python3-sphinx_rtd_theme",
}


def make_repos(dest):
    subprocess.run([str(ROOT / "examples" / "make-repos.sh"), str(dest), "tinyconf"],
                   check=True, capture_output=True)
    return dest


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          text=True).stdout.strip()


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    return make_repos(tmp_path_factory.mktemp("tinyconf"))


def build_depends():
    with open(EXAMPLE / "distgit-deb" / "debian" / "control") as handle:
        source = next(Sources.iter_paragraphs(handle, use_apt_pkg=False))
    relations = PkgRelation.parse_relations(source["Build-Depends"].rstrip().rstrip(","))
    return [alternatives[0] for alternatives in relations]


def test_repositories_are_reproducible(example, tmp_path):
    again = make_repos(tmp_path / "again")
    for name in REPOS:
        assert git(example / name, "rev-parse", "HEAD") == git(again / name, "rev-parse", "HEAD")
    assert git(example / "upstream", "describe", "--tags").startswith("v1.2.0-1-g")
    assert git(example / "upstream", "status", "--porcelain") == ""


def test_build_depends_are_many_and_used():
    depends = build_depends()
    names = [dep["name"] for dep in depends]
    assert len(names) >= 15, names
    assert {"debhelper-compat", "dh-python", "pybuild-plugin-pyproject", "python3-sphinx",
            "python3-sphinx-rtd-theme", "python3-pytest-mock"} <= set(names)
    # every third-party module the code, tests and docs import is a build dependency
    imported = set()
    for path in (EXAMPLE / "upstream").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
            elif isinstance(node, ast.Assign) and path.name == "conf.py":
                if node.targets[0].id in ("extensions", "html_theme"):
                    value = ast.literal_eval(node.value)
                    listed = [value] if isinstance(value, str) else value
                    imported.update(name.split(".")[0] for name in listed)
            elif isinstance(node, ast.FunctionDef) and "mocker" in [
                    arg.arg for arg in node.args.args]:
                imported.add("pytest_mock")
    assert set(IMPORTED) <= imported, sorted(set(IMPORTED) - imported)
    assert {IMPORTED[module] for module in IMPORTED} <= set(names)
    # the test-only ones are left out by the nocheck profile
    restricted = {dep["name"]: dep["restrictions"] for dep in depends if dep["restrictions"]}
    assert set(restricted) == {"python3-hypothesis", "python3-pytest", "python3-pytest-mock",
                               "python3-sphinx-rtd-theme"}


def test_spec_matches_upstream_and_debian():
    upstream = tomllib.loads((EXAMPLE / "upstream" / "pyproject.toml").read_text())["project"]
    spec = Specfile(EXAMPLE / "distgit-rpm" / "python-tinyconf.spec",
                    sourcedir=EXAMPLE / "distgit-rpm")
    assert spec.expanded_version == upstream["version"] == "1.2.0"
    with open(EXAMPLE / "distgit-deb" / "debian" / "changelog") as handle:
        assert Changelog(handle).upstream_version == upstream["version"]
    with spec.sections() as sections:
        preamble = "\n".join(sections.package)
    build_requires = {line.split(":", 1)[1].strip() for line in preamble.splitlines()
                      if line.startswith("BuildRequires:")}
    debian = {FEDORA.get(dep["name"], dep["name"]) for dep in build_depends()
              if dep["name"].startswith("python3-") and dep["name"] != "python3-all"}
    assert debian <= build_requires, sorted(debian - build_requires)
    with spec.sections() as sections:
        subpackage = "\n".join(sections.get("package -n python3-%{pypi_name}"))
    requires = {line.split(":", 1)[1].strip() for line in subpackage.splitlines()
                if line.startswith("Requires:")}
    assert len(requires) == len(upstream["dependencies"])


def test_snapshot_version(example):
    facts = pv.compute(str(example / "upstream"), str(example / "distgit-deb"))
    short = git(example / "upstream", "rev-parse", "HEAD")[:8]
    dshort = git(example / "distgit-deb", "rev-parse", "HEAD")[:8]
    assert facts["upstream_tag"] == "v1.2.0"
    assert facts["deb_version"] == "1.2.0+git1.%s-1.g%s" % (short, dshort)
    assert facts["rpm_version"] == "1.2.0^git1.%s" % short
    # the snapshot sorts after the release the distgits package, and before the next one
    assert version_compare(facts["deb_version"], "1.2.0-1") > 0
    assert version_compare(facts["deb_version"], "1.2.1-1") < 0
    snapshot = ("0", facts["rpm_version"], facts["rpm_release"])
    assert rpm.labelCompare(snapshot, ("0", "1.2.0", "1")) > 0
    assert rpm.labelCompare(snapshot, ("0", "1.2.1", "1")) < 0
