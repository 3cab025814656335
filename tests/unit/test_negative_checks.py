"""Every negative check of the molecule scenarios fails when the role stops failing.

A check of a bad input's error in a rescue passes when nothing failed: the rescue never runs.
So each block with a rescue (roles/*/molecule/*/verify.yml, the scenarios' task files and the
shared .config/molecule/) needs one of these guards:

- the rescue records the message (set_fact) and an assert that needs it (no `when`) follows,
  in the block's always: or after the block: a role that does not fail leaves it unset;
- the block ends with an unconditional fail ("Not reached"), whose message the rescue's
  check then rejects;
- the block ends with an unconditional assert: the case may pass, and then the block checks
  its result (ensure-deb-tools' Ubuntu keyring, installed where apt offers it).

A task that runs the bad case with ignore_errors or `failed_when: false` (the ansible.posix way)
registers its result, and an assert after it checks that the task failed (`is failed`, or the
rc when failed_when cleared `failed`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted({*(ROOT / "roles").glob("*/molecule/*/verify.yml"),
                *(ROOT / "roles").glob("*/molecule/*/tasks/*.yaml"),
                *(ROOT / "roles").glob("*/molecule/*/tasks/*.yml"),
                *(ROOT / ".config" / "molecule").glob("*.yaml"),
                *(ROOT / ".config" / "molecule").glob("*.yml")})
FAIL = {"fail", "ansible.builtin.fail", "ansible.legacy.fail"}
ASSERT = {"assert", "ansible.builtin.assert", "ansible.legacy.assert"}
SET_FACT = {"set_fact", "ansible.builtin.set_fact", "ansible.legacy.set_fact"}


def module(task):
    return next((key for key in task if key in FAIL | ASSERT | SET_FACT), None)


def unconditional(task):
    return not any(key in task for key in ("when", "ignore_errors", "failed_when"))


def text(value):
    """Every string in a task, for looking up the variables it names."""
    if isinstance(value, dict):
        return " ".join(text(v) for v in value.values())
    if isinstance(value, list):
        return " ".join(text(v) for v in value)
    return str(value)


def asserts_on(tasks, names):
    """Whether an unconditional assert among tasks names one of the variables."""
    for task in tasks:
        if module(task) in ASSERT and unconditional(task):
            body = text(task[module(task)])
            if any(re.search(r"\b%s\b" % re.escape(name), body) for name in names):
                return True
    return False


def task_lists(tasks):
    """The task lists of a playbook or task file: each list, then those nested in blocks."""
    if not isinstance(tasks, list):
        return
    yield tasks
    for task in tasks:
        if isinstance(task, dict):
            for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks",
                        "handlers"):
                yield from task_lists(task.get(key))


def unguarded(tasks):
    """Names of the negative checks among tasks that would pass if nothing failed."""
    found = []
    for siblings in task_lists(tasks):
        for index, task in enumerate(siblings):
            if not isinstance(task, dict):
                continue
            later = siblings[index + 1:]
            if "rescue" in task:
                block = task.get("block") or []
                last = block[-1] if block else {}
                recorded = [name for step in task["rescue"] if module(step) in SET_FACT
                            for name in step[module(step)] if name != "cacheable"]
                if (module(last) in FAIL | ASSERT and unconditional(last)) or (
                        recorded and asserts_on((task.get("always") or []) + later, recorded)):
                    continue
                found.append(task.get("name", "(unnamed block)"))
            elif task.get("ignore_errors") or task.get("failed_when") in (False, "false"):
                result = task.get("register")
                check = (r"\b%s\.rc\b|\b%s\s+is\s+(not\s+)?(failed|succeeded|success)\b"
                         % (result, result)) if result else None
                if not check or not any(
                        module(step) in ASSERT and re.search(check, text(step[module(step)]))
                        for step in later):
                    found.append(task.get("name", "(unnamed task)"))
    return found


def relative(path):
    return str(path.relative_to(ROOT))


def test_there_are_scenarios_to_check():
    assert len([path for path in FILES if path.name == "verify.yml"]) >= 15


@pytest.mark.parametrize("path", FILES, ids=relative)
def test_every_negative_check_fails_when_the_role_does_not(path):
    bad = unguarded(yaml.safe_load(path.read_text()))
    assert not bad, ("%s: these negative checks pass when the role does not fail (record the "
                     "error in the rescue and assert it in always:, or end the block with a "
                     "fail task): %s" % (relative(path), bad))


CASES = """
- name: only a rescue
  block: [{name: run, ansible.builtin.include_role: {name: r}}]
  rescue: [{name: check, ansible.builtin.assert: {that: ansible_failed_result.msg == 'x'}}]
- name: not reached
  block:
    - {name: run, ansible.builtin.include_role: {name: r}}
    - {name: not reached, ansible.builtin.fail: {msg: r accepted it}}
  rescue: [{name: check, ansible.builtin.assert: {that: ansible_failed_result.msg == 'x'}}]
- name: a conditional fail is no guard
  block:
    - {name: run, ansible.builtin.include_role: {name: r}}
    - {name: sometimes, ansible.builtin.fail: {msg: m}, when: false}
  rescue: [{name: check, ansible.builtin.assert: {that: ansible_failed_result.msg == 'x'}}]
- name: recorded and checked in always
  block: [{name: run, ansible.builtin.include_role: {name: r}}]
  rescue: [{name: record, ansible.builtin.set_fact: {_err: "{{ ansible_failed_result.msg }}"}}]
  always: [{name: check, ansible.builtin.assert: {that: [_err is defined]}}]
- name: recorded and checked later
  block: [{name: run, ansible.builtin.include_role: {name: r}}]
  rescue: [{name: record, ansible.builtin.set_fact: {_later: "{{ ansible_failed_result.msg }}"}}]
- name: recorded but never checked
  block: [{name: run, ansible.builtin.include_role: {name: r}}]
  rescue: [{name: record, ansible.builtin.set_fact: {_lost: "{{ ansible_failed_result.msg }}"}}]
- {name: check later, ansible.builtin.assert: {that: "_later | default('') == 'x'"}}
- name: ignored and asserted failed
  ansible.builtin.command: {cmd: "false"}
  register: _r1
  ignore_errors: true
- {name: check r1, ansible.builtin.assert: {that: [_r1 is failed, _r1.msg == 'x']}}
- name: ignored, only the message checked
  ansible.builtin.command: {cmd: "false"}
  register: _r2
  ignore_errors: true
- {name: check r2, ansible.builtin.assert: {that: [_r2.msg == 'x']}}
- name: outer
  block:
    - name: nested, only a rescue
      block: [{name: run, ansible.builtin.include_role: {name: r}}]
      rescue: [{name: check, ansible.builtin.assert: {that: ansible_failed_result.msg == 'x'}}]
"""


def test_the_check_tells_guarded_from_unguarded():
    assert unguarded([{"name": "Verify", "hosts": "all", "tasks": yaml.safe_load(CASES)}]) == [
        "only a rescue", "a conditional fail is no guard", "recorded but never checked",
        "ignored, only the message checked", "nested, only a rescue"]
