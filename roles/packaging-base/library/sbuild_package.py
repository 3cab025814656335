#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Plan an sbuild run on a cached chroot (or reuse the last build), then collect its results."""

from __future__ import annotations

import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import time

from ansible.module_utils.zuul_packaging.build_stamp import build_key, check, record
from ansible.module_utils.zuul_packaging.deb_distribution import (
    DistributionError,
    classify,
    known_codenames,
)
from ansible.module_utils.zuul_packaging.dsc_info import read_dsc

DOCUMENTATION = r"""
---
module: sbuild_package
short_description: Plan an sbuild build on a cached chroot and collect its results
description:
  - The bookkeeping of the build-deb-binary role in two module runs around the two commands
    that do the work (mmdebstrap when the chroot is missing or too old, sbuild), so that the
    role costs little more than the build itself.
  - "C(phase=plan): checks the source package, the distribution (distro-info-data) and the
    architecture (and whether this architecture builds the Architecture all packages: a source
    package that has only those fails on another one); names the cached chroot from everything
    that shapes it (distribution, architecture, mirror, chroot packages, mmdebstrap's version
    and, when baked, the normalized build dependencies of the .dsc read with python-debian);
    decides whether it must be made; looks up the build stamp (module_utils build_stamp: the key
    of the .dsc's content, the chroot's path, size and mtime and the build options); when a
    build is needed empties the output directory and writes the sbuild configuration that
    unpacks the chroot into a tmpfs. Returns the mmdebstrap and sbuild command lines."
  - "C(phase=finish): keeps the build log and .buildinfo in the log directory (of this build
    or of the reused one) and, after a successful build, returns the built packages and
    records the build stamp."
requirements:
  - python-debian, distro-info (Debian packages python3-debian, python3-distro-info)
  - sbuild, mmdebstrap and dpkg on the node
options:
  phase:
    description:
      - Which step of the bookkeeping to run, C(plan) before the build, C(finish) after
        it (a step, not a desired state, hence not called C(state)).
    type: str
    choices: [plan, finish]
    required: true
  dsc:
    description: Source package (.dsc) to build (C(plan)).
    type: str
    default: ''
  distribution:
    description: Target distribution codename or alias (C(plan)).
    type: str
    default: ''
  arch:
    description: Build architecture; empty for the node's.
    type: str
    default: ''
  arch_all_arch:
    description:
      - The one architecture that builds the Architecture all packages (sbuild C(--arch-all));
        other architectures build with C(--no-arch-all). Empty builds them on every architecture.
      - A source package with only Architecture all packages fails C(plan) on another architecture.
    type: str
    default: amd64
  mirror:
    description: Archive mirror for mmdebstrap; empty for its default (Debian).
    type: str
    default: ''
  chroot_packages:
    description: Extra packages in the chroot.
    type: list
    elements: str
    default: []
  chroot_max_age_days:
    description: Remake a cached chroot older than this.
    type: int
    default: 7
  cache_dir:
    description: Directory of the cached chroots (C(plan)).
    type: path
    default: ''
  output_dir:
    description: Build directory (emptied when a build is needed).
    type: path
    required: true
  log_dir:
    description: Where the build log and .buildinfo are kept.
    type: path
    required: true
  extra_repositories:
    description: C(--extra-repository) lines (never reused, never baked).
    type: list
    elements: str
    default: []
  extra_repository_keys:
    description: C(--extra-repository-key) files.
    type: list
    elements: str
    default: []
  extra_packages:
    description: C(--extra-package) files or directories (never reused, never baked).
    type: list
    elements: str
    default: []
  apt_upgrade:
    description: Let sbuild upgrade the chroot before the build (a plain chroot is used).
    type: bool
    default: false
  bake_build_deps:
    description: Use a chroot with the build dependencies installed (sbuild's null resolver).
    type: bool
    default: true
  unpack_dir:
    description: tmpfs to unpack the chroot into (unused when not a writable directory).
    type: str
    default: /dev/shm
  lintian_chroot:
    description:
      - Also name (and make when missing or too old) a cached chroot of the target release
        with lintian, C(<codename>-<arch>-<digest>-lintian.tar) (mmdebstrap
        C(--variant=apt --include=lintian)), for the run-lintian role; it is not the build
        chroot, so lintian's dependencies never satisfy a build dependency by accident.
    type: bool
    default: false
  extra_args:
    description: Further sbuild arguments.
    type: list
    elements: str
    default: []
  build_options:
    description:
      - Words of C(DEB_BUILD_OPTIONS) (Debian Policy 4.9.1), such as C(nocheck), C(nodoc),
        C(noopt), C(terse); C(parallel=N) comes from I(parallel). Each word is a lowercase
        name, optionally C(=value). Part of the stamp key (C(plan)).
    type: list
    elements: str
    default: []
  parallel:
    description: C(parallel=N) of C(DEB_BUILD_OPTIONS); 0 for the number of CPUs this node
      gives the build. Not part of the stamp key (it does not change what is built).
    type: int
    default: 0
  build_profiles:
    description: Build profiles (C(DEB_BUILD_PROFILES) and sbuild C(--profiles)), such as
      C(nocheck), C(nodoc), C(pkg.<source>.<name>); they also select the build dependencies
      baked into the chroot. Part of the stamp key and the chroot key (C(plan)).
    type: list
    elements: str
    default: []
  code:
    description: Digest of the calling role's files (part of the stamp key; C(plan)).
    type: str
    default: ''
  rc:
    description: sbuild's exit code (C(finish) after a build).
    type: int
    default: 0
  built:
    description: Whether sbuild ran (C(finish)); false when the plan reused the last build.
    type: bool
    default: true
  stamp:
    description: The C(stamp) that C(plan) returned (C(finish)).
    type: dict
    default: {}
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Plan the build
  sbuild_package:
    phase: plan
    dsc: "{{ build_deb_source_dsc }}"
    distribution: bookworm
    cache_dir: /var/cache/zuul-packaging/chroots
    output_dir: /tmp/build/deb/binary
    log_dir: /tmp/zuul-output/logs/deb
  register: _plan

# ... sbuild runs _plan.sbuild_argv unless _plan.reuse, registered as _sbuild ...

- name: Keep the build log and .buildinfo, record the build
  sbuild_package:
    phase: finish
    output_dir: /tmp/build/deb/binary
    log_dir: /tmp/zuul-output/logs/deb
    stamp: "{{ _plan.stamp }}"
    rc: "{{ _sbuild.rc | default(0) }}"
    built: "{{ not _plan.reuse }}"
  register: _finish
"""

