"""Throw-away OpenPGP signing keys made with the real gpg, for the signing tests."""

from __future__ import annotations

import os
import subprocess
import tempfile


def make_key(passphrase="", uid="Repo Signing Test <repo-signing@packaging.test>",
             expire="never", made_at=None):
    """(armored secret key, fingerprint) of a new ed25519 signing key; made_at (gpg's
    ISO time, such as 20200101T000000) with expire (such as 1d) makes an expired one."""
    home = tempfile.mkdtemp(prefix="test-gpg-")
    env = dict(os.environ, GNUPGHOME=home)
    gpg = ["gpg", "--batch", "--homedir", home, "--pinentry-mode", "loopback",
           "--passphrase", passphrase]
    faked = ["--faked-system-time", made_at + "!"] if made_at else []
    subprocess.run([*gpg, *faked, "--quick-gen-key", uid, "ed25519", "sign", expire],
                   check=True, capture_output=True, env=env)
    colons = subprocess.run([*gpg, "--with-colons", "--list-secret-keys"], check=True,
                            capture_output=True, text=True, env=env).stdout
    fingerprint = next(line.split(":")[9] for line in colons.splitlines()
                       if line.startswith("fpr:"))
    armored = subprocess.run([*gpg, "--armor", "--export-secret-keys", fingerprint], check=True,
                             capture_output=True, text=True, env=env).stdout
    subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], check=False, env=env)
    subprocess.run(["rm", "-rf", home], check=True)
    return armored, fingerprint


def gpg_verify(signature, data, public_key):
    """Verify a detached or inline signature against only public_key; (ok, gpg's stderr)."""
    home = tempfile.mkdtemp(prefix="test-gpgv-")
    try:
        env = dict(os.environ, GNUPGHOME=home)
        subprocess.run(["gpg", "--batch", "--homedir", home, "--import", str(public_key)],
                       check=True, capture_output=True, env=env)
        argv = ["gpg", "--batch", "--homedir", home, "--verify", str(signature)]
        proc = subprocess.run(argv + ([str(data)] if data else []), capture_output=True,
                              text=True, env=env, check=False)
        return proc.returncode == 0, proc.stderr
    finally:
        subprocess.run(["gpgconf", "--homedir", home, "--kill", "all"], check=False)
        subprocess.run(["rm", "-rf", home], check=True)
