"""packaging_publish: build ids, retention, and rpm publishing with the real createrepo_c on
tiny RPMs that rpmbuild makes."""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import tempfile

import packaging_publish as pp
import pytest
from publish_helpers import build_tiny_rpms, failing_run, params, primary_names, real_run
from signing_keys import gpg_verify, make_key


@pytest.fixture(scope="module")
def rpms(tmp_path_factory):
    """{name: path} of tiny noarch RPMs built by rpmbuild."""
    return build_tiny_rpms(tmp_path_factory.mktemp("rpmbuild"))


def entries(path):
    return sorted(os.listdir(path))


@pytest.mark.parametrize("build_id", ["", "a/b", "..", "../x", "a..b", ".hidden", "-x",
                                      "a b", None])
def test_validate_build_id_rejects(build_id):
    with pytest.raises(pp.PublishError, match="is not a plain name"):
        pp.validate_build_id(build_id)


@pytest.mark.parametrize("build_id", ["local-abc-def", "0a1b2c3d", "1.2+git3_x"])
def test_validate_build_id_accepts(build_id):
    assert pp.validate_build_id(build_id) == build_id


BUILDS = [("b1", 100.0), ("b2", 200.0), ("b3", 300.0), ("b4", 400.0), ("b5", 500.0)]


def test_plan_retention_keeps_the_newest():
    assert pp.plan_retention(BUILDS, "b5", 2) == ["b1", "b2", "b3"]
    assert pp.plan_retention(BUILDS, "b5", 5) == []
    assert pp.plan_retention(BUILDS, "b5", 10) == []
    assert pp.plan_retention(list(reversed(BUILDS)), "b5", 1) == ["b1", "b2", "b3", "b4"]


def test_plan_retention_never_removes_current():
    assert pp.plan_retention(BUILDS, "b1", 2) == ["b2", "b3"]
    assert pp.plan_retention(BUILDS, "b1", 1) == ["b2", "b3", "b4"]
    assert pp.plan_retention(BUILDS, "b3", 1) == ["b1", "b2", "b4"]
    assert pp.plan_retention([("only", 0.0)], "only", 1) == []


def test_plan_retention_unmarked_builds_are_oldest():
    builds = BUILDS[:2] + [("stray", 0.0)]
    assert pp.plan_retention(builds, "b2", 2) == ["stray"]


def test_plan_retention_keep_at_least_one():
    with pytest.raises(pp.PublishError, match="keep must be at least 1, got 0"):
        pp.plan_retention(BUILDS, "b5", 0)


def test_deb_distributions():
    text = pp.deb_distributions("bookworm", ["main", "contrib"], ["amd64"])
    assert text.splitlines() == [
        "Origin: zuul-packaging",
        "Label: zuul-packaging",
        "Codename: bookworm",
        "Suite: bookworm",
        "Components: main contrib",
        "Architectures: amd64 source",
        "Description: continuous packaging snapshots",
    ]
    assert "Architectures: amd64 source\n" in text
    again = pp.deb_distributions("sid", ["main"], ["amd64", "source", "arm64"])
    assert "Architectures: amd64 source arm64\n" in again


def test_publish_two_builds(tmp_path, rpms):
    repo = tmp_path / "repo"
    first = pp.publish(params(repo, "b1", [rpms["tiny-a"]]), real_run)
    assert first == {"changed": True, "build_dir": str(repo / "builds" / "b1"),
                     "current": str(repo / "current"), "removed": [], "signed_by": "",
                     "staged": True, "promoted": True}
    assert os.readlink(repo / "current") == os.path.join("builds", "b1")
    assert primary_names(repo / "current") == ["tiny-a"]

    second = pp.publish(params(repo, "b2", [rpms["tiny-b"]]), real_run)
    assert second["changed"] is True
    assert second["build_dir"] == str(repo / "builds" / "b2")
    assert os.readlink(repo / "current") == os.path.join("builds", "b2")
    assert primary_names(repo / "current") == ["tiny-a", "tiny-b"]
    assert entries(repo / "current" / "Packages") == [
        "tiny-a-1.0-1.noarch.rpm", "tiny-b-2.0-1.noarch.rpm"]
    # the previous build is left as it was, for readers that still have it open
    assert primary_names(repo / "builds" / "b1") == ["tiny-a"]
    assert entries(repo / "builds") == ["b1", "b2"]
    # package files of the previous build are hard links, not copies
    old = os.stat(repo / "builds" / "b1" / "Packages" / "tiny-a-1.0-1.noarch.rpm")
    new = os.stat(repo / "builds" / "b2" / "Packages" / "tiny-a-1.0-1.noarch.rpm")
    assert (old.st_ino, old.st_dev) == (new.st_ino, new.st_dev)


