"""build-rpm-binary's mock path (mock itself cannot run on these Debian machines): the role runs
with the mock builder against a stand-in `mock` first in PATH, which rebuilds the SRPM with
the real rpmbuild and leaves its --resultdir the way mock does (the binary RPMs, the SRPM,
build.log, root.log, state.log). Checked: the generated config and the exact command line,
mock's logs kept, the RPMs collected without the SRPM, the reuse of an unchanged build, and
a failed mock run's one line."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap

from pipeline import ROOT, parse_failures

TARGET = "centos-stream-9-x86_64"
REPO = "file:///srv/repos/rpm/extra/current"

SPEC = textwrap.dedent("""\
    Name: collected
    Version: 1.0
    Release: 1
    Summary: collection test
    License: MIT
    BuildArch: noarch
    %description
    collection test
    %build
    @BUILD@
    %install
    mkdir -p %{buildroot}/usr/share/collected
    echo x > %{buildroot}/usr/share/collected/x
    %files
    /usr/share/collected/x
    """)

# What the role needs of mock: its command line, a result directory as mock leaves it, and
# mock's exit code and ERROR lines when the build fails.
FAKE_MOCK = textwrap.dedent("""\
    #!/bin/sh
    set -u
    echo "$*" >> "$FAKE_MOCK_CALLS"
    [ "$1" = -r ] && [ "$3" = --resultdir ] && [ "$5" = --rebuild ] || { echo "usage" >&2; exit 5; }
    config=$2 results=$4 srpm=$6
    grep -q "^include('%(target)s.cfg')$" "$config" || { echo "ERROR: bad config" >&2; exit 5; }
    mkdir -p "$results"
    top=$(mktemp -d)
    echo "INFO: mock.py version 5.6 starting..."
    echo "root log of $config" > "$results/root.log"
    echo "state log" > "$results/state.log"
    if rpmbuild --rebuild --nodeps --define "_topdir $top" "$srpm" > "$results/build.log" 2>&1; then
        find "$top/RPMS" -name '*.rpm' -exec cp {} "$results/" \\;
        cp "$srpm" "$results/"
        echo "INFO: Results and/or logs in: $results"
        rm -rf "$top"
        exit 0
    fi
    rm -rf "$top"
    name=$(basename "$srpm")
    echo "ERROR: Exception(/builddir/build/SRPMS/$name) Config(%(target)s) 0 minutes 1 seconds" >&2
    echo "INFO: Results and/or logs in: $results" >&2
    echo "ERROR: Command failed: " >&2
    exit 30
    """) % {"target": TARGET}

PLAYBOOK = textwrap.dedent("""\
    - hosts: localhost
      gather_subset: [min]
      tasks:
        - ansible.builtin.include_role:
            name: build-rpm-binary
        - ansible.builtin.copy:
            content: >-
              {{ {'packages': build_rpm_binary_packages, 'builder': build_rpm_binary_builder,
                  'buildroot': build_rpm_binary_buildroot, 'log_dir': build_rpm_binary_log_dir,
                  'record': build_rpm_binary_record} | to_json }}
            dest: "{{ facts_file }}"
            mode: "0644"
    """)


def setup(tmp_path, build="true"):
    (tmp_path / "collected.spec").write_text(SPEC.replace("@BUILD@", build))
    subprocess.run(["rpmbuild", "-bs", "--define", "_topdir %s/top" % tmp_path,
                    str(tmp_path / "collected.spec")], check=True, capture_output=True)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "mock").write_text(FAKE_MOCK)
    (bindir / "mock").chmod(0o755)
    configs = tmp_path / "mock-core-configs"
    configs.mkdir()
    (configs / (TARGET + ".cfg")).write_text("config_opts['root'] = '%s'\n" % TARGET)
    (tmp_path / "play.yaml").write_text(PLAYBOOK)
    return tmp_path / "top" / "SRPMS" / "collected-1.0-1.src.rpm"


def play(tmp_path, srpm):
    """The role with no builder set (mock is chosen because it is on PATH)."""
    extra = {"build_rpm_binary_srpm": str(srpm), "packaging_rpm_target": TARGET,
             "build_rpm_binary_mock_config_dir": str(tmp_path / "mock-core-configs"),
             "build_rpm_binary_extra_repositories": [REPO],
             "build_rpm_binary_output_dir": str(tmp_path / "out"),
             "build_rpm_binary_log_dir": str(tmp_path / "logs"),
             "packaging_build_dir": str(tmp_path / "work"),
             "facts_file": str(tmp_path / "facts.json")}
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ansible-playbook"), str(tmp_path / "play.yaml"), "-e",
         json.dumps(extra)],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "ANSIBLE_STDOUT_CALLBACK": "oneline",
             "ANSIBLE_NOCOLOR": "1", "HOME": os.environ.get("HOME", "/root"),
             "FAKE_MOCK_CALLS": str(tmp_path / "mock-calls.txt"),
             "PATH": "%s:/usr/bin:/bin" % (tmp_path / "bin")})
    return proc


def calls(tmp_path):
    return (tmp_path / "mock-calls.txt").read_text().splitlines()


def test_mock_build_collects_the_rpms_keeps_the_logs_and_is_reused(tmp_path):
    srpm = setup(tmp_path)
    proc = play(tmp_path, srpm)
    assert proc.returncode == 0, proc.stdout[-3000:]
    facts = json.loads((tmp_path / "facts.json").read_text())
    results = tmp_path / "out" / "results"
    rpms = [str(results / "collected-1.0-1.noarch.rpm")]
    assert facts["packages"] == rpms
    assert (results / "collected-1.0-1.src.rpm").exists()  # there, and left out
    assert facts["builder"] == "mock" and facts["buildroot"] == "mock " + TARGET
    assert facts["log_dir"] == str(tmp_path / "logs")
    logs = [str(tmp_path / "logs" / ("mock-%s.log.txt" % n)) for n in ("build", "root", "state")]
    assert (tmp_path / "logs" / "mock-build.log.txt").read_text().count("Wrote: ") == 1

    configs = list((tmp_path / "out" / "mock-config").glob(TARGET + "-*.cfg"))
    assert len(configs) == 1
    config = configs[0].read_text()
    assert "include('%s.cfg')" % TARGET in config and "baseurl=%s" % REPO in config
    assert calls(tmp_path) == ["-r %s --resultdir %s --rebuild %s" % (configs[0], results, srpm)]

    record = facts["record"]
    assert (record["role"], record["step"], record["format"], record["result"]) == (
        "build-rpm-binary", "binary", "rpm", "done")
    assert record["files"] == rpms and record["logs"] == logs
    assert record["details"] == {"packages": rpms, "builder": "mock",
                                 "buildroot": "mock " + TARGET, "target": TARGET}
    assert record["summary"] == (
        "binary packages collected-1.0-1.noarch.rpm built with mock " + TARGET)

    again = play(tmp_path, srpm)
    assert again.returncode == 0, again.stdout[-3000:]
    facts = json.loads((tmp_path / "facts.json").read_text())
    assert facts["record"]["result"] == "reused" and facts["packages"] == rpms
    assert len(calls(tmp_path)) == 1  # mock did not run again


def test_failed_mock_build_fails_in_one_line_and_keeps_its_logs(tmp_path):
    srpm = setup(tmp_path, build="echo the compiler broke; exit 3")
    proc = play(tmp_path, srpm)
    assert proc.returncode != 0
    failures = parse_failures(proc.stdout)
    assert failures == [
        "build-rpm-binary: mock -r %s failed (exit 30): ERROR: Exception(/builddir/build/SRPMS/"
        "collected-1.0-1.src.rpm) Config(%s) 0 minutes 1 seconds | ERROR: Command failed: ; "
        "logs in %s" % (TARGET, TARGET, tmp_path / "logs")], proc.stdout[-3000:]
    assert "the compiler broke" in (tmp_path / "logs" / "mock-build.log.txt").read_text()
    assert (tmp_path / "logs" / "mock-root.log.txt").is_file()
    assert not (tmp_path / "out" / ".build-stamp.json").exists()
    assert not (tmp_path / "facts.json").exists()
