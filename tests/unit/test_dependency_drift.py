"""dependency_drift on a small Python upstream that adds one requirement and drops another
between two commits, against a spec (read by rpm's spec parser) and a debian/control (read
by python-debian); the proposed patches apply with `patch --dry-run` to this test's distgits
and to the example's, and once applied leave nothing missing."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import dependency_drift as dd
import pytest
from ansible.module_utils.zuul_packaging import drift

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "greeter"

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "greeter"
version = "0.1.0"
dependencies = [%s]
"""

SPEC = """\
Name:           greeter
Version:        0.1.0
Release:        1%{?dist}
Summary:        Print a greeting
License:        MIT
BuildArch:      noarch
BuildRequires:  python3-setuptools >= 61
Requires:       python3-requests >= 2.20
Requires:       python3-pyyaml

%description
Print a greeting.

%files
"""

CONTROL = """\
Source: greeter
Maintainer: Greeter Packagers <packagers@greeter.example>
Build-Depends: debhelper-compat (= 13), python3-setuptools (>= 61)

Package: greeter
Architecture: all
Depends: ${misc:Depends}, python3-requests (>= 2.25), python3-yaml
Description: print a greeting
 Print a greeting.
"""


@pytest.fixture
def upstream(make_repo):
    """An upstream whose second commit adds click and drops PyYAML; at its first commit."""
    repo = make_repo("upstream")
    first = repo.commit(
        "Requests and YAML", {"pyproject.toml": PYPROJECT % '"requests>=2.25", "PyYAML"'}
    )
    repo.commit(
        "Click instead of YAML", {"pyproject.toml": PYPROJECT % '"requests>=2.25", "click>=8.0"'}
    )
    repo.checkout(first)
    return repo


@pytest.fixture
def distgits(tmp_path):
    rpm_dir, deb_dir = tmp_path / "distgit-rpm", tmp_path / "distgit-deb"
    rpm_dir.mkdir()
    (deb_dir / "debian").mkdir(parents=True)
    (rpm_dir / "greeter.spec").write_text(SPEC)
    (deb_dir / "debian" / "control").write_text(CONTROL)
    return rpm_dir, deb_dir


def params(upstream, rpm_dir, deb_dir, tmp_path, **extra):
    values = {
        "upstream_path": str(upstream),
        "spec": str(rpm_dir),
        "control": str(deb_dir),
        "mapping": {},
        "deb_dist": "ubuntu",
        "rpm_dist": "fedora",
        "work_dir": str(tmp_path / "work"),
        "report_dir": str(tmp_path / "report"),
        "fail_on": "none",
    }
    values.update(extra)
    return values


def dry_run(patch, distgit):
    proc = subprocess.run(
        ["patch", "--dry-run", "--batch", "-p1", "-d", str(distgit), "-i", str(patch)],
        capture_output=True,
        text=True,
        check=False,
    )
    return proc.returncode, proc.stdout + proc.stderr


def test_first_commit_only_a_version_differs(upstream, distgits, tmp_path):
    rpm_dir, deb_dir = distgits
    result = dd.run(params(upstream, rpm_dir, deb_dir, tmp_path))
    assert result["messages"] == [
        "rpm: the upstream requires requests>=2.25, the spec's"
        " Requires has python3-requests (>= 2.20)"
    ]
    assert result["patches"] == {} and result["counts"]["version"] == 1