RETURN = r"""
chroot:
  description: Path of the cached chroot tarball.
  type: str
  returned: success
make_chroot:
  description: Whether the chroot must be made (C(plan)).
  type: bool
  returned: success
mmdebstrap_argv:
  description: The command that makes the chroot into C(<chroot>.incoming) (C(plan)).
  type: list
  elements: str
  returned: success
lintian_chroot:
  description: Path of the cached chroot with the target release's lintian (empty unless
    I(lintian_chroot)) (C(plan)).
  type: str
  returned: success
make_lintian_chroot:
  description: Whether the lintian chroot must be made (C(plan)).
  type: bool
  returned: success
lintian_mmdebstrap_argv:
  description: The command that makes the lintian chroot into C(<lintian_chroot>.incoming)
    (empty unless I(lintian_chroot)) (C(plan)).
  type: list
  elements: str
  returned: success
sbuild_argv:
  description: The sbuild command (C(plan)).
  type: list
  elements: str
  returned: success
sbuild_env:
  description: Environment of the sbuild command (C(plan)).
  type: dict
  returned: success
reuse:
  description: Whether the last build is reused (C(plan)).
  type: bool
  returned: success
stamp:
  description: What the build stamp covers (inputs, .dsc, role digest), for C(finish) (C(plan)).
  type: dict
  returned: success
packages:
  description: The build's C(changes), C(debs), binary package C(names) and their C(versions)
    (name to version, read with dpkg-deb --field) (when reused or built).
  type: dict
  returned: success
"""

