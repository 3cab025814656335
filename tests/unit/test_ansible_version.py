"""The Ansible the roles declare is the Ansible they are tested with: every role's
meta/main.yaml min_ansible_version is the one ansible-core minor that tools/requirements.txt
pins for the venv (molecule, the integration tests, make run) and that the venv has. The jobs
ask Zuul for the Ansible release that ships that same ansible-core minor (ansible-version on
packaging-base), so a Zuul whose default is older does not run the roles below it."""

from __future__ import annotations

import re
from pathlib import Path

import ansible.release
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.parent.parent for p in (ROOT / "roles").glob("*/meta/main.yaml"))


def pinned_minor():
    """The minor of `ansible-core>=X.Y,<X.Y+1` in tools/requirements.txt."""
    text = (ROOT / "tools" / "requirements.txt").read_text()
    found = re.findall(r"(?m)^ansible-core>=(\d+)\.(\d+),<(\d+)\.(\d+)\s*$", text)
    assert len(found) == 1, "tools/requirements.txt must pin ansible-core to one minor"
    major, minor, next_major, next_minor = map(int, found[0])
    assert (next_major, next_minor) == (major, minor + 1), (
        "tools/requirements.txt must pin ansible-core to one minor (>=X.Y,<X.Y+1)")
    return "%d.%d" % (major, minor)


def test_the_venv_has_the_pinned_ansible_core():
    assert ansible.release.__version__.startswith(pinned_minor() + "."), (
        ansible.release.__version__, pinned_minor())


@pytest.mark.parametrize("role", ROLES, ids=lambda role: role.name)
def test_min_ansible_version_is_the_tested_minor(role):
    info = yaml.safe_load((role / "meta" / "main.yaml").read_text())["galaxy_info"]
    assert info["min_ansible_version"] == pinned_minor(), role.name


# the ansible-core minor each Ansible release Zuul offers ships
ANSIBLE_CORE_OF_RELEASE = {"9": "2.16", "11": "2.18"}


def test_the_jobs_ask_zuul_for_the_tested_ansible():
    jobs = {entry["job"]["name"]: entry["job"]
            for entry in yaml.safe_load((ROOT / "zuul.d" / "jobs.yaml").read_text())}
    release = str(jobs["packaging-base"].get("ansible-version", ""))
    assert ANSIBLE_CORE_OF_RELEASE.get(release) == pinned_minor(), release
    # no job below it picks another one
    assert [name for name, job in jobs.items() if name != "packaging-base"
            and "ansible-version" in job] == []
