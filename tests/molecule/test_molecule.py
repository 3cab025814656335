"""Every role's molecule scenario (roles/<role>/molecule/default, shared config in
.config/molecule/): `molecule test` for real on this machine — prepare, converge, a second
converge that must change nothing, and the scenario's verify.

Run one scenario alone:  cd roles/<role> && ../../.venv/bin/molecule test
(or: .venv/bin/python -m pytest tests/molecule -k <role>)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "tasks").is_dir())


def scenario(role):
    return ROOT / "roles" / role / "molecule" / "default"


def test_every_role_has_a_scenario_with_a_verify():
    missing = [r for r in ROLES if not (scenario(r) / "molecule.yml").is_file()
               or not (scenario(r) / "verify.yml").is_file()]
    assert ROLES and not missing, "roles without a molecule scenario: %s" % missing


def sequence(role):
    config = yaml.safe_load((scenario(role) / "molecule.yml").read_text()) or {}
    return config.get("scenario", {}).get("test_sequence", SHARED_SEQUENCE)


SHARED_SEQUENCE = yaml.safe_load(
    (ROOT / ".config" / "molecule" / "config.yml").read_text())["scenario"]["test_sequence"]


def test_scenarios_only_set_variables():
    """STYLE.md: one shared platform list and converge; a scenario overrides variables, and
    may only drop the idempotence step, saying why in its molecule.yml and the role's README."""
    for role in ROLES:
        text = (scenario(role) / "molecule.yml").read_text()
        config = yaml.safe_load(text) or {}
        assert set(config) <= {"provisioner", "scenario"}, (role, sorted(config))
        assert set(config.get("provisioner", {})) <= {"inventory"}, role
        if "scenario" in config:
            assert set(config["scenario"]) == {"test_sequence"}, role
            assert [s for s in SHARED_SEQUENCE if s != "idempotence"] == sequence(role), role
            assert "No idempotence step" in text, role
            readme = (ROOT / "roles" / role / "README.rst").read_text()
            assert "idempoten" in readme, role


@pytest.mark.parametrize("role", ROLES)
def test_molecule(role):
    bindir = str(Path(sys.executable).parent)
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""),
               NO_COLOR="1", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PY_COLORS="0")
    env.pop("ANSIBLE_CONFIG", None)  # molecule writes its own
    started = time.monotonic()
    proc = subprocess.run([str(Path(bindir) / "molecule"), "test"], cwd=ROOT / "roles" / role,
                          env=env, capture_output=True, text=True, check=False, timeout=900)
    output = proc.stdout + proc.stderr
    tail = "\n".join(output.splitlines()[-120:])
    print("molecule test %s: %.1f s" % (role, time.monotonic() - started))
    assert proc.returncode == 0, tail
    assert "Idempotence test failed" not in output, tail
    for step in ("prepare", "converge", "idempotence", "verify"):
        if step in sequence(role):
            assert "%s: Executed: Successful" % step in output, (step, tail)
