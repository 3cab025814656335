"""Bad inputs fail fast with one line that names the cause, and publish nothing."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from pipeline import commit_all, deb_vars, make_example, play, rpm_vars


def rewrite(repo, relative, text, date="2026-11-05T10:00:00Z"):
    path = repo / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    commit_all(repo, "Change %s" % relative, date)


def remove(repo, relative):
    target = repo / relative
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    commit_all(repo, "Remove %s" % relative, "2026-11-05T10:00:00Z")


def no_debian(ex):
    remove(ex / "distgit-deb", "debian")
    (ex / "distgit-deb" / "README").write_text("no packaging here\n")
    commit_all(ex / "distgit-deb", "README", "2026-11-05T11:00:00Z")


def broken_control(ex):
    control = (ex / "distgit-deb" / "debian" / "control").read_text()
    rewrite(ex / "distgit-deb", "debian/control", control.replace(
        "Section: misc", "Section: misc\nthis line is not a field"))


def untagged_upstream(ex):
    subprocess.run(["git", "-C", str(ex / "upstream"), "tag", "-d", "v0.1.0"], check=True,
                   capture_output=True)


def spec_macro_fails(ex):
    spec = (ex / "distgit-rpm" / "greeter.spec").read_text()
    rewrite(ex / "distgit-rpm", "greeter.spec", spec.replace(
        "Summary:        Print a greeting", "Summary:        %{lua: error('no summary')}"))


def prep_mismatch(ex):
    spec = (ex / "distgit-rpm" / "greeter.spec").read_text()
    rewrite(ex / "distgit-rpm", "greeter.spec", spec.replace(
        "%autosetup", "%autosetup\ncd ../greeter-upstream-tarball"))


def no_spec(ex):
    remove(ex / "distgit-rpm", "greeter.spec")
    (ex / "distgit-rpm" / "README").write_text("no spec here\n")
    commit_all(ex / "distgit-rpm", "README", "2026-11-05T11:00:00Z")


# (id, playbook, change to the example, extra vars (callable of example dir), expected start)
CASES = [
    ("deb-missing-distgit-branch", "deb", None, lambda ex: {"packaging_distgit_branch": "nope"},
     "fetch-distgit: branch nope not found in distgit repository "),
    ("deb-unreachable-distgit", "deb", None,
     lambda ex: {"packaging_distgit_url": str(ex / "no-such-distgit")},
     "fetch-distgit: cannot read distgit repository "),
    ("deb-path-like-branch", "deb", None, lambda ex: {"packaging_distgit_branch": "../main"},
     'fetch-distgit: branch "../main" is not a valid branch name'),
    ("deb-distgit-without-debian", "deb", no_debian, lambda ex: {},
     "no debian/ directory in "),
    ("deb-broken-control", "deb", broken_control, lambda ex: {},
     "debian/control line 3 is neither a field nor a continuation"),
    ("deb-unknown-distribution", "deb", None,
     lambda ex: {"packaging_deb_distribution": "bookwork"},
     "unknown distribution 'bookwork'"),
    ("deb-upstream-not-git", "deb", None,
     lambda ex: {"packaging_upstream_path": str(ex / "distgit-deb" / "debian")},
     "upstream path "),
    ("deb-upstream-without-tag", "deb", untagged_upstream, lambda ex: {},
     "upstream {ex}/upstream has no tag matching '*' reachable from HEAD"),
    ("rpm-spec-not-found", "rpm", no_spec, lambda ex: {},
     "build-srpm: no spec file in distgit "),
    ("rpm-path-like-spec", "rpm", None, lambda ex: {"packaging_rpm_spec": "../greeter.spec"},
     'build-srpm: spec name "../greeter.spec" must be a plain file name'),
    ("rpm-spec-does-not-parse", "rpm", spec_macro_fails, lambda ex: {},
     "spec file "),
    ("rpm-prep-does-not-find-source0-top-dir", "rpm", prep_mismatch, lambda ex: {},
     "build-srpm: %prep of greeter fails on Source0 greeter-0.1.0^git1."),
    ("rpm-unknown-builder", "rpm", None, lambda ex: {"packaging_rpm_builder": "cowbuilder"},
     'build-rpm: unknown builder "cowbuilder" (use mock or rpmbuild)'),
    ("rpm-unknown-mock-target", "rpm", None,
     lambda ex: {"packaging_rpm_builder": "mock",
                 "packaging_rpm_target": "centos-stream-99-x86_64"},
     "unknown mock target 'centos-stream-99-x86_64'"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, tmp_path):
    _, kind, change, extra, expected = case
    ex = make_example(tmp_path / "example")
    if change:
        change(ex)
    work = tmp_path / "run"
    make_vars = deb_vars if kind == "deb" else rpm_vars
    result = play("build-%s.yaml" % kind, make_vars(ex, work, **extra(ex)))
    assert result.rc != 0
    assert len(result.failures) == 1, result.output[-2000:]
    message = result.failure
    assert "\n" not in message.strip()
    assert expected.replace("{ex}", str(ex)) in message, message
    assert not (work / "repos").exists(), "something was published"
