"""ensure-rpm-tools on RPM nodes, which this Debian machine cannot be: EPEL before the
install on EL, and a connection reset right after the user joins the mock group (mock runs
in a later task, over Zuul's kept-open ssh connection). Read from the role's task files and
rendered with Ansible's own templating."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

ROOT = Path(__file__).resolve().parents[2]
ROLE = ROOT / "roles" / "ensure-rpm-tools"


def tasks():
    return yaml.safe_load((ROLE / "tasks" / "main.yaml").read_text())


def index(name_part):
    found = [i for i, t in enumerate(tasks()) if name_part in t.get("name", "")]
    assert len(found) == 1, (name_part, found)
    return found[0]


def test_epel_comes_before_the_install_on_el_only():
    epel, install = tasks()[index("EPEL")], index("Install the rpm build tools")
    assert index("EPEL") < install
    assert epel["ansible.builtin.package"]["name"] == "{{ ensure_rpm_tools_epel_packages }}"
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yaml").read_text())
    assert defaults["ensure_rpm_tools_epel_packages"] == ["epel-release"]
    redhat = yaml.safe_load((ROLE / "vars" / "RedHat.yaml").read_text())
    assert {"mock", "rpmlint"} <= set(redhat["_ensure_rpm_tools_packages"])


@pytest.mark.parametrize("family, distribution, expected", [
    ("RedHat", "CentOS", True), ("RedHat", "RedHat", True), ("RedHat", "Rocky", True),
    ("RedHat", "Fedora", False), ("Debian", "Debian", False), ("Suse", "openSUSE Leap", False)])
def test_epel_condition(family, distribution, expected):
    condition = tasks()[index("EPEL")]["when"]
    templar = Templar(loader=DataLoader(), variables={
        "ansible_facts": {"os_family": family, "distribution": distribution}})
    assert templar.template("{{ %s }}" % condition) is expected


def test_connection_is_reset_right_after_the_mock_group_change():
    group = index("Put the build user in the mock group")
    reset = tasks()[group + 1]
    assert tasks()[group]["register"] == "_ensure_rpm_tools_mock_group"
    assert reset["ansible.builtin.meta"] == "reset_connection"
    assert reset["when"] == "_ensure_rpm_tools_mock_group is changed"
    # before anything else runs on the node (the venv, then the build playbooks)
    assert group + 1 < index("venv")
