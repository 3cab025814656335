#!/usr/bin/python
# SPDX-License-Identifier: Apache-2.0
"""Publish packages into a new per-build repository and swap a stable pointer to it."""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

DOCUMENTATION = r"""
---
module: packaging_publish
short_description: Publish packages as a new build of a deb or rpm repository
description:
  - Creates C(<repo_dir>/builds/<build_id>) as a complete repository holding everything
    C(current) held plus the given packages (C(reprepro include) for deb, C(createrepo_c
    --update) for rpm), then points C(<repo_dir>/current) at it with an atomic rename of a
    symlink. A reader of C(current) sees the old repository or the new one, never a mix.
  - The whole step holds an exclusive lock on C(<repo_dir>/.lock); a publisher that cannot
    take it within I(lock_timeout) seconds fails with a message naming the lock.
  - Package files are hard links into the previous build where the file system allows it.
  - Keeps the I(keep) newest builds and never deletes the one C(current) points at.
  - Publishing a build id that is already published with the same files changes nothing.
  - Run as C(python3 packaging_publish.py --stdin) on a repository host (no Ansible needed
    there), it reads the same options as JSON on stdin and writes the result as JSON: the
    publish roles use this to publish over ssh, so the lock and the swap happen on that host.
  - With I(signing_key), the repository is signed before C(current) points at it: reprepro
    signs C(Release) (C(InRelease) and C(Release.gpg)) through C(SignWith), createrepo_c's
    C(repodata/repomd.xml) gets a detached armored signature C(repomd.xml.asc), and the public
    key is published as C(repo-key.asc) (and C(repodata/repomd.xml.key)). The key lives in a
    temporary GnuPG home that is removed whatever happens.
options:
  repo_dir:
    description: Root of this repository (one distribution or target).
    type: path
    required: true
  format:
    description: Repository format.
    type: str
    choices: [deb, rpm]
    required: true
  build_id:
    description: Name of the new build directory (letters, digits, C(.), C(_), C(+), C(-)).
    type: str
    required: true
  build_key:
    description:
      - Key of this build's inputs (see the skip-published-build role). It is recorded in
        C(build-keys.json) of the repository with the package files the build added; a key
        stays recorded while all its files are in the repository, so a later job with the
        same key can skip building and publishing.
    type: str
    default: ""
  files:
    description:
      - Package files to add; C(.changes) (binary uploads) and C(.dsc) (source packages)
        for deb, C(.rpm) files for rpm.
    type: list
    elements: path
    default: []
  deb_codename:
    description: Codename of the deb repository distribution.
    type: str
    default: ''
  deb_components:
    description: Components of the deb repository.
    type: list
    elements: str
    default: [main]
  deb_architectures:
    description: Binary architectures of the deb repository (C(source) is always added).
    type: list
    elements: str
    default: [amd64]
  keep:
    description: Number of builds to keep (at least 1).
    type: int
    default: 10
  lock_timeout:
    description: Seconds to wait for the repository lock.
    type: int
    default: 300
  signing_key:
    description: ASCII-armored OpenPGP secret key that signs the repository; empty for none.
    type: str
    default: ''
  signing_passphrase:
    description: Passphrase of I(signing_key); empty when it has none.
    type: str
    default: ''
  sign_packages:
    description: Also sign the added RPMs with C(rpmsign --addsign) and I(signing_key) (rpm only).
    type: bool
    default: false
  check_only:
    description:
      - Only check what a publish would reject (build id, repository directory, signing key
        and passphrase), changing nothing, so that a job fails before it builds.
    type: bool
    default: false
  check_repo_dir:
    description: With I(check_only), check that I(repo_dir) is (or can be made) a writable
      directory; off when the repository is on another host.
    type: bool
    default: true
author:
  - zuul-packaging developers
"""

EXAMPLES = r"""
- name: Publish the debs of this build
  packaging_publish:
    repo_dir: /srv/repos/deb/bookworm
    format: deb
    build_id: "{{ zuul.build }}"
    files: ["{{ build_deb_sbuild_changes }}"]
    deb_codename: bookworm
"""