ARCH_NAME = re.compile(r"^[a-z0-9-]*$")
# Debian Policy 4.9.1: build option names are lowercase alphanumerics and '-', with an
# optional '=value'; build profile names (the BuildProfileSpec) lowercase with '.', '-', '+'
BUILD_OPTION = re.compile(r"^[a-z0-9][a-z0-9_-]*(=[A-Za-z0-9_.,:+-]+)?$")
BUILD_PROFILE = re.compile(r"^[a-z0-9][a-z0-9.+-]*$")
DSC_ARCHITECTURE = re.compile(r"^Architecture:[ \t]*(.*)$", re.M)
RESULTS = ("*.changes", "*.deb", "*.udeb", "*.buildinfo", "*.build")
TIMESTAMPED_LOG = re.compile(r"-\d{4}-\d\d-\d\dT")


class SbuildError(Exception):
    """A bad input or a failed step, with a message that names it."""


def probe(argv):
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SbuildError("build-deb-binary: %s failed: %s" % (
            " ".join(argv), (proc.stderr or proc.stdout).strip() or "exit %d" % proc.returncode))
    return proc.stdout.strip()


def check_inputs(p):
    """The target's codename and vendor, after checking every input (one line per fault)."""
    dsc = p["dsc"]
    if not dsc or not dsc.endswith(".dsc") or not os.path.isfile(dsc):
        raise SbuildError("build-deb-binary: source package %s is not an existing .dsc file"
                          % json.dumps(dsc))
    try:
        target = classify(p["distribution"], *known_codenames())
    except ImportError:
        raise SbuildError("python3-distro-info is not installed on this node") from None
    except DistributionError as exc:
        raise SbuildError(str(exc)) from exc
    if target["vendor"] != "debian" and not p["mirror"]:
        raise SbuildError(
            "build-deb-binary: %s is an Ubuntu release; set build_deb_binary_mirror "
            "(packaging_deb_mirror) to an Ubuntu archive" % p["distribution"])
    if not ARCH_NAME.match(p["arch"]):
        raise SbuildError("build-deb-binary: architecture %s is not a Debian architecture name"
                          % json.dumps(p["arch"]))
    if not ARCH_NAME.match(p["arch_all_arch"]):
        raise SbuildError("build-deb-binary: architecture %s of the Architecture all packages "
                          "(packaging_deb_arch_all) is not a Debian architecture name"
                          % json.dumps(p["arch_all_arch"]))
    check_build_options(p)
    return target


def check_build_options(p):
    """Raise naming the first build option or profile that is not a plain word (pure)."""
    for word in p["build_options"]:
        if not BUILD_OPTION.match(word):
            raise SbuildError("build-deb-binary: build option %s (packaging_deb_build_options) is "
                              "not a DEB_BUILD_OPTIONS word (name or name=value)"
                              % json.dumps(word))
        if word.startswith("parallel="):
            raise SbuildError("build-deb-binary: set parallel=N with packaging_deb_parallel, not "
                              "in packaging_deb_build_options (%s)" % json.dumps(word))
    for name in p["build_profiles"]:
        if not BUILD_PROFILE.match(name):
            raise SbuildError("build-deb-binary: build profile %s (packaging_deb_build_profiles) "
                              "is not a profile name" % json.dumps(name))
    if p["parallel"] < 0:
        raise SbuildError("build-deb-binary: packaging_deb_parallel is %d; use 0 for the node's "
                          "CPUs or a positive count" % p["parallel"])


