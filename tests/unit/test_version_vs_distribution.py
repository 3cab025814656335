"""Snapshot versions against the target distribution's own release of the same upstream
version: real version strings from the node's apt index (a bookworm node, the deb jobs'
default target), the snapshot computed by module_utils packaging_version for that upstream
version, compared by dpkg itself. A packaging team that snapshots a package the distribution
ships (its distgit is the distribution's, so it carries the same epoch) must get an upgrade
over the distribution's package, never a downgrade.

No rpm repository is reachable from these machines, so there is no real CentOS Stream 9
version string to compare with offline; test_packaging_version.py compares the rpm snapshots
with el9-shaped releases (rpm.labelCompare)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from ansible.module_utils.zuul_packaging import packaging_version as pv
from debian.debian_support import Version

# small packages bookworm ships, with plain, dotted, Debian-revisioned (+debNuM, ~debNuM,
# +bN binNMU) and epoch'd (diffutils 1:) versions
PACKAGES = ["hello", "sed", "less", "bc", "tree", "jq", "diffutils", "grep", "gzip"]
UPSTREAM_SHA = "0123456789abcdef0123456789abcdef01234567"
DISTGIT_SHA = "89abcdef0123456789abcdef0123456789abcdef"


def distribution_version(package):
    """The candidate version of package in the node's apt index, or None."""
    if not shutil.which("apt-cache"):
        return None
    out = subprocess.run(["apt-cache", "show", "--no-all-versions", "--", package],
                         capture_output=True, text=True, check=False).stdout
    for line in out.splitlines():
        if line.startswith("Version: "):
            return line.split(" ", 1)[1].strip()
    return None


def dpkg(a, op, b):
    proc = subprocess.run(["dpkg", "--compare-versions", a, op, b], check=False)
    assert proc.returncode in (0, 1), "dpkg --compare-versions %s %s %s failed" % (a, op, b)
    return proc.returncode == 0


def snapshot(distro, commits_since_tag, distgit_commits):
    """The deb version packaging_version gives a snapshot of distro's upstream version, with
    distro's epoch (build-deb-source keeps the distgit changelog's epoch)."""
    parsed = Version(distro)
    base = pv.to_version(parsed.upstream_version, "upstream version", "")
    deb = pv.snapshot_versions(base, commits_since_tag, UPSTREAM_SHA, distgit_commits,
                               DISTGIT_SHA)["deb_version"]
    return ("%s:" % parsed.epoch if parsed.epoch else "") + deb


@pytest.mark.parametrize("package", PACKAGES)
def test_snapshot_after_the_release_upgrades_the_distributions_package(package):
    distro = distribution_version(package)
    if distro is None:
        pytest.skip("%s is not in this node's apt index" % package)
    for commits_since_tag in (1, 2, 250):
        for distgit_commits in (1, 3, 400):
            ours = snapshot(distro, commits_since_tag, distgit_commits)
            assert dpkg(ours, "gt", distro), "%s sorts below %s's %s" % (ours, package, distro)
            # python-debian (the build roles' comparator) agrees with dpkg
            assert Version(ours) > Version(distro)


def test_a_build_at_the_release_tag_sorts_by_distgit_commit_count():
    """A known limit: at the release tag itself (no commits since) the version is
    <upstream>-<distgit commits>.g<sha>, which is an upgrade over the distribution's
    <upstream>-<revision> when the distgit has at least as many commits as the revision's
    number (hello 2.10-3: a distgit of 1 or 2 commits sorts below it, 2.10-3.g<sha> above)."""
    distro = distribution_version("hello")
    if distro is None or Version(distro).upstream_version != "2.10":
        pytest.skip("bookworm's hello 2.10 is not in this node's apt index")
    revision = int(Version(distro).debian_revision.split(".")[0].split("+")[0])
    assert dpkg(snapshot(distro, 0, 1), "lt", distro)
    assert dpkg(snapshot(distro, 0, revision - 1), "lt", distro)
    assert dpkg(snapshot(distro, 0, revision), "gt", distro)