RETURN = r"""
build_dir:
  description: Directory of the new build's repository.
  type: str
  returned: success
current:
  description: Path of the stable pointer.
  type: str
  returned: success
signed_by:
  description: Fingerprint of the signing key, empty when the repository is not signed.
  type: str
  returned: success
removed:
  description: Build ids deleted by retention.
  type: list
  elements: str
  returned: success
"""

BUILD_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
MARKER = ".zuul-packaging-build.json"
POOL_DIRS = {"deb": ("pool",), "rpm": ("Packages",)}
BUILD_KEYS = "build-keys.json"


def pool_files(root, fmt):
    """Relative paths of the package files under a build directory."""
    found = set()
    for pool in POOL_DIRS[fmt]:
        for dirpath, _dirs, names in os.walk(os.path.join(root, pool)):
            found.update(os.path.relpath(os.path.join(dirpath, n), root) for n in names)
    return found


def update_build_keys(keys, key, build_id, added, present):
    """The build keys a repository records (skip-unchanged): the earlier ones whose package
    files are all still in it, plus this build's key with the files it added."""
    kept = {k: v for k, v in keys.items()
            if isinstance(v, dict) and set(v.get("files", [])) <= present}
    if key:
        kept[key] = {"build_id": build_id, "files": sorted(added)}
    return kept


def record_key_in_place(build_dir, key, build_id, fmt):
    """Add a key for a build id published again with the same files (under the lock; the
    file is replaced with rename(2), so readers see the old or the new list)."""
    try:
        with open(os.path.join(build_dir, BUILD_KEYS), encoding="utf-8") as handle:
            keys = json.load(handle)
    except (OSError, ValueError):
        keys = {}
    if isinstance(keys, dict) and key in keys:
        return False
    previous = [v for v in (keys.values() if isinstance(keys, dict) else [])
                if isinstance(v, dict) and v.get("build_id") == build_id]
    files = previous[0].get("files", []) if previous else []
    write_build_keys(build_dir, key, build_id, set(files), fmt)
    return True


def write_build_keys(staging, key, build_id, added, fmt):
    path = os.path.join(staging, BUILD_KEYS)
    try:
        with open(path, encoding="utf-8") as handle:
            keys = json.load(handle)
    except (OSError, ValueError):
        keys = {}
    keys = update_build_keys(keys if isinstance(keys, dict) else {}, key, build_id, added,
                             pool_files(staging, fmt))
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        json.dump(keys, handle, indent=1, sort_keys=True)
        handle.write("\n")
    os.replace(temporary, path)  # never through a hard link into the previous build


class PublishError(Exception):
    """A publish failure with a message that names its cause."""


def validate_build_id(build_id):
    if not BUILD_ID.match(build_id or "") or ".." in build_id:
        raise PublishError(
            "build_id %r is not a plain name (letters, digits, '.', '_', '+', '-')" % build_id)
    return build_id


def plan_retention(builds, current, keep):
    """Build ids to delete: all but the keep newest, never current (pure).

    builds is a list of (build_id, published_at) pairs.
    """
    if keep < 1:
        raise PublishError("keep must be at least 1, got %d" % keep)
    newest_first = sorted(builds, key=lambda item: (item[1], item[0]), reverse=True)
    kept = {build_id for build_id, _ in newest_first[:keep]}
    return sorted(build_id for build_id, _ in builds
                  if build_id not in kept and build_id != current)


def deb_distributions(codename, components, architectures, sign_with=""):
    """reprepro conf/distributions text (pure)."""
    archs = list(dict.fromkeys(list(architectures) + ["source"]))
    return "".join([
        "Origin: zuul-packaging\n",
        "Label: zuul-packaging\n",
        "Codename: %s\n" % codename,
        "Suite: %s\n" % codename,
        "Components: %s\n" % " ".join(components),
        "Architectures: %s\n" % " ".join(archs),
        "Description: continuous packaging snapshots\n",
    ] + (["SignWith: %s\n" % sign_with] if sign_with else []))


SIGN_SCRIPT = """#!/bin/sh
# reprepro SignWith hook: $1 unsigned Release, $2 InRelease to write, $3 Release.gpg to write
set -e
sign() { gpg --batch --yes --quiet --pinentry-mode loopback \\
  --passphrase-file "$GNUPGHOME/passphrase" --local-user "%s" "$@"; }
if [ -n "$2" ]; then sign --clearsign --output "$2" "$1"; fi
if [ -n "$3" ]; then sign --armor --detach-sign --output "$3" "$1"; fi
"""


