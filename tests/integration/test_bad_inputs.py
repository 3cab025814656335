"""Bad inputs fail fast with one line that names the cause, and publish nothing."""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pipeline import commit_all, deb_vars, make_example, play, rpm_vars
from signing_keys import make_key


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


def empty_upstream(ex):
    shutil.rmtree(ex / "upstream")
    (ex / "upstream").mkdir()
    subprocess.run(["git", "-C", str(ex / "upstream"), "init", "-q", "-b", "main"], check=True)


def detached_untagged_upstream(ex):
    untagged_upstream(ex)
    subprocess.run(["git", "-C", str(ex / "upstream"), "checkout", "-q", "--detach", "HEAD~1"],
                   check=True)


def control_unknown_field(ex):
    control = (ex / "distgit-deb" / "debian" / "control").read_text()
    rewrite(ex / "distgit-deb", "debian/control", control.replace(
        "Rules-Requires-Root: no", "Rules-Requires-Root: no\nBuild-Depend: debhelper"))


def broken_changelog(ex):
    rewrite(ex / "distgit-deb", "debian/changelog", "greeter (0.1.0-1 unstable; urgency=medium\n")


def spec_without_version(ex):
    spec = (ex / "distgit-rpm" / "greeter.spec").read_text()
    rewrite(ex / "distgit-rpm", "greeter.spec", "\n".join(
        line for line in spec.splitlines() if not line.startswith("Version:")) + "\n")


def debian_links_outside(ex):
    """debian/ replaced by a symlink to a directory elsewhere on the node."""
    outside = ex / "host-etc"
    outside.mkdir()
    (outside / "host-secret").write_text("host file\n")
    shutil.copytree(ex / "distgit-deb" / "debian", outside, dirs_exist_ok=True)
    remove(ex / "distgit-deb", "debian")
    (ex / "distgit-deb" / "debian").symlink_to(outside)
    commit_all(ex / "distgit-deb", "debian is a link", "2026-11-05T11:00:00Z")


def debian_file_links_outside(ex):
    (ex / "distgit-deb" / "debian" / "copyright").unlink(missing_ok=True)
    (ex / "distgit-deb" / "debian" / "copyright").symlink_to("/etc/passwd")
    commit_all(ex / "distgit-deb", "copyright is a link", "2026-11-05T11:00:00Z")


def patch_links_outside(ex):
    spec = (ex / "distgit-rpm" / "greeter.spec").read_text()
    (ex / "distgit-rpm" / "greeter.spec").write_text(spec.replace(
        "%description", "Patch0:         host.patch\n\n%description", 1))
    (ex / "distgit-rpm" / "host.patch").symlink_to("/etc/passwd")
    commit_all(ex / "distgit-rpm", "a patch that is a link", "2026-11-05T11:00:00Z")


# a 3.0 (quilt) patch written against an older README: its hunk no longer applies
README_PATCH = "".join(line + "\n" for line in [
    "From: Greeter Packagers <packagers@greeter.example>",
    "Subject: Show how packagers are greeted", "", "---",
    "--- a/README.md", "+++ b/README.md", "@@ -4,3 +4,3 @@",
    " `make install prefix=/usr DESTDIR=...` installs `greeter` and its manual page.", " ",
    "-Run greeter with a name to greet it.", "+Run `greeter packager` to greet the packager."])


def quilt_patch_does_not_apply(ex):
    rewrite(ex / "distgit-deb", "debian/patches/0001-greet-packagers.patch", README_PATCH)
    rewrite(ex / "distgit-deb", "debian/patches/series", "0001-greet-packagers.patch\n")


def rpm_patch_does_not_apply(ex):
    """A distgit patch of README.md lines the upstream no longer has (rpm)."""
    (ex / "distgit-rpm" / "0001-Reword-the-readme.patch").write_text(
        "--- a/README.md\n+++ b/README.md\n@@ -1,2 +1,2 @@\n # greeter\n"
        "-An upstream that says hello.\n+An upstream that says hello politely.\n")
    spec = (ex / "distgit-rpm" / "greeter.spec").read_text()
    rewrite(ex / "distgit-rpm", "greeter.spec", spec.replace(
        "%description", "Patch0:         0001-Reword-the-readme.patch\n\n%description", 1).replace(
        "%autosetup", "%autosetup -p1", 1))


