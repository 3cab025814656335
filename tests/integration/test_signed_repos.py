"""Signed repositories: the key from packaging_signing (a Zuul secret in production) signs
both formats, the verify roles install with signature checking on, a repository checked
against another key does not install, and the key material appears in no output or log."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from pipeline import ROOT, deb_vars, play, rpm_vars
from signing_keys import gpg_verify, make_key

VERIFY_ONLY = str(ROOT / "tests" / "integration" / "playbooks" / "verify-only.yaml")
PASSPHRASE = "correct horse battery staple"


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    secret, fingerprint = make_key(PASSPHRASE)
    other = export_public_of_new_key(tmp_path_factory.mktemp("other"))
    return {"secret": secret, "fingerprint": fingerprint, "other_public": other}


def export_public_of_new_key(directory):
    secret, _ = make_key(uid="Unrelated <unrelated@packaging.test>")
    home = directory / "gnupg"
    home.mkdir(mode=0o700)
    subprocess.run(["gpg", "--batch", "--homedir", str(home), "--import"], input=secret,
                   text=True, check=True, capture_output=True)
    public = directory / "unrelated.asc"
    public.write_text(subprocess.run(["gpg", "--batch", "--homedir", str(home), "--armor",
                                      "--export"], check=True, capture_output=True,
                                     text=True).stdout)
    subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)
    return public


def key_material(secret):
    """Lines of the armored secret key long enough to be unmistakable."""
    return [line for line in secret.splitlines() if len(line) >= 40]


def assert_no_key_material(secret, output, log_dir):
    leaked = [line for line in key_material(secret) if line in output]
    assert not leaked, "secret key material in the play output"
    assert PASSPHRASE not in output
    for path in Path(log_dir).rglob("*"):
        if path.is_file():
            text = path.read_text(errors="replace")
            assert PASSPHRASE not in text, path
            assert not [line for line in key_material(secret) if line in text], path


def test_signed_deb_repository(example, tmp_path, keys):
    signing = {"key": keys["secret"], "passphrase": PASSPHRASE}
    result = play("build-deb.yaml", deb_vars(example, tmp_path, packaging_signing=signing))
    assert result.rc == 0, result.output[-3000:]
    current = tmp_path / "repos" / "deb" / "bookworm" / "current"
    dists = current / "dists" / "bookworm"
    for signature, data in ((dists / "InRelease", None), (dists / "Release.gpg",
                                                         dists / "Release")):
        ok, err = gpg_verify(signature, data, current / "repo-key.asc")
        assert ok, err
        assert keys["fingerprint"][-16:] in err.replace(" ", "")
    # the published configuration does not point at the removed temporary key ring
    assert "SignWith" not in (current / "conf" / "distributions").read_text()
    assert "signed-by=%s/repo-key.asc" % (current.parent / os.readlink(current)) in result.output
    assert_no_key_material(keys["secret"], result.output, tmp_path / "output")

    # the same repository checked against an unrelated key does not install
    wrong = play(VERIFY_ONLY, {
        "verify_role": "verify-deb-install", "verify_deb_install_repo": str(current),
        "verify_deb_install_packages": ["greeter"],
        "verify_deb_install_repo_key": str(keys["other_public"]),
        "verify_deb_install_log": str(tmp_path / "wrong" / "verify.txt")})
    assert wrong.rc != 0
    assert wrong.failure.startswith("verify-deb-install: installing greeter from "), wrong.failure
    assert "is not signed" in wrong.failure or "NO_PUBKEY" in wrong.failure, wrong.failure


def test_signed_rpm_repository(example, tmp_path, keys):
    signing = {"key": keys["secret"], "passphrase": PASSPHRASE}
    result = play("build-rpm.yaml", rpm_vars(example, tmp_path, packaging_signing=signing,
                                             packaging_rpm_sign_packages=True))
    assert result.rc == 0, result.output[-3000:]
    current = tmp_path / "repos" / "rpm" / "centos-stream-9-x86_64" / "current"
    dbpath = tmp_path / "rpmdb"
    dbpath.mkdir()
    subprocess.run(["rpm", "--dbpath", str(dbpath), "--import", str(current / "repo-key.asc")],
                   check=True)
    for package in (current / "Packages").glob("*.rpm"):
        check = subprocess.run(["rpm", "--dbpath", str(dbpath), "--checksig", str(package)],
                               capture_output=True, text=True, check=False)
        assert check.stdout.strip().endswith("digests signatures OK"), check.stdout
    repodata = current / "repodata"
    ok, err = gpg_verify(repodata / "repomd.xml.asc", repodata / "repomd.xml",
                         current / "repo-key.asc")
    assert ok, err
    assert_no_key_material(keys["secret"], result.output, tmp_path / "output")
    rpms = sorted(str(p) for p in (current / "Packages").glob("*.noarch.rpm"))
    assert rpms

    wrong = play(VERIFY_ONLY, {
        "verify_role": "verify-rpm-install", "verify_rpm_install_repo": "file://%s" % current,
        "verify_rpm_install_rpms": rpms,
        "verify_rpm_install_root": str(tmp_path / "wrong" / "root"),
        "verify_rpm_install_repo_key": str(keys["other_public"]),
        "verify_rpm_install_log": str(tmp_path / "wrong" / "verify.txt")})
    assert wrong.rc != 0
    assert wrong.failure.startswith("verify-rpm-install: dnf repoquery of file://%s does not "
                                    "list greeter-" % current), wrong.failure


def test_wrong_passphrase_publishes_nothing(example, tmp_path, keys):
    signing = {"key": keys["secret"], "passphrase": "not the passphrase"}
    result = play("build-rpm.yaml", rpm_vars(example, tmp_path, packaging_signing=signing))
    assert result.rc != 0
    assert result.failure == "signing key %s cannot sign: wrong passphrase" % keys["fingerprint"]
    assert not (tmp_path / "repos" / "rpm" / "centos-stream-9-x86_64" / "current").exists()
    assert "not the passphrase" not in result.output