def secret_fingerprints(colons):
    """Fingerprints of the secret primary keys in gpg --with-colons output (pure)."""
    fingerprints, primary = [], False
    for line in colons.splitlines():
        fields = line.split(":")
        if fields[0] == "sec":
            primary = True
        elif fields[0] == "ssb":
            primary = False
        elif fields[0] == "fpr" and primary:
            fingerprints.append(fields[9])
            primary = False
    return fingerprints


class Signer:
    """A temporary GnuPG home holding one signing key; removed on exit, whatever happens."""

    def __init__(self, key, passphrase):
        self.key, self.passphrase = key, passphrase
        self.home = self.fingerprint = None

    def gpg(self, *args, data=None):
        proc = subprocess.run(["gpg", "--batch", "--no-tty", "--homedir", self.home, *args],
                              input=data, capture_output=True, text=True, check=False,
                              env=dict(os.environ, GNUPGHOME=self.home, LC_ALL="C"))
        return proc.returncode, proc.stdout, proc.stderr

    def __enter__(self):
        self.home = tempfile.mkdtemp(prefix="packaging-gpg-")
        try:
            self.setup()
        except BaseException:
            self.close()
            raise
        return self

    def setup(self):
        rc, _, _ = self.gpg("--import", data=self.key)
        rc, out, _ = self.gpg("--with-colons", "--list-secret-keys")
        found = secret_fingerprints(out)
        if rc != 0 or len(found) != 1:
            raise PublishError("signing key: not one ASCII-armored OpenPGP secret key (found %d "
                               "secret keys)" % len(found))
        self.fingerprint = found[0]
        passphrase = os.path.join(self.home, "passphrase")
        with open(os.open(passphrase, os.O_WRONLY | os.O_CREAT, 0o600), "w") as handle:
            handle.write(self.passphrase)
        # never --output /dev/null: gpg renames its output over the target
        probe = os.path.join(self.home, "probe")
        with open(probe, "w", encoding="utf-8") as handle:
            handle.write("probe\n")
        rc, _, err = self.gpg("--pinentry-mode", "loopback", "--passphrase-file", passphrase,
                              "--local-user", self.fingerprint, "--armor", "--detach-sign",
                              "--output", probe + ".asc", probe)
        if rc != 0:
            reason = "wrong passphrase" if "passphrase" in err.lower() or "bad" in err.lower() \
                else (err.strip().splitlines() or ["gpg failed"])[-1]
            raise PublishError("signing key %s cannot sign: %s" % (self.fingerprint, reason))
        script = os.path.join(self.home, "sign-release")
        with open(script, "w", encoding="utf-8") as handle:
            handle.write(SIGN_SCRIPT % self.fingerprint)
        os.chmod(script, 0o700)

    def export_public(self, path):
        rc, out, err = self.gpg("--armor", "--export", self.fingerprint)
        if rc != 0 or not out:
            raise PublishError("signing key %s: export of the public key failed: %s" % (
                self.fingerprint, err.strip()))
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(out)

    def detach_sign(self, path):
        rc, _, err = self.gpg("--yes", "--pinentry-mode", "loopback", "--passphrase-file",
                              os.path.join(self.home, "passphrase"), "--local-user",
                              self.fingerprint, "--armor", "--detach-sign", "--output",
                              path + ".asc", path)
        if rc != 0:
            raise PublishError("signing %s failed: %s" % (path, err.strip()))

    def sign_rpms(self, paths, run):
        """rpmsign --addsign with this key; the passphrase goes through a file, never argv."""
        extra = "--batch --pinentry-mode loopback --passphrase-file %s" % os.path.join(
            self.home, "passphrase")
        gpg = shutil.which("gpg") or "gpg"  # rpm's default %__gpg is gpg2, absent on Debian
        run(["rpmsign", "--addsign", "--define", "__gpg %s" % gpg,
             "--define", "_gpg_path %s" % self.home,
             "--define", "_gpg_name %s" % self.fingerprint,
             "--define", "_gpg_sign_cmd_extra_args %s" % extra, *paths],
            {"GNUPGHOME": self.home})

    def close(self):
        if self.home:
            subprocess.run(["gpgconf", "--homedir", self.home, "--kill", "all"],
                           capture_output=True, check=False)
            shutil.rmtree(self.home, ignore_errors=True)

    def __exit__(self, *exc):
        self.close()