def test_second_commit_adds_and_drops_a_requirement(upstream, distgits, tmp_path):
    upstream.checkout("main")
    rpm_dir, deb_dir = distgits
    result = dd.run(params(upstream, rpm_dir, deb_dir, tmp_path, fail_on="missing"))
    assert sorted(result["messages"]) == sorted(
        [
            "rpm: the upstream requires click>=8.0, the spec has"
            " no Requires for it (python3-click)",
            "rpm: the upstream requires requests>=2.25, the spec's"
            " Requires has python3-requests (>= 2.20)",
            "rpm: the spec requires python3-pyyaml (pyyaml), which the upstream does not require",
            "deb: the upstream requires click>=8.0, debian/control"
            " has no Depends for it (python3-click)",
            "deb: debian/control depends on python3-yaml (pyyaml),"
            " which the upstream does not require",
        ]
    )
    assert result["gate"] is True
    report = tmp_path / "report"
    assert json.loads((report / "drift-report.json").read_text())["counts"] == {
        "missing": 2,
        "extra": 2,
        "version": 1,
        "unmapped": 0,
    }
    assert "+Requires:       python3-click &gt;= 8.0" in (report / "drift-report.html").read_text()
    for fmt, distgit in (("rpm", rpm_dir), ("deb", deb_dir)):
        code, output = dry_run(report / ("drift-%s.patch" % fmt), distgit)
        assert code == 0, output
    assert (
        "+Depends: ${misc:Depends}, python3-requests (>= 2.25),"
        " python3-yaml, python3-click (>= 8.0)" in (report / "drift-deb.patch").read_text()
    )
    # applied, the patches leave nothing missing, and rpm still parses the spec
    for fmt, distgit in (("rpm", rpm_dir), ("deb", deb_dir)):
        subprocess.run(
            [
                "patch",
                "--batch",
                "-p1",
                "-d",
                str(distgit),
                "-i",
                str(report / ("drift-%s.patch" % fmt)),
            ],
            check=True,
            capture_output=True,
        )
    again = dd.run(params(upstream, rpm_dir, deb_dir, tmp_path / "again"))
    assert again["counts"]["missing"] == 0 and again["patches"] == {}


def test_patch_applies_to_the_example_distgits(upstream, tmp_path):
    """Every requirement is missing from the example's packaging (a shell script): the patches
    add them, and apply cleanly to examples/greeter's distgits."""
    upstream.checkout("main")
    result = dd.run(params(upstream, EXAMPLE / "distgit-rpm", EXAMPLE / "distgit-deb", tmp_path))
    assert result["counts"]["missing"] == 6  # requests, click, setuptools in both formats
    for fmt, distgit in (("rpm", EXAMPLE / "distgit-rpm"), ("deb", EXAMPLE / "distgit-deb")):
        code, output = dry_run(tmp_path / "report" / ("drift-%s.patch" % fmt), distgit)
        assert code == 0, output
        assert output.startswith("checking file "), output
    assert "+BuildRequires:  python3-setuptools >= 61" in result["patches"]["rpm"]


def test_team_mapping_and_python3_depends(upstream, distgits, tmp_path):
    """A mapped name counts as its upstream; ${python3:Depends} leaves the deb's runtime out."""
    upstream.checkout("main")
    rpm_dir, deb_dir = distgits
    (deb_dir / "debian" / "control").write_text(
        CONTROL.replace(", python3-yaml", ", ${python3:Depends}")
    )
    mapping = {"click": {"rpm": ["python3-click8"]}}
    spec = SPEC.replace(
        "Requires:       python3-pyyaml\n", "Requires:       python3-click8 >= 8.0\n"
    )
    (rpm_dir / "greeter.spec").write_text(spec)
    result = dd.run(params(upstream, rpm_dir, deb_dir, tmp_path, mapping=mapping))
    assert not any("click" in m for m in result["messages"]), result["messages"]
    assert result["notes"] == [
        "debian/control takes runtime dependencies from ${python3:Depends} (dh_python3 reads the "
        "upstream's): runtime requirements not compared"
    ]


def test_setup_cfg_and_requirements_txt(tmp_path):
    up = tmp_path / "up"
    up.mkdir()
    (up / "setup.cfg").write_text(
        "[options]\ninstall_requires =\n    six>=1.10\n    enum34; python_version < '3.4'\n"
        "setup_requires = pbr>=2.0\n"
    )
    (up / "requirements.txt").write_text("# pins\n-r other.txt\nrequests>=2.0 # http\nsix\n")
    found = drift.upstream_requirements(str(up))
    assert [str(r) for r in found["runtime"]] == ["six>=1.10", "requests>=2.0"]
    assert [str(r) for r in found["build"]] == ["pbr>=2.0"]
    assert found["sources"] == ["setup.cfg", "requirements.txt"]


def fails_in_one_line(tmp_path, distgits, files, message):
    """An upstream holding files: the drift run fails with one line matching message."""
    up = tmp_path / "bad"
    up.mkdir()
    for name, text in files.items():
        (up / name).write_text(text)
    rpm_dir, deb_dir = distgits
    with pytest.raises(drift.DriftError, match=message) as info:
        dd.run(params(up, rpm_dir, deb_dir, tmp_path))
    assert "\n" not in str(info.value).replace(str(up), "")


