"""Every loop in the roles' tasks names its loop variable with the project prefix `zp_`
(zuul-jobs' `zj_`, doc/source/policy.rst there): a role's `item` would shadow the `item` of
a caller that includes the role in a loop of its own, and Ansible warns when it does."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TASK_FILES = sorted(p for p in (ROOT / "roles").glob("*/tasks/**/*")
                    if p.suffix in (".yaml", ".yml"))
PREFIX = "zp_"


def loops(tasks):
    """(task name, loop keyword, loop_var) of every looping task, blocks included."""
    for task in tasks or []:
        if not isinstance(task, dict):
            continue
        for key in ("block", "rescue", "always"):
            yield from loops(task.get(key))
        for keyword in task:
            if keyword == "loop" or keyword.startswith("with_"):
                loop_var = (task.get("loop_control") or {}).get("loop_var")
                yield task.get("name", "(unnamed)"), keyword, loop_var


def test_the_roles_have_task_files():
    assert TASK_FILES


@pytest.mark.parametrize("path", TASK_FILES, ids=lambda p: str(p.relative_to(ROOT / "roles")))
def test_every_loop_has_a_prefixed_loop_var(path):
    bad = ["%s (%s): loop_var %s" % (name, keyword, loop_var)
           for name, keyword, loop_var in loops(yaml.safe_load(path.read_text()))
           if not str(loop_var or "").startswith(PREFIX)]
    assert not bad, "%s: loops without a loop_control loop_var starting with %s: %s" % (
        path.relative_to(ROOT), PREFIX, "; ".join(bad))


def test_the_check_finds_loops_in_blocks():
    tasks = yaml.safe_load("""
- name: outer
  block:
    - name: a
      ansible.builtin.debug: {var: item}
      loop: [1]
    - name: b
      ansible.builtin.debug: {var: zp_x}
      with_items: [1]
      loop_control: {loop_var: zp_x}
  rescue:
    - name: c
      ansible.builtin.debug: {var: other}
      with_first_found: [x]
      loop_control: {loop_var: other}
""")
    assert sorted(loops(tasks)) == [("a", "loop", None), ("b", "with_items", "zp_x"),
                                    ("c", "with_first_found", "other")]