class NoSigner:
    fingerprint = ""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return None


class Lock:
    def __init__(self, path, timeout):
        self.path, self.timeout, self.handle = path, timeout, None

    def __enter__(self):
        self.handle = open(self.path, "a+")
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    self.handle.close()
                    raise PublishError("could not take the repository lock %s within %d s" % (
                        self.path, self.timeout)) from exc
                time.sleep(0.2)

    def __exit__(self, *exc):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def seed_copy(source, target, fmt):
    """Copy a published build as the start of a new one; package files are hard-linked."""
    pools = POOL_DIRS[fmt]

    def copy(src, dst):
        relative = os.path.relpath(src, source)
        if relative.split(os.sep)[0] in pools:
            try:
                os.link(src, dst)
                return dst
            except OSError:
                pass
        return shutil.copy2(src, dst)

    shutil.copytree(source, target, symlinks=True, copy_function=copy,
                    ignore=shutil.ignore_patterns(MARKER))


def drop_signatures(staging, relatives):
    """An unsigned build must not carry signatures or keys copied from a signed one."""
    for relative in relatives:
        path = os.path.join(staging, relative)
        if os.path.lexists(path):
            os.unlink(path)


def read_marker(build_dir):
    try:
        with open(os.path.join(build_dir, MARKER), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def list_builds(builds_dir):
    found = []
    for name in os.listdir(builds_dir) if os.path.isdir(builds_dir) else []:
        if name.startswith("."):
            continue
        marker = read_marker(os.path.join(builds_dir, name))
        found.append((name, marker["published_at"] if marker else 0.0))
    return found


def swap_pointer(repo_dir, build_id):
    current = os.path.join(repo_dir, "current")
    temporary = os.path.join(repo_dir, ".current.%d" % os.getpid())
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(os.path.join("builds", build_id), temporary)
    os.replace(temporary, current)
    return current


def current_target(repo_dir):
    current = os.path.join(repo_dir, "current")
    if not os.path.islink(current):
        return None
    return os.path.basename(os.readlink(current))


def check_repo_dir(repo_dir):
    """Fail unless repo_dir exists as a writable directory or can be made (nothing made)."""
    path = os.path.abspath(repo_dir)
    while not os.path.lexists(path):
        path = os.path.dirname(path)
    if not os.path.isdir(path):
        raise PublishError("repository directory %s is not writable: Not a directory" % repo_dir)
    if not os.access(path, os.W_OK):
        raise PublishError("repository directory %s is not writable" % repo_dir)


def check(params):
    """What publish would reject, found before anything is built (changes nothing)."""
    validate_build_id(params["build_id"])
    if params.get("sign_packages") and not params.get("signing_key"):
        raise PublishError("sign_packages needs signing_key")
    if params.get("check_repo_dir", True):
        check_repo_dir(params["repo_dir"])
    if params.get("signing_key"):
        with Signer(params["signing_key"], params["signing_passphrase"]) as signer:
            return {"changed": False, "signed_by": signer.fingerprint}
    return {"changed": False, "signed_by": ""}


def publish(params, run):
    """Publish; run(argv, env) runs a command and raises PublishError on failure."""
    if params.get("check_only"):
        return check(params)
    signer = Signer(params["signing_key"], params["signing_passphrase"]) \
        if params.get("signing_key") else NoSigner()
    with signer:
        return publish_signed(params, run, signer)


def publish_signed(params, run, signer):
    repo_dir, fmt = params["repo_dir"], params["format"]
    build_id = validate_build_id(params["build_id"])
    files = [os.path.abspath(f) for f in params["files"]]
    if not files:
        raise PublishError("nothing to publish: the list of package files is empty")
    for path in files:
        if not os.path.isfile(path):
            raise PublishError("package file %s does not exist" % path)
        wanted = (".changes", ".dsc") if fmt == "deb" else (".rpm",)
        if not path.endswith(wanted):
            raise PublishError("%s is not a %s file" % (path, " or ".join(wanted)))
    if fmt == "deb" and not params["deb_codename"]:
        raise PublishError("deb_codename is required for a deb repository")
    try:
        os.makedirs(os.path.join(repo_dir, "builds"), exist_ok=True)
    except OSError as exc:
        raise PublishError("repository directory %s is not writable: %s" % (
            repo_dir, exc.strerror)) from exc
    if not os.access(repo_dir, os.W_OK):
        raise PublishError("repository directory %s is not writable" % repo_dir)
    builds_dir = os.path.join(repo_dir, "builds")
    target = os.path.join(builds_dir, build_id)
    names = sorted(os.path.basename(f) for f in files)
    with Lock(os.path.join(repo_dir, ".lock"), params["lock_timeout"]):
        marker = read_marker(target)
        if marker is not None:
            if marker.get("files") == names and current_target(repo_dir) == build_id:
                if params.get("build_key"):  # the same packages, published under another key
                    changed = record_key_in_place(target, params["build_key"], build_id, fmt)
                    if changed:
                        return {"changed": True, "build_dir": target, "removed": [],
                                "current": os.path.join(repo_dir, "current"),
                                "signed_by": signer.fingerprint}
                return {"changed": False, "build_dir": target, "removed": [],
                        "current": os.path.join(repo_dir, "current"),
                        "signed_by": signer.fingerprint}
            raise PublishError(
                "build id %s is already published in %s with other files (%s); give this build "
                "another build id" % (build_id, repo_dir, ", ".join(marker.get("files", []))))
        staging = os.path.join(builds_dir, ".%s.incoming" % build_id)
        if os.path.lexists(staging):
            shutil.rmtree(staging)  # left behind by a publisher that was killed
        try:  # a failed publish leaves no staging directory behind
            previous = current_target(repo_dir)
            if previous and os.path.isdir(os.path.join(builds_dir, previous)):
                seed_copy(os.path.join(builds_dir, previous), staging, fmt)
            else:
                os.makedirs(staging)
            signed = bool(signer.fingerprint)
            before = pool_files(staging, fmt)
            if fmt == "deb":
                conf = os.path.join(staging, "conf")
                os.makedirs(conf, exist_ok=True)
                sign_with = "! " + os.path.join(signer.home, "sign-release") if signed else ""
                with open(os.path.join(conf, "distributions"), "w", encoding="utf-8") as handle:
                    handle.write(deb_distributions(params["deb_codename"], params["deb_components"],
                                                   params["deb_architectures"], sign_with))
                env = {"GNUPGHOME": signer.home} if signed else None
                for package in files:
                    command = "includedsc" if package.endswith(".dsc") else "include"
                    run(["reprepro", "--basedir", staging, "--ignore=wrongdistribution",
                         command, params["deb_codename"], package], env)
                if signed:
                    signer.export_public(os.path.join(staging, "repo-key.asc"))
                    with open(os.path.join(conf, "distributions"), "w", encoding="utf-8") as handle:
                        handle.write(deb_distributions(
                            params["deb_codename"], params["deb_components"],
                            params["deb_architectures"]))
                else:
                    drop_signatures(staging, ["repo-key.asc"] + [
                        os.path.join("dists", params["deb_codename"], name)
                        for name in ("InRelease", "Release.gpg")])
            else:
                packages = os.path.join(staging, "Packages")
                os.makedirs(packages, exist_ok=True)
                added = []
                for rpm in files:
                    target_rpm = os.path.join(packages, os.path.basename(rpm))
                    if os.path.lexists(target_rpm):
                        # a hard link into the previous build: never write through it
                        os.unlink(target_rpm)
                    shutil.copy2(rpm, target_rpm)
                    added.append(target_rpm)
                if params.get("sign_packages"):
                    if not signed:
                        raise PublishError("sign_packages needs signing_key")
                    signer.sign_rpms(added, run)
                update = ["--update"] if os.path.isdir(os.path.join(staging, "repodata")) else []
                run(["createrepo_c", *update, "--quiet", staging], None)
                repomd = os.path.join(staging, "repodata", "repomd.xml")
                if signed:
                    signer.detach_sign(repomd)
                    signer.export_public(os.path.join(staging, "repo-key.asc"))
                    shutil.copy2(os.path.join(staging, "repo-key.asc"), repomd + ".key")
                else:
                    drop_signatures(staging, ["repo-key.asc", "repodata/repomd.xml.asc",
                                              "repodata/repomd.xml.key"])
            added = pool_files(staging, fmt) - before if fmt == "deb" else {
                os.path.relpath(p, staging) for p in added}
            write_build_keys(staging, params.get("build_key") or "", build_id, added, fmt)
            with open(os.path.join(staging, MARKER), "w", encoding="utf-8") as handle:
                json.dump({"build_id": build_id, "files": names, "published_at": time.time()},
                          handle)
            os.rename(staging, target)
        except OSError as exc:  # e.g. a full disk: one line, and nothing left behind
            shutil.rmtree(staging, ignore_errors=True)
            raise PublishError("publishing build %s to %s failed: %s" % (
                build_id, repo_dir, exc.strerror or exc)) from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        current = swap_pointer(repo_dir, build_id)
        removed = plan_retention(list_builds(builds_dir), build_id, params["keep"])
        for old in removed:
            shutil.rmtree(os.path.join(builds_dir, old))
    return {"changed": True, "build_dir": target, "current": current, "removed": removed,
            "signed_by": signer.fingerprint}


def run_module():
    from ansible.module_utils.basic import AnsibleModule

    module = AnsibleModule(
        argument_spec=dict(
            repo_dir=dict(type="path", required=True),
            format=dict(type="str", choices=["deb", "rpm"], required=True),
            build_id=dict(type="str", required=True),
            build_key=dict(type="str", default="", no_log=False),
            files=dict(type="list", elements="path", default=[]),
            deb_codename=dict(type="str", default=""),
            deb_components=dict(type="list", elements="str", default=["main"]),
            deb_architectures=dict(type="list", elements="str", default=["amd64"]),
            keep=dict(type="int", default=10),
            lock_timeout=dict(type="int", default=300),
            signing_key=dict(type="str", default="", no_log=True),
            signing_passphrase=dict(type="str", default="", no_log=True),
            sign_packages=dict(type="bool", default=False),
            check_only=dict(type="bool", default=False),
            check_repo_dir=dict(type="bool", default=True),
        ),
        supports_check_mode=False,
    )

    def run(argv, env=None):
        rc, out, err = module.run_command(argv, environ_update=env)
        if rc != 0:
            lines = (err or out).strip().splitlines()
            raise PublishError("%s failed (exit %d): %s" % (
                argv[0], rc, lines[-1] if lines else "no output"))

    try:
        result = publish(module.params, run)
    except PublishError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(**result)


DEFAULTS = {"build_key": "", "deb_codename": "", "deb_components": ["main"],
            "deb_architectures": ["amd64"],
            "keep": 10, "lock_timeout": 300, "signing_key": "", "signing_passphrase": "",
            "sign_packages": False}


def run_standalone(stdin, stdout):
    """The same publish on a repository host reached over ssh, without Ansible there:
    parameters as JSON on stdin (so the signing key is never in a command line), the result
    as JSON on stdout; exit status 1 with the one-line message on failure."""

    def run(argv, env=None):
        proc = subprocess.run(argv, capture_output=True, text=True, check=False,
                              env=dict(os.environ, **(env or {})))
        if proc.returncode != 0:
            lines = (proc.stderr or proc.stdout).strip().splitlines()
            raise PublishError("%s failed (exit %d): %s" % (
                argv[0], proc.returncode, lines[-1] if lines else "no output"))

    try:
        params = dict(DEFAULTS, **json.load(stdin))
        missing = [k for k in ("repo_dir", "format", "build_id", "files") if k not in params]
        if missing or params["format"] not in ("deb", "rpm"):
            raise PublishError("standalone publish needs repo_dir, format (deb or rpm), "
                               "build_id and files")
        result = publish(params, run)
    except (PublishError, ValueError) as exc:
        stdout.write(json.dumps({"failed": True, "msg": str(exc)}) + "\n")
        return 1
    stdout.write(json.dumps(result) + "\n")
    return 0


def main():
    if sys.argv[1:] == ["--stdin"]:
        sys.exit(run_standalone(sys.stdin, sys.stdout))
    run_module()


if __name__ == "__main__":
    main()
