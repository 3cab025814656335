"""Every role documents exactly the variables it takes, with the defaults it uses."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p for p in (ROOT / "roles").iterdir() if p.is_dir())
sys.path.insert(0, str(ROOT / "tools"))

from check_docs import effective_default, load, readme_sections  # noqa: E402


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_role_has_docs_and_specs(role):
    for name in ("README.rst", "meta/argument_specs.yaml", "defaults/main.yaml",
                 "tasks/main.yaml", "meta/main.yaml"):
        assert (role / name).is_file(), "%s has no %s" % (role.name, name)


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_specs_defaults_and_readme_agree(role):
    prefix = role.name.replace("-", "_") + "_"
    options = load(role / "meta/argument_specs.yaml")["argument_specs"]["main"]["options"]
    defaults = load(role / "defaults/main.yaml")
    documented, _ = readme_sections((role / "README.rst").read_text())
    assert sorted(options) == sorted(defaults), "argument_specs and defaults differ"
    assert documented == list(options), "README rolevars differ from argument_specs"
    for name, spec in options.items():
        assert name.startswith(prefix), "%s is not prefixed with %s" % (name, prefix)
        assert spec.get("description"), "%s has no description" % name
        value = defaults[name]
        if "default" in spec:
            assert spec["default"] == effective_default(value), \
                "%s: argument_specs default differs from defaults/main.yaml" % name
        else:  # only computed defaults may be left out of argument_specs
            assert isinstance(value, str) and "{{" in value, "%s lacks a default" % name


@pytest.mark.parametrize("role", ROLES, ids=[r.name for r in ROLES])
def test_output_variables_are_documented(role):
    prefix = role.name.replace("-", "_") + "_"
    set_facts = set()
    for tasks in (role / "tasks").glob("*.yaml"):
        for task in _tasks(load_list(tasks)):
            facts = task.get("ansible.builtin.set_fact") or {}
            set_facts.update(k for k in facts if not k.startswith("_"))
    _, outputs = readme_sections((role / "README.rst").read_text())
    assert sorted(set_facts) == sorted(outputs), "README output variables differ from set_fact"
    assert all(name.startswith(prefix) or name == prefix[:-1] for name in set_facts)


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


def test_module_symlinks_point_into_library():
    for link in (ROOT / "roles").glob("*/library/*.py"):
        assert link.is_symlink() and link.resolve().parent == ROOT / "library", link
    for link in (ROOT / "roles").glob("*/module_utils/*.py"):
        assert link.is_symlink() and link.resolve().parent == ROOT / "library", link
    for link in (ROOT / "roles").glob("*/lookup_plugins/*.py"):
        assert link.is_symlink() and link.resolve().parent == ROOT / "plugins" / "lookup", link


def test_roles_link_what_their_modules_import():
    """A module imports the modules it builds on as ansible.module_utils.<name>; the role
    that uses it must link each of them from its module_utils/ (Zuul ignores ansible.cfg)."""
    for module in (ROOT / "roles").glob("*/library/*.py"):
        role = module.parent.parent
        for line in module.read_text().splitlines():
            if line.startswith("from ansible.module_utils.") and " import " in line:
                name = line.split()[1].rsplit(".", 1)[1]
                if (ROOT / "library" / (name + ".py")).exists():
                    assert (role / "module_utils" / (name + ".py")).is_symlink(), (module, name)
