"""A build for another release than the node's is linted by that release's lintian: the
example built for trixie on this bookworm machine (one play: one trixie build chroot, one
trixie lintian chroot, one build)."""

from __future__ import annotations

import subprocess
import time

import pytest
from pipeline import deb_vars, play

TARGET = "trixie"


def dpkg_gt(a, b):
    return subprocess.run(["dpkg", "--compare-versions", a, "gt", b], check=False).returncode == 0


def lintian_version(line):
    """'2.116.3+deb12u1' of 'Lintian v2.116.3+deb12u1 (...)'."""
    return line.split()[1].lstrip("v")


@pytest.fixture(scope="module")
def trixie_build(example, tmp_path_factory):
    work = tmp_path_factory.mktemp("trixie")
    started = time.monotonic()
    checks = ['test "$(greeter packager)" = "Hello, packager!"']
    result = play("build-deb.yaml", deb_vars(example, work, packaging_deb_distribution=TARGET,
                                             verify_deb_install_test_commands=checks))
    print("trixie build: %.1f s" % (time.monotonic() - started))
    assert result.rc == 0, result.output[-3000:]
    return work, result


def test_trixie_build_is_linted_by_trixies_lintian(trixie_build):
    work, result = trixie_build
    report = (work / "output" / "logs" / "deb" / "lintian.txt").read_text()
    first = report.splitlines()[0]
    host = subprocess.run(["lintian", "--version"], check=True, capture_output=True,
                          text=True).stdout.strip()
    assert first.startswith("Lintian v"), first
    assert "(chroot %s-" % TARGET in first and first.endswith("-lintian.tar)"), first
    # the node is bookworm (lintian 2.116.x); trixie's lintian is a later version
    assert dpkg_gt(lintian_version(first), lintian_version(host)), (first, host)
    assert "bad-distribution-in-changes-file" not in report
    assert "%s (chroot %s-" % (first.split(" (")[0], TARGET) in result.output
    changes = list((work / "work" / "deb" / "binary").glob("*.changes"))
    assert len(changes) == 1 and "Distribution: %s" % TARGET in changes[0].read_text()