def test_republish_same_build(tmp_path, rpms):
    repo = tmp_path / "repo"
    pp.publish(params(repo, "b1", [rpms["tiny-a"]]), real_run)
    pp.publish(params(repo, "b2", [rpms["tiny-b"], rpms["tiny-c"]]), real_run)
    marker = (repo / "builds" / "b2" / pp.MARKER).read_bytes()

    again = pp.publish(params(repo, "b2", [rpms["tiny-c"], rpms["tiny-b"]]), real_run)
    assert again == {"changed": False, "build_dir": str(repo / "builds" / "b2"),
                     "current": str(repo / "current"), "removed": [], "signed_by": "",
                     "staged": False, "promoted": True}
    assert (repo / "builds" / pp.MARKER).exists() is False
    assert (repo / "builds" / "b2" / pp.MARKER).read_bytes() == marker

    with pytest.raises(pp.PublishError) as info:
        pp.publish(params(repo, "b2", [rpms["tiny-a"]]), real_run)
    assert "build id b2 is already published in %s with other files" % repo in str(info.value)
    assert os.readlink(repo / "current") == os.path.join("builds", "b2")
    assert primary_names(repo / "current") == ["tiny-a", "tiny-b", "tiny-c"]
    assert entries(repo / "builds") == ["b1", "b2"]


def test_held_lock_times_out(tmp_path, rpms):
    repo = tmp_path / "repo"
    pp.publish(params(repo, "b1", [rpms["tiny-a"]]), real_run)
    lock = repo / ".lock"
    with open(lock, "a+") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with pytest.raises(pp.PublishError) as info:
            pp.publish(params(repo, "b2", [rpms["tiny-b"]], lock_timeout=1), real_run)
    assert str(info.value) == "could not take the repository lock %s within 1 s" % lock
    assert entries(repo / "builds") == ["b1"]
    assert os.readlink(repo / "current") == os.path.join("builds", "b1")
    # once the lock is free again, publishing works
    assert pp.publish(params(repo, "b2", [rpms["tiny-b"]], lock_timeout=1), real_run)["changed"]


def test_failed_run_leaves_nothing_behind(tmp_path, rpms):
    repo = tmp_path / "repo"
    pp.publish(params(repo, "b1", [rpms["tiny-a"]]), real_run)
    with pytest.raises(pp.PublishError, match="createrepo_c failed"):
        pp.publish(params(repo, "b2", [rpms["tiny-b"]]), failing_run)
    assert entries(repo / "builds") == ["b1"]  # no builds/b2, no staging directory
    assert os.readlink(repo / "current") == os.path.join("builds", "b1")
    assert primary_names(repo / "current") == ["tiny-a"]
    # the same build id publishes cleanly afterwards
    assert pp.publish(params(repo, "b2", [rpms["tiny-b"]]), real_run)["changed"] is True
    assert primary_names(repo / "current") == ["tiny-a", "tiny-b"]


def test_failed_first_publish_leaves_no_current(tmp_path, rpms):
    repo = tmp_path / "repo"
    with pytest.raises(pp.PublishError, match="createrepo_c failed"):
        pp.publish(params(repo, "b1", [rpms["tiny-a"]]), failing_run)
    assert entries(repo / "builds") == []
    assert not os.path.lexists(repo / "current")


def test_retention_through_publish(tmp_path, rpms):
    repo = tmp_path / "repo"
    pp.publish(params(repo, "b1", [rpms["tiny-a"]], keep=2), real_run)
    pp.publish(params(repo, "b2", [rpms["tiny-b"]], keep=2), real_run)
    third = pp.publish(params(repo, "b3", [rpms["tiny-c"]], keep=2), real_run)
    assert third["removed"] == ["b1"]
    assert entries(repo / "builds") == ["b2", "b3"]
    assert primary_names(repo / "current") == ["tiny-a", "tiny-b", "tiny-c"]


