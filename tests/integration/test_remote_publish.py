"""Publishing to a repository host over ssh, read over HTTP: a real sshd and a real nginx on
127.0.0.1. The lock, the signature and the swap of `current` happen on the host; the install
checks install from the http:// URL with signature checking on; the ssh key and the signing
key appear in no output or log; a host that is not the one in known_hosts is refused."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from pipeline import deb_vars, play, rpm_vars
from repo_host import RepoHost
from signing_keys import gpg_verify, make_key

PASSPHRASE = "remote publishing passphrase"


@pytest.fixture(scope="module")
def host(tmp_path_factory):
    server = RepoHost(tmp_path_factory.mktemp("repo-host")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def signing():
    key, fingerprint = make_key(PASSPHRASE)
    return {"key": key, "passphrase": PASSPHRASE, "fingerprint": fingerprint}


def secrets_absent(output, *secrets):
    for secret in secrets:
        for line in secret.splitlines():
            if len(line) >= 40:
                assert line not in output, "secret material in the output"
    assert PASSPHRASE not in output


def served(host, path):
    return [line for line in host.access_log.read_text().splitlines()
            if re.search(r'"GET %s[^ ]* HTTP/1\.1" 200 ' % re.escape(path), line)]


def test_deb_published_on_the_host_and_installed_over_http(example, tmp_path, host, signing):
    values = deb_vars(example, tmp_path, **host.job_vars(),
                      packaging_signing={"key": signing["key"], "passphrase": PASSPHRASE})
    result = play("build-deb.yaml", values)
    assert result.rc == 0, result.output[-3000:]
    current = host.root / "deb" / "bookworm" / "current"
    ok, err = gpg_verify(current / "dists" / "bookworm" / "InRelease", None,
                         current / "repo-key.asc")
    assert ok, err
    assert list((current / "pool").rglob("greeter_*_all.deb"))
    assert not (tmp_path / "repos").exists()  # nothing was published on the node itself
    assert not list(Path("/tmp").glob("packaging-incoming.*"))  # the host's incoming dir
    assert not list(Path("/tmp").glob("packaging-ssh-*"))  # the node's copy of the ssh key
    url = host.url + "/deb/bookworm/current"
    build = host.url + "/deb/bookworm/" + os.readlink(current)
    # apt in the clean root fetched the signed index and the package of the staged build
    # over HTTP, before current pointed at it
    assert served(host, "/deb/bookworm/builds/")
    assert served(host, "/deb/bookworm/%s/dists/bookworm/InRelease" % os.readlink(current))
    assert served(host, "/deb/bookworm/%s/pool/main/g/greeter/greeter_" % os.readlink(current))
    verify_log = (tmp_path / "output" / "logs" / "deb" / "verify-install.txt").read_text()
    assert build in verify_log
    report = (tmp_path / "output" / "artifacts" / "build-report-deb.json").read_text()
    assert '"repository": "%s"' % url in report
    secrets_absent(result.output, signing["key"], host.ssh["key"])


def test_rpm_published_on_the_host_and_installed_over_http(example, tmp_path, host, signing):
    values = rpm_vars(example, tmp_path, **host.job_vars(),
                      packaging_signing={"key": signing["key"], "passphrase": PASSPHRASE})
    result = play("build-rpm.yaml", values)
    assert result.rc == 0, result.output[-3000:]
    current = host.root / "rpm" / "centos-stream-9-x86_64" / "current"
    ok, err = gpg_verify(current / "repodata" / "repomd.xml.asc",
                         current / "repodata" / "repomd.xml", current / "repo-key.asc")
    assert ok, err
    build = os.readlink(current)
    assert served(host, "/rpm/centos-stream-9-x86_64/%s/repodata/repomd.xml.asc" % build)
    assert served(host, "/rpm/centos-stream-9-x86_64/%s/Packages/greeter-" % build)
    secrets_absent(result.output, signing["key"], host.ssh["key"])


def test_unknown_host_key_is_refused_and_nothing_published(example, tmp_path, host):
    values = rpm_vars(example, tmp_path, **host.job_vars())
    values["packaging_repo_dir"] = str(host.root / "elsewhere")
    wrong = dict(host.ssh, known_hosts=host.ssh["known_hosts"].replace(
        "[127.0.0.1]", "[repos.invalid]"))
    values["packaging_repo_ssh"] = wrong
    # the host already serves this build (the test above): look nothing up, try the upload
    values["packaging_skip_published"] = False
    result = play("build-rpm.yaml", values)
    assert result.rc != 0
    assert result.failure == ("upload-packaging-repo: ssh to root@127.0.0.1 port %d failed: "
                              "Host key verification failed." % host.ssh_port)
    assert not (host.root / "elsewhere").exists()
    secrets_absent(result.output, host.ssh["key"])