@pytest.mark.parametrize(
    "files, message",
    [
        ({"pyproject.toml": "[project\n"}, r"^pyproject.toml is not readable TOML"),
        (
            {"requirements.txt": "requests >>= 2\n"},
            r"^requirements.txt: 'requests >>= 2' is not a requirement",
        ),
    ],
)
def test_bad_upstream_files_fail_in_one_line(tmp_path, distgits, files, message):
    fails_in_one_line(tmp_path, distgits, files, message)


def test_distgit_without_spec(tmp_path, distgits):
    empty = tmp_path / "empty"
    empty.mkdir()
    up = tmp_path / "up"
    up.mkdir()
    with pytest.raises(drift.DriftError, match=r"has no .spec files: name the spec$"):
        dd.run(params(up, empty, "", tmp_path))


def test_no_requirements_declared(tmp_path, distgits):
    rpm_dir, deb_dir = distgits
    up = tmp_path / "up"
    shutil.copytree(EXAMPLE / "upstream", up)
    result = dd.run(params(up, rpm_dir, deb_dir, tmp_path))
    assert result["differences"] == [] and result["message"] == "dependency drift: none"
    assert result["notes"][0].startswith("the upstream declares no requirements")


# ---------------------------------------------------------------- other ecosystems

PACKAGE_JSON = """\
{
  "name": "greeter-web",
  "version": "1.4.0",
  "description": "Print a greeting over HTTP",
  "main": "index.js",
  "scripts": {"test": "mocha test/"},
  "license": "MIT",
  "dependencies": {
%s
  },
  "devDependencies": {
    "mocha": "^10.2.0"
  }
}
"""

NODE_SPEC = """\
Name:           greeter-web
Version:        1.4.0
Release:        1%{?dist}
Summary:        Print a greeting over HTTP
License:        MIT
BuildArch:      noarch
BuildRequires:  nodejs-packaging
Requires:       nodejs-express
Requires:       nodejs-yaml

%description
Print a greeting over HTTP.

%files
"""

NODE_CONTROL = """\
Source: greeter-web
Maintainer: Greeter Packagers <packagers@greeter.example>
Build-Depends: debhelper-compat (= 13), dh-sequence-nodejs

Package: greeter-web
Architecture: all
Depends: ${misc:Depends}, nodejs:any, node-express (>= 4.18), node-yaml
Description: print a greeting over HTTP
 Print a greeting over HTTP.
"""

# the team's mapping file: npm names to each family's packages (mocha left out)
NODE_MAPPING = {
    "npm:express": {"deb": ["node-express"], "rpm": ["nodejs-express"]},
    "npm:yaml": {"deb": ["node-yaml"], "rpm": ["nodejs-yaml"]},
    "npm:commander": {"deb": ["node-commander"], "rpm": ["nodejs-commander"]},
}


@pytest.fixture
def node_upstream(make_repo, tmp_path):
    """A Node upstream whose second commit adds commander and drops yaml, and its distgits."""
    repo = make_repo("node-upstream")
    first = repo.commit("Express and YAML", {
        "package.json": PACKAGE_JSON % '    "express": "^4.18.2",\n    "yaml": "^2.3.1"'})
    repo.commit("Commander instead of YAML", {
        "package.json": PACKAGE_JSON % '    "express": "^4.18.2",\n    "commander": "^11.0.0"'})
    repo.checkout(first)
    rpm_dir, deb_dir = tmp_path / "node-rpm", tmp_path / "node-deb"
    rpm_dir.mkdir()
    (deb_dir / "debian").mkdir(parents=True)
    (rpm_dir / "greeter-web.spec").write_text(NODE_SPEC)
    (deb_dir / "debian" / "control").write_text(NODE_CONTROL)
    return repo, rpm_dir, deb_dir


UNMAPPED_MOCHA = ("deb/rpm: the upstream build-requires npm:mocha ^10.2.0 (package.json), which "
                  "the mapping file does not map to a deb or rpm package: not compared")