@pytest.mark.parametrize(("files", "message"), [
    ([], "nothing to publish"),
    (["/nonexistent/x.rpm"], "package file /nonexistent/x.rpm does not exist"),
])
def test_bad_file_lists(tmp_path, files, message):
    with pytest.raises(pp.PublishError, match=message):
        pp.publish(params(tmp_path / "repo", "b1", files), real_run)
    assert not (tmp_path / "repo").exists()


def test_wrong_file_type(tmp_path):
    deb = tmp_path / "greeter_1.0_all.deb"
    deb.write_text("not an rpm")
    with pytest.raises(pp.PublishError, match="is not a .rpm file"):
        pp.publish(params(tmp_path / "repo", "b1", [str(deb)]), real_run)
    changes = tmp_path / "greeter_1.0_amd64.changes"
    changes.write_text("x")
    with pytest.raises(pp.PublishError, match="deb_codename is required"):
        pp.publish(params(tmp_path / "repo", "b1", [str(changes)], format="deb"), real_run)


@pytest.fixture(scope="module")
def keys():
    return {"plain": make_key(), "protected": make_key("s3cret phrase")}


def gpg_homes():
    return {name for name in os.listdir(tempfile.gettempdir())
            if name.startswith("packaging-gpg-")}


def test_signed_rpm_repository_verifies_with_the_published_key(tmp_path, rpms, keys):
    armored, fingerprint = keys["protected"]
    before = gpg_homes()
    repo = tmp_path / "repo"
    result = pp.publish(params(repo, "b1", [rpms["tiny-a"]], signing_key=armored,
                               signing_passphrase="s3cret phrase"), real_run)
    assert result["signed_by"] == fingerprint
    repodata = repo / "current" / "repodata"
    ok, err = gpg_verify(repodata / "repomd.xml.asc", repodata / "repomd.xml",
                         repo / "current" / "repo-key.asc")
    assert ok, err
    public = (repo / "current" / "repo-key.asc").read_text()
    assert (repodata / "repomd.xml.key").read_text() == public
    assert "PRIVATE KEY" not in public
    assert gpg_homes() == before  # the temporary key ring is gone


def test_unsigned_build_after_a_signed_one_carries_no_signature(tmp_path, rpms, keys):
    repo = tmp_path / "repo"
    pp.publish(params(repo, "b1", [rpms["tiny-a"]], signing_key=keys["plain"][0]), real_run)
    assert (repo / "current" / "repodata" / "repomd.xml.asc").is_file()
    pp.publish(params(repo, "b2", [rpms["tiny-b"]]), real_run)
    assert not (repo / "current" / "repodata" / "repomd.xml.asc").exists()
    assert not (repo / "current" / "repo-key.asc").exists()


@pytest.mark.parametrize(("key", "passphrase", "message"), [
    ("protected", "wrong", "cannot sign: wrong passphrase"),
    ("protected", "", "cannot sign: wrong passphrase"),
    ("garbage", "", "signing key: not one ASCII-armored OpenPGP secret key (found 0"),
    ("public", "", "signing key: not one ASCII-armored OpenPGP secret key (found 0"),
])
def test_bad_signing_key_fails_and_publishes_nothing(tmp_path, rpms, keys, key, passphrase,
                                                    message):
    armored = {"garbage": "-----BEGIN PGP PRIVATE KEY BLOCK-----\nnot a key\n",
               "public": public_of(keys["plain"][0])}.get(key) or keys[key][0]
    before = gpg_homes()
    repo = tmp_path / "repo"
    with pytest.raises(pp.PublishError) as info:
        pp.publish(params(repo, "b1", [rpms["tiny-a"]], signing_key=armored,
                          signing_passphrase=passphrase), real_run)
    assert message in str(info.value)
    assert "\n" not in str(info.value)
    assert not repo.exists()
    assert gpg_homes() == before


def public_of(armored):
    home = tempfile.mkdtemp(prefix="test-gpg-")
    try:
        subprocess.run(["gpg", "--batch", "--homedir", home, "--import"], input=armored,
                       text=True, check=True, capture_output=True)
        return subprocess.run(["gpg", "--batch", "--homedir", home, "--armor", "--export"],
                              check=True, capture_output=True, text=True).stdout
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], check=False)
        subprocess.run(["rm", "-rf", home], check=True)


def test_secret_fingerprints_reads_primary_secret_keys_only():
    colons = ("sec:u:255:22:AAAA:1::::::scSC:::+:::23::0:\n"
              "fpr:::::::::1111222233334444555566667777888899990000:\n"
              "grp:::::::::ABCD:\n"
              "ssb:u:255:18:BBBB:1::::::e:::+:::cv25519::\n"
              "fpr:::::::::AAAABBBBCCCCDDDDEEEEFFFF0000111122223333:\n")
    assert pp.secret_fingerprints(colons) == ["1111222233334444555566667777888899990000"]


