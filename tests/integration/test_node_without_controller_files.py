"""Roles run on a node that does not have the controller's files, as every Zuul node is
another machine than the executor: here the node's python (so every module, and every
command a module starts) runs in a mount namespace where this checkout is an empty tmpfs,
while the controller side (action plugins reading role files) still sees it."""

from __future__ import annotations

import subprocess
import textwrap

import pytest
from pipeline import ROOT, play


@pytest.fixture
def node_python(tmp_path):
    wrapper = tmp_path / "node-python"
    wrapper.write_text(textwrap.dedent("""\
        #!/bin/sh
        # python3 of a node without the controller's checkout (%s)
        exec unshare --mount --propagation private sh -c \\
            'mount -t tmpfs -o size=1m,mode=0755 node-without-checkout "$0" \\
             && exec /usr/bin/python3 "$@"' \\
            %s "$@"
        """ % (ROOT, ROOT)))
    wrapper.chmod(0o755)
    # the wrapper really hides the checkout
    probe = subprocess.run([str(wrapper), "-c", "import os; print(os.listdir(%r))" % str(ROOT)],
                           capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "[]"
    return wrapper


@pytest.fixture
def rpm_file(tmp_path):
    top = tmp_path / "rpmbuild"
    (top / "SPECS").mkdir(parents=True)
    spec = top / "SPECS" / "tiny.spec"
    spec.write_text(textwrap.dedent("""\
        Name: tiny
        Version: 1.0
        Release: 1
        Summary: A tiny package for the node tests
        License: MIT
        BuildArch: noarch
        %description
        A tiny package for the node tests.
        %files
        """))
    subprocess.run(["rpmbuild", "-bb", "--define", "_topdir %s" % top, str(spec)],
                   check=True, capture_output=True)
    return next((top / "RPMS").rglob("*.rpm"))


def test_run_rpmlint_uses_its_policy_on_a_node_without_the_role_files(node_python, rpm_file,
                                                                       tmp_path):
    result = play("../tests/integration/playbooks/verify-only.yaml", {
        "verify_role": "run-rpmlint",
        "run_rpmlint_fail_on": "none",  # the tiny package has findings: only the run matters
        "ansible_python_interpreter": str(node_python),
        "run_rpmlint_packages": [str(rpm_file)],
        "packaging_build_dir": str(tmp_path / "build"),
        "zuul_output_dir": str(tmp_path / "output"),
    })
    assert result.rc == 0, result.failure or result.output[-3000:]
    report = (tmp_path / "output" / "logs" / "rpm" / "rpmlint.txt").read_text()
    assert "1 packages and 0 specfiles checked" in report
    assert "    %s\n" % (tmp_path / "build" / "rpm" / "rpmlint-config.toml") in report
    # the policy was read: the findings it filters are not reported
    assert "no-packager-tag" not in report and "no-group-tag" not in report
    assert str(ROOT) not in report