def test_package_json_adds_and_drops_a_requirement(node_upstream, tmp_path):
    """package.json's names through the team's mapping only: at the first commit the
    packaging agrees (the unmapped test runner is one line); the second commit's new
    requirement is missing in both formats and the dropped one extra, and the proposed
    patches apply to the distgits."""
    repo, rpm_dir, deb_dir = node_upstream
    first = dd.run(params(repo, rpm_dir, deb_dir, tmp_path / "first", mapping=NODE_MAPPING,
                          fail_on="any"))
    assert first["messages"] == [UNMAPPED_MOCHA]
    assert first["sources"] == ["package.json"] and first["gate"] is False
    assert first["upstream"]["runtime"] == ["npm:express ^4.18.2", "npm:yaml ^2.3.1"]
    repo.checkout("main")
    result = dd.run(params(repo, rpm_dir, deb_dir, tmp_path, mapping=NODE_MAPPING))
    assert sorted(result["messages"]) == sorted([
        "rpm: the upstream requires npm:commander ^11.0.0 (package.json), the spec has no "
        "Requires for it (nodejs-commander)",
        "rpm: the spec requires nodejs-yaml (npm:yaml), which the upstream does not require",
        "deb: the upstream requires npm:commander ^11.0.0 (package.json), debian/control has "
        "no Depends for it (node-commander)",
        "deb: debian/control depends on node-yaml (npm:yaml), which the upstream does not "
        "require",
        UNMAPPED_MOCHA,
    ])
    assert result["counts"] == {"missing": 2, "extra": 2, "version": 0, "unmapped": 1}
    assert [d["ecosystem"] for d in result["differences"]] == ["npm"] * 5
    assert "+Requires:       nodejs-commander\n" in result["patches"]["rpm"]
    assert ("+Depends: ${misc:Depends}, nodejs:any, node-express (>= 4.18), node-yaml, "
            "node-commander\n") in result["patches"]["deb"]
    for fmt, distgit in (("rpm", rpm_dir), ("deb", deb_dir)):
        code, output = dry_run(tmp_path / "report" / ("drift-%s.patch" % fmt), distgit)
        assert code == 0, output


CARGO_TOML = """\
[package]
name = "greeter"
version = "0.3.1"
edition = "2021"

[dependencies]
clap = { version = "4.4", features = ["derive"] }
serde = "1.0"
rand-core = { version = "0.6", package = "rand_core" }
greeter-macros = { path = "macros" }

[build-dependencies]
cc = "1.0"

[dev-dependencies]
assert_cmd = "2"
"""

GO_MOD = """\
module github.com/example/greeter

go 1.21

toolchain go1.21.5

require (
\tgithub.com/spf13/cobra v1.8.0
\tgopkg.in/yaml.v3 v3.0.1 // pinned for the config format
)

require (
\tgithub.com/inconshreveable/mousetrap v1.1.0 // indirect
\tgithub.com/spf13/pflag v1.0.5 // indirect
)

require "golang.org/x/text" v0.14.0

replace github.com/spf13/pflag => github.com/spf13/pflag v1.0.6

exclude golang.org/x/net v0.1.0

retract [v0.1.0, v0.1.5] // published by mistake
"""


def test_cargo_toml_and_go_mod(tmp_path):
    """Cargo.toml through tomllib (a renamed crate by its package name, a path dependency
    left out, dev-dependencies not read); go.mod's direct requirements (// indirect left
    out). Names only: their version ranges are not compared."""
    up = tmp_path / "up"
    up.mkdir()
    (up / "Cargo.toml").write_text(CARGO_TOML)
    (up / "go.mod").write_text(GO_MOD)
    found = drift.upstream_requirements(str(up))
    assert [(o.key, o.spec, o.scope) for o in found["others"]] == [
        ("cargo:clap", "4.4", "runtime"),
        ("cargo:serde", "1.0", "runtime"),
        ("cargo:rand_core", "0.6", "runtime"),
        ("cargo:cc", "1.0", "build"),
        ("go:github.com/spf13/cobra", "v1.8.0", "runtime"),
        ("go:gopkg.in/yaml.v3", "v3.0.1", "runtime"),
        ("go:golang.org/x/text", "v0.14.0", "runtime"),
    ]
    assert found["sources"] == ["Cargo.toml", "go.mod"]
    rpm_dir = tmp_path / "rpm"
    rpm_dir.mkdir()
    (rpm_dir / "greeter.spec").write_text(
        SPEC.replace("BuildRequires:  python3-setuptools >= 61\n", "BuildRequires:  gcc\n")
        .replace("Requires:       python3-requests >= 2.20\nRequires:       python3-pyyaml\n",
                 "Requires:       golang-github-spf13-cobra\n"))
    mapping = {"go:github.com/spf13/cobra": {"rpm": ["golang-github-spf13-cobra"]},
               "cargo:cc": {"rpm": "rust-cc-devel"}}
    result = dd.run(params(up, rpm_dir, "", tmp_path, mapping=mapping))
    assert ("rpm: the upstream build-requires cargo:cc 1.0 (Cargo.toml), the spec has no "
            "BuildRequires for it (rust-cc-devel)") in result["messages"]
    unmapped = [m for m in result["messages"] if "does not map" in m]
    assert unmapped == [
        "rpm: the upstream requires %s (%s), which the mapping file does not map to a rpm "
        "package: not compared" % (name, source)
        for name, source in (("cargo:clap 4.4", "Cargo.toml"), ("cargo:serde 1.0", "Cargo.toml"),
                             ("cargo:rand_core 0.6", "Cargo.toml"),
                             ("go:gopkg.in/yaml.v3 v3.0.1", "go.mod"),
                             ("go:golang.org/x/text v0.14.0", "go.mod"))]
    assert result["counts"]["missing"] == 1 and result["counts"]["extra"] == 0