def node_cpus():
    """The CPUs this process may run on (its affinity, which containers narrow)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def build_env(p, cpus):
    """The environment dpkg-buildpackage gets through sbuild (its environment filter keeps
    DEB_BUILD_OPTIONS and DEB_BUILD_PROFILES; .buildinfo records them) (pure)."""
    words = list(p["build_options"]) + ["parallel=%d" % (p["parallel"] or cpus)]
    env = {"DEB_BUILD_OPTIONS": " ".join(words)}
    if p["build_profiles"]:
        env["DEB_BUILD_PROFILES"] = " ".join(p["build_profiles"])
    return env


def builds_arch_all(p, arch):
    """Whether this build makes the Architecture all packages: only on the designated
    architecture, so that two architectures never publish the same _all.deb (pure)."""
    return not p["arch_all_arch"] or p["arch_all_arch"] == arch


def check_arch_all(p, arch, source, architectures):
    """Fail when the build would make nothing: only Architecture all packages, built elsewhere."""
    if architectures.split() == ["all"] and not builds_arch_all(p, arch):
        raise SbuildError(
            "build-deb-binary: %s has only Architecture: all packages, which are built on %s "
            "(packaging_deb_arch_all); this node is %s" % (source, p["arch_all_arch"], arch))


def uses_other_repositories(p):
    return bool(p["extra_repositories"] or p["extra_packages"])


def chroot_path(p, codename, arch, mmdebstrap_version, dsc_info, baked):
    """The cached chroot's path: everything that shapes the chroot, hashed (pure)."""
    key = {
        "distribution": codename, "arch": arch, "mirror": p["mirror"],
        "packages": sorted(p["chroot_packages"]), "variant": "buildd",
        "mmdebstrap": mmdebstrap_version,
        "build_depends": dsc_info["build_depends"] if baked else [],
    }
    if baked and p["build_profiles"]:
        key["profiles"] = sorted(p["build_profiles"])
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    suffix = "-%s-deps" % dsc_info["source"] if baked else ""
    return os.path.join(p["cache_dir"], "%s-%s-%s%s.tar" % (codename, arch, digest, suffix))


def lintian_chroot_path(p, codename, arch, mmdebstrap_version):
    """The cached lintian chroot's path: the target release's lintian, keyed like the build
    chroot on what shapes it (pure)."""
    key = {"distribution": codename, "arch": arch, "mirror": p["mirror"],
           "packages": ["lintian"], "variant": "apt", "mmdebstrap": mmdebstrap_version}
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return os.path.join(p["cache_dir"], "%s-%s-%s-lintian.tar" % (codename, arch, digest))


def lintian_mmdebstrap_argv(p, codename, arch, chroot):
    return (["mmdebstrap", "--variant=apt", "--mode=unshare", "--format=tar", "--arch=" + arch,
             "--include=lintian", codename, chroot + ".incoming"]
            + ([p["mirror"]] if p["mirror"] else []))


def stale(path, max_age_days):
    """Whether a cached chroot is missing or older than max_age_days."""
    try:
        return time.time() - os.stat(path).st_mtime > max_age_days * 86400
    except FileNotFoundError:
        return True


def mmdebstrap_argv(p, codename, arch, chroot, baked):
    include = list(p["chroot_packages"]) + (["fakeroot"] if baked else [])
    argv = ["mmdebstrap", "--variant=buildd", "--mode=unshare", "--format=tar", "--arch=" + arch]
    if include:
        argv.append("--include=" + ",".join(include))
    if baked:
        argv += ["--customize-hook=upload %s /tmp/build-deps.dsc" % p["dsc"],
                 '--customize-hook=chroot "$1" apt-get -y --no-install-recommends build-dep '
                 + ("-P %s " % ",".join(p["build_profiles"]) if p["build_profiles"] else "")
                 + "/tmp/build-deps.dsc",
                 '--customize-hook=rm -f "$1/tmp/build-deps.dsc"']
    argv += [codename, chroot + ".incoming"] + ([p["mirror"]] if p["mirror"] else [])
    return argv


def sbuild_argv(p, codename, arch, chroot, baked):
    argv = ["sbuild", "--chroot-mode=unshare", "--chroot=" + chroot, "--dist=" + codename,
            "--arch=" + arch, "--arch-all" if builds_arch_all(p, arch) else "--no-arch-all",
            "--build-dir=" + p["output_dir"],
            "--no-run-lintian", "--no-run-piuparts", "--no-run-autopkgtest"]
    if not p["apt_upgrade"]:
        argv += ["--no-apt-upgrade", "--no-apt-distupgrade"]
    if baked:
        argv += ["--build-dep-resolver=null", "--no-apt-update", "--purge-deps=never"]
    argv += ["--extra-repository=" + r for r in p["extra_repositories"]]
    argv += ["--extra-repository-key=" + k for k in p["extra_repository_keys"]]
    argv += ["--extra-package=" + k for k in p["extra_packages"]]
    if p["build_profiles"]:
        argv.append("--profiles=" + ",".join(p["build_profiles"]))
    return argv + list(p["extra_args"]) + [p["dsc"]]


