"""build-rpm-binary's result collection on a mock-style resultdir (mock itself cannot run here)."""

from __future__ import annotations

import json
import subprocess
import textwrap

from pipeline import ROOT

SPEC = textwrap.dedent("""\
    Name: collected
    Version: 1.0
    Release: 1
    Summary: collection test
    License: MIT
    BuildArch: noarch
    %description
    collection test
    %install
    mkdir -p %{buildroot}/usr/share/collected
    echo x > %{buildroot}/usr/share/collected/x
    %files
    /usr/share/collected/x
    """)


def test_collects_rpms_from_a_resultdir_and_not_the_srpm(tmp_path):
    (tmp_path / "collected.spec").write_text(SPEC)
    subprocess.run(["rpmbuild", "-ba", "--define", "_topdir %s/top" % tmp_path,
                    str(tmp_path / "collected.spec")], check=True, capture_output=True)
    results = tmp_path / "out" / "results"  # what mock --resultdir leaves behind
    results.mkdir(parents=True)
    for rpm in (tmp_path / "top").rglob("*.rpm"):
        rpm.rename(results / rpm.name)
    (results / "build.log").write_text("mock build log\n")
    playbook = tmp_path / "collect.yaml"
    playbook.write_text(textwrap.dedent("""\
        - hosts: localhost
          gather_facts: false
          tasks:
            - ansible.builtin.include_role:
                name: build-rpm-binary
                tasks_from: collect.yaml
            - ansible.builtin.copy:
                content: >-
                  {{ {'rpms': build_rpm_binary_rpms,
                      'packages': build_rpm_binary_packages} | to_json }}
                dest: "%s/facts.json"
                mode: "0644"
        """ % tmp_path))
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ansible-playbook"), str(playbook), "-e",
         json.dumps({"build_rpm_binary_output_dir": str(tmp_path / "out")})],
        cwd=ROOT, capture_output=True, text=True, check=False,
        env={"ANSIBLE_CONFIG": str(ROOT / "ansible.cfg"), "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stdout[-2000:]
    facts = json.loads((tmp_path / "facts.json").read_text())
    assert facts["rpms"] == [str(results / "collected-1.0-1.noarch.rpm")]
    assert facts["packages"] == ["collected"]
    assert (results / "collected-1.0-1.src.rpm").exists()  # there, and left out
