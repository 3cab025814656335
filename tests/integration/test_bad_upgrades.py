"""A build whose upgrade test fails is never promoted: the example's real job (sbuild or
rpmbuild, the publisher, the install step) against a repository whose earlier build holds a
higher version of greeter (tags re-cut), one row per format. The step fails with one line
naming both versions, the failure's report says so, and the pointers did not move."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from pipeline import deb_vars, play, rpm_vars
from publish_helpers import build_tiny_rpms
from test_deb_upgrade import make_build as make_deb_build
from test_deb_upgrade import make_deb


def seed_deb(tmp_path, work):
    """bookworm's tested pointer names a build holding greeter 9.9-1; no current yet."""
    repo = work / "repos" / "deb" / "bookworm"
    make_deb_build(repo, "seed", [make_deb(tmp_path, "greeter", "9.9-1")])
    (repo / "tested").symlink_to("builds/seed")
    return repo


def seed_rpm(tmp_path, work):
    """current names a build holding greeter 9.9-1."""
    repo = work / "repos" / "rpm" / "centos-stream-9-x86_64"
    rpm = build_tiny_rpms(tmp_path / "rpmbuild", versions=[("greeter", "9.9")])["greeter"]
    build = repo / "builds" / "seed"
    (build / "Packages").mkdir(parents=True)
    (build / "Packages" / os.path.basename(rpm)).write_bytes(open(rpm, "rb").read())
    subprocess.run(["createrepo_c", "--quiet", str(build)], check=True, capture_output=True)
    (repo / "current").symlink_to("builds/seed")
    return repo


# (id, format, seed, extra vars, the pointer, the one line's parts)
CASES = [
    ("deb-downgrade-from-tested", "deb", seed_deb, {"packaging_upgrade_from": "tested"},
     "tested", ("verify-deb-install: downgrade: greeter 0.1.0+git1.cb80a581-1.g",
                " (this build) sorts lower than 9.9-1 in tested (build seed); an upgrade from "
                "tested would keep the old package")),
    ("rpm-downgrade-from-current", "rpm", seed_rpm, {}, "current",
     ("verify-rpm-install: downgrade: greeter 0.1.0^git1.cb80a581-1.g",
      " (this build) sorts lower than 9.9-1 in current (build seed); an upgrade from current "
      "would keep the old package")),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_a_failing_upgrade_is_not_promoted(case, example, tmp_path):
    _, kind, seed, extra, pointer, (start, end) = case
    work = tmp_path / "run"
    repo = seed(tmp_path, work)
    make_vars = deb_vars if kind == "deb" else rpm_vars
    result = play("build-%s.yaml" % kind, make_vars(example, work, **extra))
    assert result.rc != 0
    assert len(set(result.failures)) == 1, result.output[-3000:]
    assert "\n" not in result.failure
    assert result.failure.startswith(start) and result.failure.endswith(end), result.failure
    # the pointer still names the seed; the staged build did not become current
    assert os.readlink(repo / pointer) == "builds/seed"
    assert kind == "rpm" or not (repo / "current").exists()
    report = json.loads((work / "output" / "artifacts" / ("build-report-%s.json" % kind))
                        .read_text())
    assert report["outcome"] == "failed"
    assert report["failure"]["step"] == "install"
    assert report["failure"]["message"] == result.failure