def spec_needs_gpgverify(ex):
    """An RDO-style %prep that verifies its tarball with Fedora's %{gpgverify}."""
    spec = (ex / "distgit-rpm" / "greeter.spec").read_text()
    rewrite(ex / "distgit-rpm", "greeter.spec", spec.replace(
        "%prep\n", "%prep\n%{gpgverify} --keyring=%{SOURCE0} --data=%{SOURCE0}\n", 1))


def autopkgtest_fails(ex):
    """The distgit's debian/tests/smoke expects another greeting than greeter prints."""
    smoke = (ex / "distgit-deb" / "debian" / "tests" / "smoke").read_text()
    rewrite(ex / "distgit-deb", "debian/tests/smoke", smoke.replace(
        '!= "Hello, autopkgtest!"', '!= "Goodbye, autopkgtest!"'))


def malformed_sources(ex):
    rewrite(ex / "distgit-rpm", "sources", "SHA512 (greeter-data.tar.gz) = not-a-checksum\n")


def marker(ex):
    """A file that an option-like URL would create if git ran it."""
    return Path(str(ex) + "-upload-pack-ran")


SECRET = "s3cr3tT0ken"


@functools.cache
def protected_key():
    return make_key("the right passphrase")[0]


def not_a_directory(ex):
    blocker = ex / "blocker"
    blocker.write_text("a file where the repository directory should be\n")
    return str(blocker / "repos")


