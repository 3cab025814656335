"""Build stamps: skip a build whose inputs have not changed since its outputs were made."""

from __future__ import annotations

import hashlib
import json
import os


def file_digest(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dir_entries(path):
    """(relative name, content digest) of every file under path, sorted, symlinks followed."""
    entries = []
    for root, dirs, files in os.walk(path, followlinks=True):
        dirs[:] = sorted(d for d in dirs if d not in ("__pycache__", "molecule"))
        for name in sorted(files):
            if name.endswith(".pyc"):
                continue
            full = os.path.join(root, name)
            entries.append((os.path.relpath(full, path), file_digest(full)))
    return entries


def build_key(inputs, input_files=(), input_dirs=(), code=""):
    material = {
        "code": code,
        "inputs": inputs,
        "files": [[os.path.basename(p), file_digest(p)] for p in input_files],
        "dirs": [dir_entries(d) for d in input_dirs],
    }
    blob = json.dumps(material, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def read_stamp(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def freshness(stamp, key):
    """(fresh, reason) of a stamp read from disk against the wanted key."""
    if not stamp:
        return False, "no earlier build"
    if stamp.get("key") != key:
        return False, "inputs changed since the last build"
    for path, digest in sorted(stamp.get("outputs", {}).items()):
        if not os.path.isfile(path):
            return False, "output %s is missing" % path
        if file_digest(path) != digest:
            return False, "output %s changed since the last build" % path
    return True, "unchanged since the last build"


def stamp_content(key, facts, output_files):
    stamp = {"key": key, "facts": facts,
             "outputs": {p: file_digest(p) for p in sorted(output_files)}}
    return json.dumps(stamp, indent=1, sort_keys=True) + "\n"


def check(path, key):
    """(fresh, reason, facts) of the stamp at path against the wanted key."""
    stamp = read_stamp(path)
    fresh, reason = freshness(stamp, key)
    return fresh, reason, stamp.get("facts", {}) if fresh else {}


def record(path, key, facts, output_files, check_mode=False):
    """Write the stamp atomically; return whether its content changed."""
    content = stamp_content(key, facts, output_files)
    try:
        with open(path, encoding="utf-8") as handle:
            changed = handle.read() != content
    except OSError:
        changed = True
    if changed and not check_mode:
        temporary = path + ".tmp"
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(temporary, path)
    return changed