def stamp_inputs(p, codename, arch, chroot, baked):
    """What the build stamp covers besides the .dsc and the chroot's identity (pure)."""
    return {
        "chroot": chroot, "distribution": codename, "arch": arch, "apt_upgrade": p["apt_upgrade"],
        "extra_repository_keys": p["extra_repository_keys"], "extra_args": p["extra_args"],
        "baked": baked, "arch_all": builds_arch_all(p, arch),
        "build_options": sorted(p["build_options"]), "build_profiles": sorted(p["build_profiles"]),
    }


def stamp_key(stamp):
    """The build stamp key of plan's stamp; the chroot's identity (size, mtime) changes when
    it is remade, so finish computes it again after mmdebstrap."""
    info = os.stat(stamp["inputs"]["chroot"])
    return build_key(dict(stamp["inputs"], chroot_mtime=info.st_mtime, chroot_size=info.st_size),
                     input_files=[stamp["dsc"]], code=stamp["code"])


def common(p):
    """What plan needs: (codename, arch, chroot, baked, make_chroot, source name); fails
    when the build would make no package (see check_arch_all)."""
    codename = check_inputs(p)["codename"]
    arch = p["arch"] or probe(["dpkg", "--print-architecture"])
    try:
        with open(p["dsc"], encoding="utf-8") as handle:
            text = handle.read()
        dsc_info = read_dsc(text)
    except ImportError:
        raise SbuildError("python-debian is not importable on this node") from None
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise SbuildError("%s does not parse: %s" % (
            p["dsc"], getattr(exc, "strerror", None) or exc)) from exc
    architectures = DSC_ARCHITECTURE.search(text)
    check_arch_all(p, arch, dsc_info["source"], architectures.group(1) if architectures else "")
    baked = p["bake_build_deps"] and not p["apt_upgrade"] and not uses_other_repositories(p)
    version = probe(["mmdebstrap", "--version"])
    chroot = chroot_path(p, codename, arch, version, dsc_info, baked)
    make = stale(chroot, p["chroot_max_age_days"])
    lint = lintian_chroot_path(p, codename, arch, version) if p["lintian_chroot"] else ""
    return codename, arch, chroot, baked, make, dsc_info["source"], lint


def plan(p):
    codename, arch, chroot, baked, make, source, lint = common(p)
    make_lint = bool(lint) and stale(lint, p["chroot_max_age_days"])
    fresh, facts = False, {}
    stamp = {"inputs": stamp_inputs(p, codename, arch, chroot, baked), "dsc": p["dsc"],
             "code": p["code"]}
    if not make:
        fresh, _, facts = check(os.path.join(p["output_dir"], ".build-stamp.json"),
                                stamp_key(stamp))
    reuse = fresh and not uses_other_repositories(p)
    env = dict(build_env(p, node_cpus()), LC_ALL="C.UTF-8")
    if not reuse:
        shutil.rmtree(p["output_dir"], ignore_errors=True)
        os.makedirs(p["output_dir"], mode=0o755)
        unpack = p["unpack_dir"]
        if unpack and os.path.isdir(unpack) and os.access(unpack, os.W_OK | os.X_OK):
            conf = os.path.join(p["output_dir"], ".sbuild.conf")
            with open(conf, "w", encoding="utf-8") as handle:
                handle.write("$unshare_tmpdir_template = '%s/tmp.sbuild.XXXXXXXXXX';\n1;\n"
                             % unpack.rstrip("/"))
            env["SBUILD_CONFIG"] = conf
    if make or make_lint:
        os.makedirs(p["cache_dir"], mode=0o755, exist_ok=True)
    return {
        "changed": not reuse or make, "chroot": chroot, "make_chroot": make, "arch": arch,
        "distribution": codename, "baked": baked, "reuse": reuse, "source": source,
        "packages": facts if reuse else {}, "stamp": stamp,
        "mmdebstrap_argv": mmdebstrap_argv(p, codename, arch, chroot, baked),
        "lintian_chroot": lint, "make_lintian_chroot": make_lint,
        "lintian_mmdebstrap_argv": lintian_mmdebstrap_argv(p, codename, arch, lint) if lint else [],
        "sbuild_argv": sbuild_argv(p, codename, arch, chroot, baked), "sbuild_env": env,
    }


