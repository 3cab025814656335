"""The collection's jobs, run by a real Zuul against local git repositories."""

from __future__ import annotations

import json
import subprocess
import urllib.parse
from pathlib import Path

import pytest
import yaml
from signing_keys import gpg_verify, make_key

ROOT = Path(__file__).resolve().parents[2]
JOBS = ("packaging-build-deb", "packaging-build-rpm", "greeter-extra-build-deb",
        "greeter-publish-deb", "greeter-publish-deb-without-key", "greeter-promote-deb",
        "packaging-parity")


def test_every_job_loads_without_configuration_errors(zuul):
    assert zuul.api("tenant/packaging/config-errors") == []
    defined = {job["name"] for job in yaml.safe_load((ROOT / "zuul.d" / "jobs.yaml").read_text())
               for job in [job["job"]]}
    loaded = {job["name"]: job for job in zuul.api("tenant/packaging/jobs")}
    assert defined <= set(loaded)
    for name in defined:
        assert loaded[name]["description"], name


PASSPHRASE = "zuul secret passphrase"


def encrypted(zuul, value):
    return "!encrypted/pkcs1-oaep\n" + "".join(
        "          - %s\n" % chunk for chunk in zuul.encrypt("zuul-config", value))


def publish_config(zuul, key):
    """The team's side of a publish job: a secret and a child job passing it to the parent."""
    work = zuul.work
    common = """    required-projects:
      - greeter-deb
    vars:
      packaging_distgit_url: file:///nonexistent/greeter-deb
      packaging_build_dir: "{work}/{name}/work"
      packaging_repo_dir: "{work}/{name}/repos"
      zuul_output_dir: "{work}/{name}/output"
"""
    return ("---\n- secret:\n    name: greeter-repo-signing\n    data:\n"
            "      key: " + encrypted(zuul, key).replace("\n          -", "\n        -") +
            "      passphrase: " + encrypted(zuul, PASSPHRASE).replace(
                "\n          -", "\n        -") + """
- job:
    name: greeter-publish-deb
    parent: packaging-publish-deb
    description: greeter's signed apt repository.
    secrets:
      - name: packaging_signing
        secret: greeter-repo-signing
        pass-to-parent: true
""" + common.format(work=work, name="signed") + """
- job:
    name: greeter-publish-deb-without-key
    parent: packaging-publish-deb
    description: A publish job someone forgot to give the secret.
""" + common.format(work=work, name="nokey") + """
- job:
    name: greeter-promote-deb
    parent: packaging-promote-deb
    description: Points tested and current-passed-ci at the build greeter-publish-deb checked.
    vars:
      packaging_repo_dir: "{work}/signed/repos"
      zuul_output_dir: "{work}/promote/output"
      packaging_promote_pointers: [tested, current-passed-ci]

- project:
    name: greeter
    post:
      jobs:
        - greeter-publish-deb
        - greeter-publish-deb-without-key
        - greeter-promote-deb:
            dependencies: [greeter-publish-deb]
""".replace("{work}", str(work)))


@pytest.fixture(scope="module")
def signing_key():
    return make_key(PASSPHRASE)


@pytest.fixture(scope="module")
def buildset(zuul, signing_key):
    """The publish jobs with their secret, then a distgit commit (its repo is in
    required-projects), then an upstream commit that triggers every job in the post
    pipeline."""
    zuul.push_config("zuul.d/publish.yaml", publish_config(zuul, signing_key[0]),
                     "greeter-publish-deb")
    distgit_sha = zuul.push_commit(
        "greeter-deb", "debian/README.source", "Built by Zuul from required-projects.\n",
        "Document the source package", "2026-11-07T10:00:00Z")
    upstream_sha = zuul.push_commit(
        "greeter", "NEWS", "Unreleased: built by Zuul.\n", "Add NEWS", "2026-11-07T11:00:00Z")
    builds = zuul.wait_builds("greeter", upstream_sha, JOBS, 1200)
    return upstream_sha, distgit_sha, builds


def artifact(build, name):
    found = [a for a in build["artifacts"] if a["name"] == name]
    assert found, "no artifact %r in %s" % (name, build["artifacts"])
    return found[0]


def test_build_jobs_succeed(buildset):
    _, _, builds = buildset
    for job in JOBS[:4]:
        assert builds[job]["result"] == "SUCCESS", builds[job]


