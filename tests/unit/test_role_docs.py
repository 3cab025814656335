"""Every role documents exactly the variables it takes, with the defaults it uses."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir())
sys.path.insert(0, str(ROOT / "tools"))

from check_docs import check_role, load, shared_defaults  # noqa: E402

BASE = "packaging-base"


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_role_has_docs_and_specs(role):
    for name in ("README.rst", "meta/argument_specs.yaml", "defaults/main.yaml",
                 "tasks/main.yaml", "meta/main.yaml"):
        if name == "tasks/main.yaml" and role.name == BASE:
            assert not (role / "tasks").exists(), "the library-only role has no tasks"
            continue
        assert (role / name).is_file(), "%s has no %s" % (role.name, name)


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_role_passes_the_docs_checker(role):
    """Options, defaults, README and outputs agree (tools/check_docs.py, tested on bad
    fixtures in test_check_docs.py); one test per role so a failure names it."""
    assert check_role(role, shared_defaults(ROOT)) == []


def load_list(path):
    return yaml.safe_load(path.read_text()) or []


def _tasks(items):
    for item in items:
        yield item
        yield from _tasks(item.get("block", []))


def test_playbooks_use_existing_roles():
    names = {role.name for role in ROLES}
    for playbook in (ROOT / "playbooks").glob("*.yaml"):
        for play in load_list(playbook):
            for role in play.get("roles", []):
                assert (role if isinstance(role, str) else role["role"]) in names


def test_no_symlinks_under_roles():
    """Shared code lives in one role, not in links: a missing link hides locally behind
    ansible.cfg and shows only under Zuul."""
    assert [str(p) for p in (ROOT / "roles").rglob("*") if p.is_symlink()] == []


@pytest.mark.parametrize("role", [r for r in ROLES if r.name != BASE], ids=lambda r: r.name)
def test_every_role_depends_on_the_library_role(role):
    dependencies = load(role / "meta/main.yaml").get("dependencies") or []
    names = [d if isinstance(d, str) else d.get("role") for d in dependencies]
    assert BASE in names, "%s does not list %s in meta/main.yaml dependencies" % (role.name, BASE)


def test_code_lives_only_in_the_library_role():
    for kind in ("library", "module_utils", "lookup_plugins", "filter_plugins", "action_plugins"):
        assert [r.name for r in ROLES if (r / kind).exists() and r.name != BASE] == [], kind


def test_module_imports_resolve_in_the_library_role():
    """A module imports shared code as ansible.module_utils.zuul_packaging.<name>; each must
    be a file of packaging-base/module_utils/zuul_packaging (what Ansible packs for the node)."""
    utils = ROOT / "roles" / BASE / "module_utils" / "zuul_packaging"
    assert (utils / "__init__.py").is_file()
    for module in (ROOT / "roles" / BASE / "library").glob("*.py"):
        for line in module.read_text().splitlines():
            if line.startswith("from ansible.module_utils.") and "basic" not in line:
                name = line.split()[1]
                assert name.startswith("ansible.module_utils.zuul_packaging."), (module, line)
                assert (utils / (name.rsplit(".", 1)[1] + ".py")).is_file(), (module, line)