@pytest.mark.parametrize(
    "text, message",
    [
        ("module x\nrequier github.com/a/b v1.0.0\n",
         r"^go.mod line 2: 'requier' is not a go.mod directive$"),
        ("module x\nrequire (\n\tgithub.com/a/b v1.0.0\n",
         r"^go.mod: the require block is not closed$"),
        ("module x\nrequire github.com/a/b\n",
         r"^go.mod line 2: require takes a module path and a version$"),
        ('module x\nrequire "github.com/a\\x62" v1.0.0\n',
         r"^go.mod line 2: a quoted string this reader does not take$"),
        ("module x\nrequire github.com/a/b (v1.0.0)\n",
         r"^go.mod line 2: a parenthesis where go.mod has none$"),
    ],
)
def test_go_mod_reader_is_strict(text, message):
    with pytest.raises(drift.DriftError, match=message):
        drift.parse_go_mod(text)


@pytest.mark.parametrize(
    "files, message",
    [
        ({"package.json": "{\"dependencies\": [\"express\"]}"},
         r"^package.json: dependencies is not a table of names$"),
        ({"package.json": "{\"dependencies\": {\"express\": 4}}"},
         r"^package.json: dependencies 'express' is not a name and a version range$"),
        ({"package.json": "{"}, r"^package.json is not readable JSON: "),
        ({"Cargo.toml": "[dependencies]\nserde = 1\n"},
         r"^Cargo.toml: dependencies.serde is neither a version nor a table$"),
    ],
)
def test_bad_other_files_fail_in_one_line(tmp_path, distgits, files, message):
    fails_in_one_line(tmp_path, distgits, files, message)


# ---------------------------------------------------------------- distgits under Zuul


def zuul_project(name, sha, checkout="main"):
    """One zuul.projects entry as Zuul 14's executor writes it."""
    return {
        "name": name,
        "short_name": name.rsplit("/", 1)[-1],
        "canonical_hostname": "opendev.example.org",
        "canonical_name": "opendev.example.org/" + name,
        "src_dir": "src/opendev.example.org/" + name,
        "required": True,
        "checkout": checkout,
        "checkout_description": "project default branch",
        "commit": sha,
    }


def repo_artifact(fmt, distgit_sha, origin="zuul", job=None):
    return {
        "name": "%s repository" % fmt,
        "job": job or "packaging-build-%s" % fmt,
        "project": "greeter",
        "url": "https://logs.example.org/1/packaging/repository/%s/" % fmt,
        "metadata": {"type": "%s_repository" % fmt, "distgit_sha": distgit_sha,
                     "distgit_origin": origin, "upstream_sha": "u" * 40},
    }


PROJECTS = {
    p["canonical_name"]: p
    for p in (zuul_project("greeter", "u" * 40), zuul_project("rpms/greeter", "r" * 40),
              zuul_project("deb/greeter", "d" * 40), zuul_project("rpms/other", "o" * 40))
}


