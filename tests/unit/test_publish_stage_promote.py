"""packaging_publish with the real reprepro and createrepo_c: a publish that would not hold
exactly the built packages fails and changes nothing, a staged build becomes current only
when promoted, several architectures share one deb repository, and bad repository states
fail with one line."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import packaging_publish as pp
import pytest
from debian import deb822
from publish_helpers import (
    build_tiny_deb,
    build_tiny_rpms,
    deb_params,
    params,
    primary_names,
    real_run,
    reprepro_list,
)
from signing_keys import make_key


def current(repo):
    return os.path.basename(os.readlink(repo / "current"))


def builds(repo):
    return sorted(os.listdir(repo / "builds"))


def test_a_version_reprepro_skips_fails_and_publishes_nothing(tmp_path):
    repo = tmp_path / "repo"
    newer = build_tiny_deb(tmp_path / "newer", "tiny", "2.0-1")
    older = build_tiny_deb(tmp_path / "older", "tiny", "1.0-1")
    pp.publish(deb_params(repo, "b1", [newer], build_key="k1"), real_run)
    keys = (repo / "current" / pp.BUILD_KEYS).read_text()

    with pytest.raises(pp.PublishError) as info:
        pp.publish(deb_params(repo, "b2", [older], build_key="k2"), real_run)
    assert str(info.value) == (
        "reprepro did not take tiny 1.0-1 (all; it holds 2.0-1): a version not higher than "
        "the published one is skipped; nothing was published")
    assert current(repo) == "b1"
    assert builds(repo) == ["b1"]
    assert (repo / "current" / pp.BUILD_KEYS).read_text() == keys
    assert reprepro_list(repo / "current") == ["bookworm|main|amd64: tiny 2.0-1"]


def test_a_second_architecture_keeps_the_first(tmp_path):
    repo = tmp_path / "repo"
    amd64 = build_tiny_deb(tmp_path / "amd64", "tiny-bin", "1.0-1", arch="amd64")
    arm64 = build_tiny_deb(tmp_path / "arm64", "tiny-bin", "1.0-1", arch="arm64")
    pp.publish(deb_params(repo, "b1", [amd64], deb_architectures=["amd64"]), real_run)
    # the arm64 node publishes with its own architecture
    pp.publish(deb_params(repo, "b2", [arm64], deb_architectures=["arm64"]), real_run)
    distributions = (repo / "current" / "conf" / "distributions").read_text()
    assert "Architectures: amd64 arm64 source\n" in distributions
    assert reprepro_list(repo / "current") == [
        "bookworm|main|amd64: tiny-bin 1.0-1", "bookworm|main|arm64: tiny-bin 1.0-1"]
    assert (repo / "current" / "dists" / "bookworm" / "main" / "binary-amd64" /
            "Packages").read_text().count("Package: tiny-bin") == 1


def test_a_plain_deb_is_published_too(tmp_path):
    repo = tmp_path / "repo"
    deb = build_tiny_deb(tmp_path / "d", "tiny", "1.0-1", changes=False)
    pp.publish(deb_params(repo, "b1", [deb]), real_run)
    assert reprepro_list(repo / "current") == ["bookworm|main|amd64: tiny 1.0-1"]


def test_staged_build_is_not_current_until_promoted(tmp_path):
    repo = tmp_path / "repo"
    first = build_tiny_deb(tmp_path / "a", "tiny-a", "1.0-1")
    second = build_tiny_deb(tmp_path / "b", "tiny-b", "1.0-1")
    pp.publish(deb_params(repo, "b1", [first]), real_run)

    staged = pp.publish(deb_params(repo, "b2", [second], promote=False), real_run)
    assert (staged["staged"], staged["promoted"]) == (True, False)
    assert current(repo) == "b1"
    assert reprepro_list(repo / "builds" / "b2") == [
        "bookworm|main|amd64: tiny-a 1.0-1", "bookworm|main|amd64: tiny-b 1.0-1"]

    promoted = pp.publish(deb_params(repo, "b2", [second], stage=False), real_run)
    assert (promoted["staged"], promoted["promoted"]) == (False, True)
    assert current(repo) == "b2"
    marker = json.loads((repo / "builds" / "b2" / pp.MARKER).read_text())
    assert marker["seeded_from"] == "b1" and marker["promoted_at"] >= marker["published_at"]


def test_promote_of_a_build_that_was_not_staged_fails(tmp_path):
    repo = tmp_path / "repo"
    deb = build_tiny_deb(tmp_path / "a", "tiny-a", "1.0-1")
    pp.publish(deb_params(repo, "b1", [deb]), real_run)
    with pytest.raises(pp.PublishError) as info:
        pp.publish(deb_params(repo, "b2", [deb], stage=False), real_run)
    assert str(info.value) == (
        "build b2 is not staged in %s with these files (tiny-a_1.0-1_all.changes): nothing "
        "to promote" % repo)
    assert current(repo) == "b1" and builds(repo) == ["b1"]


def test_a_build_staged_again_after_a_failed_check_is_made_anew(tmp_path):
    repo = tmp_path / "repo"
    deb = build_tiny_deb(tmp_path / "a", "tiny-a", "1.0-1")
    pp.publish(deb_params(repo, "local-1", [deb], promote=False), real_run)
    (repo / "builds" / "local-1" / "left-by-the-failed-run").write_text("x")
    pp.publish(deb_params(repo, "local-1", [deb], promote=False), real_run)
    assert not (repo / "builds" / "local-1" / "left-by-the-failed-run").exists()
    assert not (repo / "current").exists()


def test_promote_after_another_build_became_current_keeps_both(tmp_path):
    repo = tmp_path / "repo"
    rpms = build_tiny_rpms(tmp_path / "rpmbuild")
    pp.publish(params(repo, "b1", [rpms["tiny-a"]]), real_run)
    pp.publish(params(repo, "b2", [rpms["tiny-b"]], promote=False, upstream_sha="2" * 40,
                      version="2.0-1"), real_run)
    pp.publish(params(repo, "b3", [rpms["tiny-c"]]), real_run)  # promoted while b2 was checked
    result = pp.publish(params(repo, "b2", [rpms["tiny-b"]], stage=False), real_run)
    assert result["rebased_on"] == "b3"
    assert current(repo) == "b2"
    assert primary_names(repo / "current") == ["tiny-a", "tiny-b", "tiny-c"]
    # staged again, the build keeps its own facts (a pointer finds it by its commit)
    marker = json.loads((repo / "builds" / "b2" / pp.MARKER).read_text())
    assert (marker["upstream_sha"], marker["version"]) == ("2" * 40, "2.0-1")


def test_retention_keeps_a_build_staged_by_another_publisher(tmp_path):
    repo = tmp_path / "repo"
    rpms = build_tiny_rpms(tmp_path / "rpmbuild")
    pp.publish(params(repo, "b1", [rpms["tiny-a"]], keep=1), real_run)
    pp.publish(params(repo, "b2", [rpms["tiny-b"]], promote=False, keep=1), real_run)
    pp.publish(params(repo, "b3", [rpms["tiny-c"]], keep=1), real_run)
    assert builds(repo) == ["b2", "b3"]  # b1 pruned; b2 may be between stage and promote
    # a day later, a build staged and never promoted is the first to go
    listed = dict(pp.list_builds(str(repo / "builds"), now=time.time() + 2 * 86400))
    assert listed["b2"] == 0.0 and listed["b3"] > 0


def test_current_that_is_a_plain_directory_fails_with_one_line(tmp_path):
    repo = tmp_path / "repo"
    (repo / "current").mkdir(parents=True)
    deb = build_tiny_deb(tmp_path / "a", "tiny-a", "1.0-1")
    with pytest.raises(pp.PublishError) as info:
        pp.publish(deb_params(repo, "b1", [deb]), real_run)
    assert str(info.value) == (
        "%s/current is not a symlink to a build (a copied repository?): move it away, the "
        "publisher makes current itself" % repo)
    assert builds(repo) == []


def test_rebuilt_rpm_of_the_same_name_gets_its_own_checksum(tmp_path):
    repo = tmp_path / "repo"
    first = build_tiny_rpms(tmp_path / "one", versions=[("tiny-a", "1.0")], payload_bytes=64)
    again = build_tiny_rpms(tmp_path / "two", versions=[("tiny-a", "1.0")], payload_bytes=64)
    os.utime(again["tiny-a"], (os.stat(first["tiny-a"]).st_mtime,) * 2)
    assert os.path.getsize(first["tiny-a"]) == os.path.getsize(again["tiny-a"])
    pp.publish(params(repo, "b1", [first["tiny-a"]]), real_run)
    pp.publish(params(repo, "b2", [again["tiny-a"]]), real_run)
    listed = pp.primary_checksums(str(repo / "current"))
    with open(again["tiny-a"], "rb") as handle:
        assert listed["Packages/tiny-a-1.0-1.noarch.rpm"] == hashlib.sha256(
            handle.read()).hexdigest()


@pytest.mark.parametrize(("status", "validity", "reason"), [
    # what gpg 2.2 prints with --pinentry-mode loopback and a wrong or an empty passphrase
    ("[GNUPG:] KEY_CONSIDERED F 2\n[GNUPG:] BEGIN_SIGNING H8\n[GNUPG:] FAILURE sign 67108875\n",
     "u", "wrong passphrase"),
    ("[GNUPG:] KEY_CONSIDERED F 2\n[GNUPG:] BEGIN_SIGNING H8\n[GNUPG:] FAILURE sign 67109041\n",
     "u", "wrong passphrase"),
    ("[GNUPG:] BAD_PASSPHRASE 1234\n", "", "wrong passphrase"),
    # an expired key: gpg says only "unusable secret key" (INV_SGNR 9, FAILURE 54)
    ("[GNUPG:] KEY_CONSIDERED F 3\n[GNUPG:] INV_SGNR 9 F\n[GNUPG:] FAILURE sign 54\n", "e",
     "the key expired"),
    ("[GNUPG:] INV_SGNR 9 F\n", "r", "the key is revoked"),
    ("[GNUPG:] INV_SGNR 3 F\n", "u", "the key cannot sign (wrong key usage)"),
    ("[GNUPG:] FAILURE sign 134217729\n", "u", "gpg failed (FAILURE sign 134217729)"),
    ("", "u", "gpg: some other failure"),
])
def test_gpg_failure_reads_status_tokens(status, validity, reason):
    # the old diagnosis said "wrong passphrase" whenever stderr held "bad"
    assert pp.gpg_failure(status, "gpg: a bad thing\ngpg: some other failure\n",
                          validity) == reason


def test_an_expired_key_is_named_expired_not_a_wrong_passphrase(tmp_path):
    key, fingerprint = make_key(uid="Bad Key <bad@packaging.test>", expire="1d",
                                made_at="20200101T000000")
    deb = build_tiny_deb(tmp_path / "a", "tiny-a", "1.0-1")
    with pytest.raises(pp.PublishError) as info:
        pp.publish(deb_params(tmp_path / "repo", "b1", [deb], signing_key=key), real_run)
    assert str(info.value) == "signing key %s cannot sign: the key expired" % fingerprint
    assert not (tmp_path / "repo").exists()


def test_a_build_published_before_staging_existed_counts_as_promoted(tmp_path):
    repo = tmp_path / "repo"
    deb = build_tiny_deb(tmp_path / "a", "tiny-a", "1.0-1")
    pp.publish(deb_params(repo, "b1", [deb]), real_run)
    marker = repo / "builds" / "b1" / pp.MARKER
    old = json.loads(marker.read_text())
    marker.write_text(json.dumps({k: old[k] for k in ("build_id", "files", "published_at")}))
    # the same build again, as a job stages it: current's directory is never made anew
    again = pp.publish(deb_params(repo, "b1", [deb], promote=False), real_run)
    assert (again["changed"], again["staged"], again["promoted"]) == (False, False, True)
    assert json.loads(marker.read_text()) == {k: old[k] for k in ("build_id", "files",
                                                                   "published_at")}


def test_consumer_files_name_the_build_and_current(tmp_path):
    """Every staged build holds ready files for apt or dnf: one for the immutable build and
    one for current, with the key URL when signed; dnf reads the .repo as it is."""
    rpms = build_tiny_rpms(tmp_path / "rpms")
    repo = tmp_path / "rpm" / "el9"
    result = pp.publish(params(repo, "b1", rpms.values(),
                               repo_url="https://repos.example.org/rpm/el9/"), real_run)
    build = Path(result["build_dir"])
    assert (build / "packaging-el9.repo").read_text() == (
        "[packaging-el9]\nname=packaging-el9\n"
        "baseurl=https://repos.example.org/rpm/el9/builds/b1\n"
        "enabled=1\ngpgcheck=0\nrepo_gpgcheck=0\n")
    assert "baseurl=https://repos.example.org/rpm/el9/current\n" in (
        build / "packaging-el9-current.repo").read_text()
    local = pp.publish(params(repo, "b2", rpms.values()), real_run)
    reposdir = tmp_path / "yum.repos.d"
    reposdir.mkdir()
    shutil.copy(Path(local["build_dir"]) / "packaging-el9.repo", reposdir)
    proc = subprocess.run(
        ["dnf", "-q", "--setopt=reposdir=%s" % reposdir, "--installroot", str(tmp_path / "root"),
         "--releasever", "9", "--disablerepo=*", "--enablerepo=packaging-el9",
         "repoquery", "--qf", "%{name}"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert sorted(set(proc.stdout.split())) == sorted(rpms)


def test_deb_consumer_files_are_apt_sources():
    urls = pp.consumer_urls({"repo_dir": "/srv/deb/bookworm", "repo_url": ""}, "b7")
    files = pp.DebBackend.consumer_files(
        {"deb_codename": "bookworm", "deb_components": ["main"]}, "greeter", urls, True)
    assert files["greeter.list"].splitlines()[-1] == (
        "deb [signed-by=/etc/apt/keyrings/greeter.asc] file:///srv/deb/bookworm/builds/b7 "
        "bookworm main")
    assert "curl -fsSL file:///srv/deb/bookworm/current/repo-key.asc" in \
        files["greeter-current.sources"]
    paragraph = deb822.Deb822(files["greeter-current.sources"].splitlines())
    assert paragraph["URIs"] == "file:///srv/deb/bookworm/current"
    assert paragraph["Signed-By"] == "/etc/apt/keyrings/greeter.asc"
    assert pp.consumer_name({"repo_dir": "/srv/deb/bookworm/"}) == "packaging-bookworm"


def test_consumer_files_never_carry_the_publishers_credentials():
    """A repository URL with user:token (how a job may reach its repository host) must not
    end up in files every consumer downloads; the test of the whole job greps for it too."""
    urls = pp.consumer_urls({"repo_dir": "/srv/rpm/el9",
                             "repo_url": "https://bot:s3cret@repos.example.org/rpm/el9"}, "b1")
    assert urls == {"": "https://repos.example.org/rpm/el9/builds/b1",
                    "-current": "https://repos.example.org/rpm/el9/current"}
    files = pp.RpmBackend.consumer_files({"sign_packages": True}, "p", urls, True)
    assert "s3cret" not in "".join(files.values()) and "bot@" not in "".join(files.values())
