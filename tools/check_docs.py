#!/usr/bin/env python3
"""Fail when the collection's documentation disagrees with what it does.

Usage: tools/check_docs.py [ROOT]   (default: the repository this file is in)

Checks, each reported as one line naming the file and the fault:
- every role has README.rst, meta/argument_specs.yaml, defaults/main.yaml;
- a role's argument_specs options, defaults and README ``zuul:rolevar`` entries name the same
  variables, and literal defaults agree;
- every role variable is prefixed with the role name (dashes as underscores);
- every job in zuul.d has a description, and every variable a job sets in ``vars`` is
  documented with ``zuul:jobvar`` in its description or an ancestor's;
- every variable a job sets is a shared job input (``packaging_``), ``zuul_output_dir``, or a
  role variable of one of the collection's roles.
Exit status 0 when all hold, 1 otherwise.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

ROLEVAR = re.compile(r"^\.\. zuul:rolevar:: (\S+)", re.MULTILINE)
JOBVAR = re.compile(r"^\s*\.\. zuul:jobvar:: (\S+)", re.MULTILINE)
FALLBACK = re.compile(r"^\{\{ packaging_\w+ \| default\((?P<literal>.+)\) \}\}$")
SHARED = re.compile(r"^\{\{ (?P<name>packaging_\w+) \}\}$")
BASE_ROLE = "packaging-base"
SHARED_PREFIX = "packaging_"
ALSO_ALLOWED = {"zuul_output_dir"}


def load(path):
    return yaml.safe_load(path.read_text()) or {}


def effective_default(value, shared=None):
    """The literal a default comes to: `{{ packaging_x | default('y') }}` gives 'y', and
    `{{ packaging_x }}` the literal default of packaging_x in shared (the defaults of the
    library-only role packaging-base, which every role depends on)."""
    if isinstance(value, str):
        match = FALLBACK.match(value.strip())
        if match:
            return yaml.safe_load(match.group("literal"))
        match = SHARED.match(value.strip())
        if match and match.group("name") in (shared or {}):
            given = shared[match.group("name")]
            if not (isinstance(given, str) and "{{" in given):
                return given
    return value


def readme_sections(text):
    """(role variables, output variables) named in a role README."""
    head, _, outputs = text.partition("**Output Variables**")
    return ROLEVAR.findall(head), ROLEVAR.findall(outputs)


def role_prefix(name):
    """The prefix of a role's variables: its name with underscores, except the library-only
    role packaging-base, whose defaults are the shared job-level inputs (packaging_*)."""
    return SHARED_PREFIX if name == "packaging-base" else name.replace("-", "_") + "_"


def set_facts(role):
    """The facts a role's tasks set (names without a leading underscore)."""
    found = set()
    for tasks in sorted((role / "tasks").glob("*.yaml")):
        stack = list(yaml.safe_load(tasks.read_text()) or [])
        while stack:
            task = stack.pop()
            for key in ("block", "rescue", "always"):
                stack.extend(task.get(key) or [])
            facts = task.get("ansible.builtin.set_fact") or {}
            found.update(k for k in facts if k != "cacheable" and not k.startswith("_"))
    return found


def check_role(role, shared=None):
    errors = []
    for name in ("README.rst", "meta/argument_specs.yaml", "defaults/main.yaml"):
        if not (role / name).is_file():
            errors.append("roles/%s: no %s" % (role.name, name))
    if errors:
        return errors
    prefix = role_prefix(role.name)
    specs = load(role / "meta/argument_specs.yaml")
    options = ((specs.get("argument_specs") or {}).get("main") or {}).get("options") or {}
    defaults = load(role / "defaults/main.yaml")
    documented, outputs = readme_sections((role / "README.rst").read_text())
    where = "roles/%s" % role.name
    facts = set_facts(role)
    for name in sorted(facts ^ set(outputs)):
        errors.append("%s: output variable %s is %s" % (
            where, name, "set but not in README.rst" if name in facts
            else "in README.rst but never set"))
    for name in sorted(facts):
        if not (name.startswith(prefix) or name == prefix[:-1]):
            errors.append("%s: output variable %s is not prefixed with %s" % (where, name, prefix))
    for name in sorted(set(options) ^ set(defaults)):
        errors.append("%s: %s is in %s but not in %s" % (
            where, name, *(("argument_specs", "defaults") if name in options
                           else ("defaults", "argument_specs"))))
    for name in sorted(set(options) ^ set(documented)):
        errors.append("%s: %s is in %s but not in %s" % (
            where, name, *(("argument_specs", "README.rst") if name in options
                           else ("README.rst", "argument_specs"))))
    for name, given in options.items():
        spec = given or {}
        if not name.startswith(prefix):
            errors.append("%s: variable %s is not prefixed with %s" % (where, name, prefix))
        if not spec.get("description"):
            errors.append("%s: %s has no description in argument_specs" % (where, name))
        if name not in defaults:
            continue
        value = defaults[name]
        if "default" in spec:
            if spec["default"] != effective_default(value, shared):
                errors.append("%s: %s defaults to %r in argument_specs but %r in defaults" % (
                    where, name, spec["default"], effective_default(value, shared)))
        elif not (isinstance(value, str) and "{{" in value):
            errors.append("%s: %s has a literal default missing from argument_specs" % (
                where, name))
    return errors


def load_jobs(root):
    jobs = {}
    for path in sorted((root / "zuul.d").glob("*.yaml")):
        for item in yaml.safe_load(path.read_text()) or []:
            if "job" in item:
                jobs[item["job"]["name"]] = dict(item["job"], _file=path.name)
    return jobs


def documented_jobvars(jobs, name):
    found, seen = set(), set()
    while name in jobs and name not in seen:
        seen.add(name)
        found.update(JOBVAR.findall(jobs[name].get("description") or ""))
        name = jobs[name].get("parent")
    return found


def check_jobs(root, role_variables):
    errors = []
    jobs = load_jobs(root)
    for name, job in jobs.items():
        where = "zuul.d/%s: job %s" % (job["_file"], name)
        if not (job.get("description") or "").strip():
            errors.append("%s has no description" % where)
        documented = documented_jobvars(jobs, name)
        for var in sorted(job.get("vars") or {}):
            if var not in documented:
                errors.append("%s sets %s, which no zuul:jobvar documents" % (where, var))
            if not (var.startswith(SHARED_PREFIX) or var in ALSO_ALLOWED
                    or var in role_variables):
                errors.append("%s sets %s, which is neither packaging_* nor a role variable"
                              % (where, var))
    return errors


def shared_defaults(root):
    """The job-level defaults every role inherits from the library-only role."""
    path = Path(root) / "roles" / BASE_ROLE / "defaults" / "main.yaml"
    return load(path) if path.is_file() else {}


def check(root):
    root = Path(root)
    roles = sorted(p for p in (root / "roles").iterdir() if p.is_dir())
    errors, role_variables = [], set()
    shared = shared_defaults(root)
    for role in roles:
        errors.extend(check_role(role, shared))
        if (role / "defaults/main.yaml").is_file():
            role_variables.update(load(role / "defaults/main.yaml"))
    errors.extend(check_jobs(root, role_variables))
    return errors


def main(argv):
    root = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parents[1]
    errors = check(root)
    for error in errors:
        print(error)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