def test_find_distgits_by_the_builds_distgit_commit():
    """Each build's repository artifact names the distgit commit it built from Zuul's
    checkout: the one prepared project at that commit is its distgit."""
    found = drift.find_distgits(PROJECTS, [repo_artifact("rpm", "r" * 40),
                                           repo_artifact("deb", "d" * 40)], {}, "/home/zuul")
    assert found == {
        "rpm": {"path": "/home/zuul/src/opendev.example.org/rpms/greeter",
                "project": "opendev.example.org/rpms/greeter",
                "how": "the rpm build's distgit commit rrrrrrrrrrrr"},
        "deb": {"path": "/home/zuul/src/opendev.example.org/deb/greeter",
                "project": "opendev.example.org/deb/greeter",
                "how": "the deb build's distgit commit dddddddddddd"},
    }
    # debian/ in the upstream itself: the deb build's distgit is the upstream's checkout
    found = drift.find_distgits(PROJECTS, [repo_artifact("deb", "u" * 40)], {}, "/home/zuul")
    assert found["deb"]["project"] == "opendev.example.org/greeter" and "rpm" not in found


def test_find_distgits_leaves_out_what_it_cannot_tell():
    """A cloned distgit, a commit no prepared project has, or two builds of one format from
    different commits find nothing for that format; no projects, nothing."""
    assert drift.find_distgits(PROJECTS, [repo_artifact("rpm", "r" * 40, origin="clone")]) == {}
    assert drift.find_distgits(PROJECTS, [repo_artifact("rpm", "x" * 40)]) == {}
    assert drift.find_distgits(PROJECTS, [repo_artifact("rpm", "r" * 40),
                                          repo_artifact("rpm", "o" * 40, job="b")]) == {}
    assert drift.find_distgits({}, [repo_artifact("rpm", "r" * 40)]) == {}


def test_find_distgits_by_project_name():
    """A project named for a format (canonical name, name or short name) wins over the
    build's commit; one that is not among the job's projects fails in one line."""
    found = drift.find_distgits(PROJECTS, [repo_artifact("rpm", "r" * 40)],
                                {"rpm": "rpms/other", "deb": "greeter"}, "/home/zuul")
    assert found["rpm"]["project"] == "opendev.example.org/rpms/other"
    assert found["rpm"]["how"] == "project rpms/other"
    assert found["deb"]["path"] == "/home/zuul/src/opendev.example.org/greeter"
    with pytest.raises(drift.DriftError, match=(
            r"^the deb distgit project deb/missing is not one of the job's projects: list it in "
            r"required-projects$")):
        drift.find_distgits(PROJECTS, [], {"deb": "deb/missing"})
    bad = dict(PROJECTS, x=dict(zuul_project("x", "e" * 40), src_dir="../../etc"))
    with pytest.raises(drift.DriftError, match="outside the source root"):
        drift.find_distgits(bad, [], {"rpm": "x"})


def test_module_finds_the_distgits_zuul_prepared(upstream, distgits, tmp_path):
    """Without packaging_drift_*_distgit the module compares with the checkouts found in
    zuul.projects; an explicit one overrides its format; nothing found is not checked."""
    upstream.checkout("main")
    rpm_dir, deb_dir = distgits
    root = tmp_path
    projects = {
        "x/rpm": dict(zuul_project("rpm", "r" * 40), src_dir=str(rpm_dir.relative_to(root))),
        "x/deb": dict(zuul_project("deb", "d" * 40), src_dir=str(deb_dir.relative_to(root))),
    }
    artifacts = [repo_artifact("rpm", "r" * 40), repo_artifact("deb", "d" * 40)]
    explicit = dd.run(params(upstream, rpm_dir, deb_dir, tmp_path / "explicit"))
    found = dd.run(params(upstream, "", "", tmp_path / "found", zuul_projects=projects,
                          zuul_artifacts=artifacts, src_root=str(root)))
    assert found["checked"] and found["messages"] == explicit["messages"]
    assert sorted(found["distgits"]) == ["deb", "rpm"]
    other = tmp_path / "other-rpm"
    other.mkdir()
    (other / "greeter.spec").write_text(SPEC.replace("python3-pyyaml", "python3-click"))
    mixed = dd.run(params(upstream, other, "", tmp_path / "mixed", zuul_projects=projects,
                          zuul_artifacts=artifacts, src_root=str(root)))
    assert sorted(mixed["distgits"]) == ["deb"]
    # the explicit spec has click: not missing there, still missing from the found control
    assert not any("no Requires for it (python3-click)" in m for m in mixed["messages"])
    assert any("no Depends for it (python3-click)" in m for m in mixed["messages"])
    none = dd.run(params(upstream, "", "", tmp_path / "none", zuul_projects=projects,
                         zuul_artifacts=[], src_root=str(root)))
    assert none["checked"] is False and none["message"] == dd.NOT_CHECKED
    assert not (tmp_path / "none" / "report").exists()