def test_deb_artifact_points_at_a_repository_holding_the_packages(buildset, zuul):
    upstream_sha, distgit_sha, builds = buildset
    build = builds["packaging-build-deb"]
    repo = artifact(build, "deb repository")
    # the build's own repository, copied into its logs: Zuul resolved the relative URL
    assert repo["url"] == build["log_url"] + "packaging/repository/deb/"
    meta = repo["metadata"]
    assert meta["upstream_sha"] == upstream_sha
    assert meta["local_url"].startswith("file://%s/repos/deb/bookworm/builds/" % zuul.work)
    listing = subprocess.run(["reprepro", "-b", str(zuul.log_dir(build) / "packaging" /
                                                     "repository" / "deb"), "list", "bookworm"],
                             check=True, capture_output=True, text=True).stdout
    assert "bookworm|main|amd64: greeter %s" % meta["version"] in listing
    assert meta["packages"] == ["greeter_%s_all.deb" % meta["version"]]
    assert meta["version"].startswith("0.1.0+git2.%s-2.g%s" % (upstream_sha[:8], distgit_sha[:8]))


def test_distgit_from_required_projects_was_built(buildset):
    _, distgit_sha, builds = buildset
    meta = artifact(builds["packaging-build-deb"], "deb repository")["metadata"]
    # the job's packaging_distgit_url points nowhere: only Zuul's checkout could be used
    assert meta["distgit_origin"] == "zuul"
    assert meta["distgit_sha"] == distgit_sha


def test_rpm_artifact_points_at_a_repository_listing_the_rpm(buildset, tmp_path):
    upstream_sha, _, builds = buildset
    repo = artifact(builds["packaging-build-rpm"], "rpm repository")
    meta = repo["metadata"]
    assert meta["distgit_origin"] == "zuul"
    assert meta["version"].startswith("0.1.0^git2.%s-" % upstream_sha[:8])
    out = subprocess.run(
        ["dnf", "-q", "--installroot", str(tmp_path), "--releasever=9",
         "--setopt=reposdir=/dev/null", "--repofrompath=z,%s" % repo["url"], "--repo=z",
         "repoquery", "--qf", "%{name}-%{version}-%{release}"],
        check=True, capture_output=True, text=True).stdout.split()
    assert "greeter-%s" % meta["version"] in out


def test_logs_and_report_reach_the_log_server(buildset, zuul):
    _, _, builds = buildset
    build = builds["packaging-build-deb"]
    logs = zuul.log_dir(build)
    # Zuul resolves the relative artifact URL against the build's log URL
    report_artifact = artifact(build, "deb build report")
    assert report_artifact["url"] == build["log_url"] + "packaging/artifacts/build-report-deb.json"
    report = json.loads((logs / "packaging" / "artifacts" / "build-report-deb.json").read_text())
    meta = artifact(build, "deb repository")["metadata"]
    assert (report["version"], report["upstream_sha"]) == (meta["version"], meta["upstream_sha"])
    assert (logs / "packaging" / "artifacts" / meta["packages"][0]).is_file()
    assert list((logs / "packaging" / "logs" / "deb").glob("*.build.txt"))
    assert (logs / "packaging" / "logs" / "deb" / "verify-install.txt").is_file()


def test_consumer_builds_and_installs_from_the_earlier_jobs_repository(buildset, zuul):
    upstream_sha, _, builds = buildset
    greeter = artifact(builds["packaging-build-deb"], "deb repository")["metadata"]
    extra = builds["greeter-extra-build-deb"]
    assert extra["result"] == "SUCCESS", extra
    assert extra["start_time"] >= builds["packaging-build-deb"]["end_time"]
    repo = artifact(extra, "deb repository")
    assert repo["metadata"]["source"] == "greeter-extra"
    assert repo["metadata"]["upstream_sha"] == upstream_sha
    # its own repository holds only greeter-extra: greeter came from the earlier job's
    listing = subprocess.run(["reprepro", "-b", repo["metadata"]["local_url"][len("file://"):],
                              "list", "bookworm"],
                             check=True, capture_output=True, text=True).stdout
    assert "greeter-extra " in listing and "greeter %s" % greeter["version"] not in listing
    # it ran on the second node, which does not see the first one's files: greeter came over
    # the log server's HTTP
    assert repo["metadata"]["local_url"].startswith("file://%s/" % zuul.work_b)
    assert fetched_from_the_log_server(zuul, builds["packaging-build-deb"], greeter["version"])
    logs = zuul.log_dir(extra) / "packaging" / "logs" / "deb"
    build_log = next(logs.glob("*.build.txt")).read_text()
    assert "greeter (%s)" % greeter["version"] in build_log  # installed as a build-dependency
    installed = (logs / "verify-install.txt").read_text()
    assert "Setting up greeter (%s)" % greeter["version"] in installed