def results(output_dir):
    found = []
    for pattern in RESULTS:
        found += glob.glob(os.path.join(glob.escape(output_dir), pattern))
    return sorted(found)


def keep_logs(files, log_dir):
    """Copy the build log (as .build.txt) and the .buildinfo into log_dir; return the copies."""
    os.makedirs(log_dir, mode=0o755, exist_ok=True)
    kept = []
    for path in files:
        name = os.path.basename(path)
        if not name.endswith((".build", ".buildinfo")) or TIMESTAMPED_LOG.search(name):
            continue
        dest = os.path.join(log_dir, name + ".txt" if name.endswith(".build") else name)
        shutil.copyfile(path, dest)
        os.chmod(dest, 0o644)
        kept.append(dest)
    return kept


def finish(p):
    if not p["stamp"].get("inputs"):
        raise SbuildError("build-deb-binary: finish needs the stamp that plan returned")
    files = results(p["output_dir"])
    kept = keep_logs(files, p["log_dir"])
    packages = {}
    if p["built"] and p["rc"] == 0:
        changes = [f for f in files if f.endswith(".changes")]
        debs = [f for f in files if f.endswith((".deb", ".udeb"))]
        if not changes or not debs:
            raise SbuildError("build-deb-binary: sbuild succeeded but left no .changes or .deb "
                              "in %s" % p["output_dir"])
        names, versions = [], {}
        for deb in debs:
            name = os.path.basename(deb).split("_", 1)[0]
            if name not in names:
                names.append(name)
            fields = dict(line.split(": ", 1) for line in probe(
                ["dpkg-deb", "--field", deb, "Package", "Version"]).splitlines())
            versions[fields["Package"]] = fields["Version"]
        packages = {"changes": changes[0], "debs": debs, "names": names, "versions": versions}
        record(os.path.join(p["output_dir"], ".build-stamp.json"),
               stamp_key(p["stamp"]), packages,
               debs + changes[:1])
    return {"changed": bool(kept) and p["built"], "logs": kept,
            "packages": packages}


# The options of DOCUMENTATION (tests/unit/test_sbuild_package.py checks that they agree).
ARGUMENT_SPEC = {
    "phase": {"type": "str", "choices": ["plan", "finish"], "required": True},
    "dsc": {"type": "str", "default": ""},
    "distribution": {"type": "str", "default": ""},
    "arch": {"type": "str", "default": ""},
    "arch_all_arch": {"type": "str", "default": "amd64"},
    "mirror": {"type": "str", "default": ""},
    "chroot_packages": {"type": "list", "elements": "str", "default": []},
    "chroot_max_age_days": {"type": "int", "default": 7},
    "cache_dir": {"type": "path", "default": ""},
    "output_dir": {"type": "path", "required": True},
    "log_dir": {"type": "path", "required": True},
    "extra_repositories": {"type": "list", "elements": "str", "default": []},
    "extra_repository_keys": {"type": "list", "elements": "str", "default": [],
                              "no_log": False},
    "extra_packages": {"type": "list", "elements": "str", "default": []},
    "apt_upgrade": {"type": "bool", "default": False},
    "bake_build_deps": {"type": "bool", "default": True},
    "unpack_dir": {"type": "str", "default": "/dev/shm"},
    "extra_args": {"type": "list", "elements": "str", "default": []},
    "lintian_chroot": {"type": "bool", "default": False},
    "build_options": {"type": "list", "elements": "str", "default": []},
    "parallel": {"type": "int", "default": 0},
    "build_profiles": {"type": "list", "elements": "str", "default": []},
    "code": {"type": "str", "default": ""},
    "rc": {"type": "int", "default": 0},
    "built": {"type": "bool", "default": True},
    "stamp": {"type": "dict", "default": {}},
}


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(argument_spec=ARGUMENT_SPEC)
    p = module.params
    try:
        module.exit_json(**(plan(p) if p["phase"] == "plan" else finish(p)))
    except SbuildError as exc:
        module.fail_json(msg=str(exc))
    except OSError as exc:
        module.fail_json(msg="build-deb-binary: %s: %s" % (exc.filename or "", exc.strerror or exc))


def main():
    run_module()


if __name__ == "__main__":
    main()