def test_same_file_name_again_never_writes_through_the_previous_builds_hard_link(tmp_path,
                                                                                rpms):
    repo = tmp_path / "repo"
    pp.publish(params(repo, "b1", [rpms["tiny-a"]]), real_run)
    old_file = repo / "builds" / "b1" / "Packages" / os.path.basename(rpms["tiny-a"])
    before = old_file.read_bytes()
    (tmp_path / "rebuild").mkdir()
    rebuilt = build_tiny_rpms(tmp_path / "rebuild", versions=[("tiny-a", "1.0")],
                              payload_bytes=64)["tiny-a"]  # same NEVR, other bytes
    pp.publish(params(repo, "b2", [rebuilt]), real_run)
    assert old_file.read_bytes() == before
    new_file = repo / "builds" / "b2" / "Packages" / os.path.basename(rebuilt)
    assert new_file.read_bytes() == open(rebuilt, "rb").read()


def rpm_checksig(path, public_key, dbpath):
    dbpath.mkdir(exist_ok=True)
    subprocess.run(["rpm", "--dbpath", str(dbpath), "--import", str(public_key)], check=True,
                   capture_output=True)
    return subprocess.run(["rpm", "--dbpath", str(dbpath), "-K", str(path)], capture_output=True,
                          text=True, check=False)


def test_sign_packages_signs_the_added_rpms_with_rpmsign(tmp_path, rpms, keys):
    armored, _ = keys["protected"]
    repo = tmp_path / "repo"
    pp.publish(params(repo, "b1", [rpms["tiny-a"]], signing_key=armored,
                      signing_passphrase="s3cret phrase", sign_packages=True), real_run)
    published = repo / "current" / "Packages" / os.path.basename(rpms["tiny-a"])
    check = rpm_checksig(published, repo / "current" / "repo-key.asc", tmp_path / "rpmdb")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "signatures OK" in check.stdout
    # the build's own file is left unsigned: only the published copy is signed
    unsigned = rpm_checksig(rpms["tiny-a"], repo / "current" / "repo-key.asc", tmp_path / "db2")
    assert "signatures OK" not in unsigned.stdout


def test_sign_packages_without_a_key_fails_and_publishes_nothing(tmp_path, rpms):
    repo = tmp_path / "repo"
    with pytest.raises(pp.PublishError) as info:
        pp.publish(params(repo, "b1", [rpms["tiny-a"]], sign_packages=True), real_run)
    assert str(info.value) == "sign_packages needs signing_key"
    assert not (repo / "current").exists()


def test_update_build_keys_drops_keys_whose_files_are_gone():
    keys = {"k1": {"build_id": "b1", "files": ["Packages/a-1.rpm"]},
            "k2": {"build_id": "b2", "files": ["Packages/b-1.rpm"]}}
    kept = pp.update_build_keys(keys, "k3", "b3", {"Packages/c-1.rpm"},
                                {"Packages/b-1.rpm", "Packages/c-1.rpm"})
    assert kept == {"k2": {"build_id": "b2", "files": ["Packages/b-1.rpm"]},
                    "k3": {"build_id": "b3", "files": ["Packages/c-1.rpm"]}}


def test_build_keys_are_recorded_with_the_files_each_build_added(tmp_path, rpms):
    repo = str(tmp_path / "repo")
    pp.publish(params(repo, "b1", [rpms["tiny-a"]], build_key="key-a"), real_run)
    pp.publish(params(repo, "b2", [rpms["tiny-b"]], build_key="key-b"), real_run)
    with open(os.path.join(repo, "current", pp.BUILD_KEYS), encoding="utf-8") as handle:
        keys = json.load(handle)
    assert keys == {
        "key-a": {"build_id": "b1", "files": ["Packages/" + os.path.basename(rpms["tiny-a"])]},
        "key-b": {"build_id": "b2", "files": ["Packages/" + os.path.basename(rpms["tiny-b"])]}}
    # the earlier build's record was rewritten, not written through its hard link
    with open(os.path.join(repo, "builds", "b1", pp.BUILD_KEYS), encoding="utf-8") as handle:
        assert list(json.load(handle)) == ["key-a"]