def fetched_from_the_log_server(zuul, producer, version):
    """Requests for the producer's deb in its logs' repository copy, from the log server."""
    path = "/%s/packaging/repository/deb/pool/main/g/greeter/greeter_%s_all.deb" % (
        producer["uuid"], version)
    # apt quotes '+' in the version as %2b
    return [line for line in (zuul.home / "log-web" / "access.log").read_text().splitlines()
            if '"GET %s HTTP/1.1" 200 ' % path in urllib.parse.unquote(line)]


def job_output(zuul, build):
    return (zuul.log_dir(build) / "job-output.txt").read_text()


def test_publish_job_signs_with_the_secret_and_never_logs_it(buildset, zuul, signing_key):
    _, _, builds = buildset
    build = builds["greeter-publish-deb"]
    meta = artifact(build, "deb repository")["metadata"]
    served = zuul.log_dir(build) / "packaging" / "repository" / "deb"
    ok, err = gpg_verify(served / "dists" / "bookworm" / "InRelease", None,
                         served / "repo-key.asc")
    assert ok, err
    assert signing_key[1][-16:] in err.replace(" ", "")
    output = job_output(zuul, build)
    # the install check used the staged build, on the node, with its key
    assert "signed-by=%s/repo-key.asc" % meta["local_url"][len("file://"):] in output
    assert "Setting up greeter (%s)" % meta["version"] in (
        zuul.log_dir(build) / "packaging" / "logs" / "deb" / "verify-install.txt").read_text()
    secret_lines = [line for line in signing_key[0].splitlines() if len(line) >= 40]
    for path in [*zuul.log_dir(build).rglob("*"), *zuul.logs.rglob("*")]:
        if path.is_file():
            text = path.read_text(errors="replace")
            assert PASSPHRASE not in text, path
            assert not [line for line in secret_lines if line in text], path


def test_promote_job_points_tested_at_the_published_build_without_rebuilding(buildset, zuul):
    """The promote job of the buildset finds the build in the publish job's artifact and
    moves two pointers to it: the packages they serve are the files the publish job built
    and install-checked (same sha256), and nothing is built again."""
    import hashlib

    upstream_sha, _, builds = buildset
    promote, publish = builds["greeter-promote-deb"], builds["greeter-publish-deb"]
    assert promote["result"] == "SUCCESS", promote
    assert promote["start_time"] >= publish["end_time"]
    output = job_output(zuul, promote)
    assert "build-deb-source" not in output and "Run sbuild" not in output
    published = artifact(publish, "deb repository")["metadata"]
    repo = zuul.work / "signed" / "repos" / "deb" / "bookworm"
    build_dir = Path(published["local_url"][len("file://"):])
    for pointer in ("tested", "current-passed-ci"):
        assert (repo / pointer).resolve() == build_dir.resolve()
        returned = artifact(promote, "deb " + pointer)["metadata"]
        assert returned == {"type": "deb_pointer", "pointer": pointer,
                            "build_id": build_dir.name, "moved": True}
    deb = published["packages"][0]
    served = next((repo / "tested" / "pool").rglob(deb)).read_bytes()
    installed = (zuul.log_dir(publish) / "packaging" / "artifacts" / deb).read_bytes()
    assert hashlib.sha256(served).hexdigest() == hashlib.sha256(installed).hexdigest()
    history = json.loads((repo / "promotions.json").read_text())
    assert [(h["pointer"], h["build_id"], h["upstream_sha"], h["buildset"]) for h in history] == [
        (p, build_dir.name, upstream_sha, promote["buildset"]["uuid"])
        for p in ("tested", "current-passed-ci")]
    assert "post" in history[0]["by"]
    assert ("URIs: file://%s/tested\n" % repo) in (
        repo / "packaging-bookworm-tested.sources").read_text()