# (id, playbook, change to the example, extra vars (callable of example dir), expected part
# of the failure line[, checks]): checks may hold "absent" (callable of the example dir: a
# path that must not exist afterwards) and "secret" (a string that must appear nowhere in
# the play's output nor in any file under the run's work, output and repository dirs).
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
     "build-rpm-source: no spec file in distgit "),
    ("rpm-path-like-spec", "rpm", None, lambda ex: {"packaging_rpm_spec": "../greeter.spec"},
     'build-rpm-source: spec name "../greeter.spec" must be a plain file name'),
    ("rpm-spec-does-not-parse", "rpm", spec_macro_fails, lambda ex: {},
     "spec file "),
    ("rpm-prep-does-not-find-source0-top-dir", "rpm", prep_mismatch, lambda ex: {},
     "build-rpm-source: %prep of greeter fails on Source0 greeter-0.1.0^git1."),
    ("rpm-unknown-builder", "rpm", None, lambda ex: {"packaging_rpm_builder": "cowbuilder"},
     'build-rpm-binary: unknown builder "cowbuilder" (use mock or rpmbuild)'),
    ("rpm-mock-target-variant-without-mock", "rpm", None,
     lambda ex: {"packaging_rpm_allow_rpmbuild": False},
     "build-rpm-binary: this job builds for the mock target centos-stream-9-x86_64 but would run "
     "rpmbuild on the node (Debian %s) (mock is not installed); run it on a node with mock, or "
     "set packaging_rpm_allow_rpmbuild: true to publish the rpmbuild build under that name"
     % Path("/etc/debian_version").read_text().strip()),
    ("rpm-unknown-mock-target", "rpm", None,
     lambda ex: {"packaging_rpm_builder": "mock",
                 "packaging_rpm_target": "centos-stream-99-x86_64"},
     "unknown mock target 'centos-stream-99-x86_64'"),
    ("deb-empty-upstream", "deb", empty_upstream, lambda ex: {},
     "upstream repository {ex}/upstream has no commits"),
    ("deb-detached-head-without-tags", "deb", detached_untagged_upstream, lambda ex: {},
     "upstream {ex}/upstream has no tag matching '*' reachable from HEAD"),
    ("deb-control-unknown-field", "deb", control_unknown_field, lambda ex: {},
     "debian/control: unknown field 'Build-Depend' in the source paragraph"),
    ("deb-broken-changelog", "deb", broken_changelog, lambda ex: {},
     "/debian/changelog does not parse: Could not parse changelog: Unexpected line while "
     "looking for first heading: greeter (0.1.0-1 unstable; urgency=medium"),
    ("deb-path-like-distribution", "deb", None,
     lambda ex: {"packaging_deb_distribution": "../bookworm"},
     "unknown distribution '../bookworm'"),
    ("deb-empty-distgit-url", "deb", None, lambda ex: {"packaging_distgit_url": ""},
     "fetch-distgit: set packaging_distgit_url (or fetch_distgit_url) to the distgit "
     "repository"),
    ("deb-missing-signing-key", "deb", None, lambda ex: {"packaging_require_signing": True},
     "publish-packaging-repo: this job publishes signed repositories and "
     "publish_packaging_repo_signing_key is empty"),
    ("deb-wrong-key-passphrase", "deb", None,
     lambda ex: {"packaging_signing": {"key": protected_key(), "passphrase": "not it"}},
     "cannot sign: wrong passphrase"),
    ("deb-signing-key-not-a-key", "deb", None,
     lambda ex: {"packaging_signing": {"key": "-----BEGIN PGP PRIVATE KEY BLOCK-----\nx\n"}},
     "signing key: not one ASCII-armored OpenPGP secret key (found 0 secret keys)"),
    ("deb-repo-path-not-writable", "deb", None,
     lambda ex: {"packaging_repo_dir": not_a_directory(ex)},
     "is not writable: Not a directory"),
    ("deb-path-like-build-id", "deb", None, lambda ex: {"publish_packaging_repo_build_id": "../b1"},
     "build_id '../b1' is not a plain name"),
    ("deb-unknown-lintian-level", "deb", None, lambda ex: {"packaging_lintian_fail_on": "loud"},
     "value of run_lintian_fail_on must be one of: error, warning, info, pedantic, none, "
     "got: loud"),
    ("deb-bad-buildset-artifact", "deb", None, lambda ex: {"fetch_buildset_repos_artifacts": [
        {"name": "deb repository", "job": "lib-build", "url": "ftp://repos.test/deb",
         "metadata": {"type": "deb_repository", "suite": "bookworm"}}]},
     "lib-build artifact 'deb repository': unsupported repository URL 'ftp://repos.test/deb'"),
    ("rpm-missing-distgit-branch", "rpm", None, lambda ex: {"packaging_distgit_branch": "nope"},
     "fetch-distgit: branch nope not found in distgit repository "),
    ("rpm-unreachable-distgit", "rpm", None,
     lambda ex: {"packaging_distgit_url": "file:///nonexistent/greeter-rpm"},
     "fetch-distgit: cannot read distgit repository "),
    ("rpm-spec-without-version", "rpm", spec_without_version, lambda ex: {},
     "/greeter.spec does not parse: Version field must be present in package: (main package)"),
    ("rpm-path-like-target", "rpm", None, lambda ex: {"packaging_rpm_target": "../el9"},
     'the repository name "../el9" is not a plain name'),
    ("rpm-wrong-key-passphrase", "rpm", None,
     lambda ex: {"packaging_signing": {"key": protected_key(), "passphrase": ""}},  # none
     "cannot sign: wrong passphrase"),
    ("rpm-missing-signing-key", "rpm", None, lambda ex: {"packaging_require_signing": True},
     "publish-packaging-repo: this job publishes signed repositories and "
     "publish_packaging_repo_signing_key is empty"),
    ("rpm-repo-path-not-writable", "rpm", None,
     lambda ex: {"packaging_repo_dir": not_a_directory(ex)},
     "is not writable: Not a directory"),
    ("rpm-unknown-rpmlint-level", "rpm", None, lambda ex: {"run_rpmlint_fail_on": "loud"},
     "value of run_rpmlint_fail_on must be one of: error, warning, none, got: loud"),
    ("deb-option-like-distgit-url", "deb", None,
     lambda ex: {"packaging_distgit_url": "--upload-pack=touch %s" % marker(ex)},
     "fetch-distgit: packaging_distgit_url starts with '-'; a repository URL cannot be a git "
     "option", {"absent": marker}),
    ("deb-option-like-distgit-branch", "deb", None,
     lambda ex: {"packaging_distgit_branch": "--upload-pack=touch %s" % marker(ex)},
     'fetch-distgit: packaging_distgit_branch "--upload-pack=touch {ex}-upload-pack-ran" '
     "starts with '-'; a branch cannot be a git option", {"absent": marker}),
    ("rpm-option-like-distgit-url", "rpm", None,
     lambda ex: {"packaging_distgit_url": "--upload-pack=touch %s" % marker(ex)},
     "fetch-distgit: packaging_distgit_url starts with '-'; a repository URL cannot be a git "
     "option", {"absent": marker}),
    ("deb-credentials-in-distgit-url", "deb", None,
     lambda ex: {"packaging_distgit_url": "https://user:%s@127.0.0.1:9/x.git" % SECRET},
     "fetch-distgit: cannot read distgit repository https://***@127.0.0.1:9/x.git: ",
     {"secret": SECRET}),
    ("rpm-credentials-in-distgit-url", "rpm", None,
     lambda ex: {"packaging_distgit_url": "https://user:%s@127.0.0.1:9/x.git" % SECRET},
     "fetch-distgit: cannot read distgit repository https://***@127.0.0.1:9/x.git: ",
     {"secret": SECRET}),
    ("deb-debian-links-outside", "deb", debian_links_outside, lambda ex: {},
     "/distgit/distgit-deb/debian is a symlink (to {ex}/host-etc); debian/ must be a "
     "directory of the distgit"),
    ("deb-debian-file-links-outside", "deb", debian_file_links_outside, lambda ex: {},
     "/distgit/distgit-deb/debian: symlinks that lead outside debian/ (refused: the published "
     "source would carry what they point to): copyright -> /etc/passwd"),
    ("rpm-patch-links-outside", "rpm", patch_links_outside, lambda ex: {},
     "/greeter.spec: sources and patches must be regular files of the distgit, these are "
     "symlinks: host.patch -> /etc/passwd"),
    # the example's upstream HEAD is the same commit on every machine (make-repos.sh)
    ("deb-quilt-patch-does-not-apply", "deb", quilt_patch_does_not_apply, lambda ex: {},
     "build-deb-source: debian/patches/0001-greet-packagers.patch does not apply to upstream "
     "cb80a5817cf7: README.md (1 of 1 hunk FAILED)"),
    ("rpm-patch-does-not-apply", "rpm", rpm_patch_does_not_apply, lambda ex: {},
     "build-rpm-source: patch 0001-Reword-the-readme.patch does not apply to upstream "
     "cb80a5817cf7: README.md (1 out of 1 hunk FAILED); rebase it on the upstream change; "),
    ("rpm-spec-needs-gpgverify", "rpm", spec_needs_gpgverify, lambda ex: {},
     "build-rpm-source: %prep of greeter fails; the spec uses macros this node's rpm does not "
     "define: %gpgverify (%prep); they come with redhat-rpm-config: run the job on a Fedora/EL "
     "node (the mock builder) or define them with packaging_rpm_defines; log in "),
    ("rpm-bad-define-name", "rpm", None, lambda ex: {"packaging_rpm_defines": {"bad name": 1}},
     'build-rpm-source: packaging_rpm_defines: "bad name" is not an rpm macro name'),
    # the step runs before publish: a failed test publishes nothing
    ("deb-autopkgtest-fails", "deb", autopkgtest_fails, lambda ex: {"packaging_autopkgtest": True},
     "run-autopkgtest: test smoke of greeter failed (non-zero exit status 1); log in "),
    ("rpm-malformed-sources-file", "rpm", malformed_sources, lambda ex: {},
     "build-rpm-source: sources line 1 is neither 'SHA512 (file) = <hex>' nor '<md5>  file': "
     '"SHA512 (greeter-data.tar.gz) = not-a-checksum"'),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_bad_input(case, tmp_path):
    _, kind, change, extra, expected, *more = case
    checks = more[0] if more else {}
    ex = make_example(tmp_path / "example")
    if change:
        change(ex)
    work = tmp_path / "run"
    make_vars = deb_vars if kind == "deb" else rpm_vars
    result = play("build-%s.yaml" % kind, make_vars(ex, work, **extra(ex)))
    assert result.rc != 0
    # the step's one line; the run playbook's rescue raises the same line again after
    # writing the failure's build report
    assert len(set(result.failures)) == 1, result.output[-2000:]
    # Ansible's own argument_specs validation puts this header above its one-line message
    message = result.failure.replace("Validation of arguments failed:\n", "", 1)
    assert "\n" not in message.strip()
    assert expected.replace("{ex}", str(ex)) in message, message
    assert not (work / "repos").exists(), "something was published"
    # the failure has its build report: the step, its role and the same line
    report = json.loads((work / "output" / "artifacts" / ("build-report-%s.json" % kind))
                        .read_text())
    assert report["outcome"] == "failed"
    assert report["failure"]["role"] and report["failure"]["step"], report["failure"]
    assert expected.replace("{ex}", str(ex)) in report["failure"]["message"]
    html = (work / "output" / "artifacts" / ("build-report-%s.html" % kind)).read_text()
    assert "Failed at step %s (%s)" % (report["failure"]["step"], report["failure"]["role"]) in html
    if "absent" in checks:
        assert not checks["absent"](ex).exists(), "git ran an option from the input"
    if "secret" in checks:
        assert checks["secret"] not in result.output
        for top, _dirs, files in os.walk(work):
            for name in files:
                path = Path(top, name)
                if not path.is_symlink():
                    assert checks["secret"].encode() not in path.read_bytes(), path