def test_parity_job_returns_the_difference_as_a_zuul_warning(buildset, zuul):
    """packaging-parity, depending on both build jobs, compares their packages (found from
    their repository artifacts) and returns the example's deliberate difference (the spec
    ships README.md as %doc, debian/ does not) as a Zuul warning; it does not fail for it."""
    _, _, builds = buildset
    parity = builds["packaging-parity"]
    assert parity["result"] == "SUCCESS", parity
    assert parity["start_time"] >= max(builds["packaging-build-deb"]["end_time"],
                                       builds["packaging-build-rpm"]["end_time"])
    report = json.loads((zuul.log_dir(parity) / "packaging" / "artifacts" /
                         "parity-report.json").read_text())
    lines = [d["message"] if isinstance(d, dict) else d for d in report["differences"]]
    line = [m for m in lines if m.startswith("rpm installs /usr/share/doc/greeter")]
    assert line and line[0].endswith("/README.md, the deb does not"), lines
    assert "build-deb-source" not in job_output(zuul, parity)  # nothing built
    # the scheduler received it as one of the build's warnings
    scheduler = (zuul.logs / "scheduler.log").read_text(errors="replace")
    assert [entry for entry in scheduler.splitlines()
            if "Build complete, result SUCCESS, warnings" in entry and line[0] in entry]
    assert artifact(parity, "parity report")["url"].endswith("parity-report.json")
    # build dependencies were compared: the rpm job publishes no SRPM, its build report's
    # copy was read from the rpm job's logs
    assert "build-depends" in report["compared"], report.get("notes")
    assert report["rpm"]["source"].endswith(".src.rpm")


def test_parity_job_finds_the_distgits_for_the_drift_check(buildset, zuul):
    """With the distgits in required-projects and no packaging_drift_* variable, the drift
    check finds each one among the projects Zuul prepared, by the commit its build job
    built from."""
    _, distgit_sha, builds = buildset
    parity = builds["packaging-parity"]
    drift = json.loads((zuul.log_dir(parity) / "packaging" / "artifacts" /
                        "drift-report.json").read_text())
    assert sorted(drift["distgits"]) == ["deb", "rpm"], drift
    assert drift["distgits"]["deb"]["project"].endswith("greeter-deb")
    assert drift["distgits"]["deb"]["how"] == (
        "the deb build's distgit commit %s" % distgit_sha[:12])
    assert drift["distgits"]["rpm"]["project"].endswith("greeter-rpm")


def test_publish_job_without_its_secret_fails_before_building(buildset, zuul):
    _, _, builds = buildset
    build = builds["greeter-publish-deb-without-key"]
    assert build["result"] == "FAILURE", build
    output = job_output(zuul, build)
    assert ("publish-packaging-repo: this job publishes signed repositories and "
            "publish_packaging_repo_signing_key is empty") in output
    assert "build-deb-source" not in output  # failed before the build
    assert not (zuul.work / "nokey" / "repos").exists()


@pytest.fixture(scope="module")
def buildset_again(zuul, buildset):
    """The same commits again, as a new buildset (an operator's enqueue-ref)."""
    upstream_sha, _, first = buildset
    oldrev = first["packaging-build-deb"]["ref"]["oldrev"]
    zuul.enqueue_ref("greeter", oldrev, upstream_sha)
    jobs = ("packaging-build-deb", "greeter-extra-build-deb")
    done = {build["uuid"] for build in first.values()}
    return first, zuul.wait_builds("greeter", upstream_sha, jobs, 900, exclude=done)


def test_a_skipped_build_still_returns_its_repository_and_the_consumer_builds(buildset_again,
                                                                             zuul):
    first, again = buildset_again
    producer = again["packaging-build-deb"]
    assert producer["result"] == "SUCCESS", producer
    assert "nothing new to build or publish" in job_output(zuul, producer)
    repo = artifact(producer, "deb repository")
    built = artifact(first["packaging-build-deb"], "deb repository")["metadata"]
    # the build that holds the key, reported as reused: the same immutable build directory
    assert repo["metadata"]["outcome"] == "reused"
    assert repo["metadata"]["local_url"] == built["local_url"]
    assert repo["url"] == producer["log_url"] + "packaging/repository/deb/"
    consumer = again["greeter-extra-build-deb"]
    assert consumer["result"] == "SUCCESS", consumer
    assert fetched_from_the_log_server(zuul, producer, built["version"])
