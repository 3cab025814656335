"""code_digest lookup: the digest follows the code files, not the docs or scenarios."""

from __future__ import annotations

import code_digest
import pytest
from ansible.errors import AnsibleLookupError


def role(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "tasks" / "main.yaml").write_text("- name: one\n")
    (tmp_path / "defaults").mkdir()
    (tmp_path / "defaults" / "main.yaml").write_text("x: 1\n")
    (tmp_path / "molecule" / "default").mkdir(parents=True)
    (tmp_path / "molecule" / "default" / "verify.yml").write_text("- x\n")
    (tmp_path / "README.rst").write_text("docs\n")
    return tmp_path


def test_digest_changes_with_code_only(tmp_path):
    top = role(tmp_path)
    first = code_digest.digest([str(top)])
    (top / "README.rst").write_text("other docs\n")
    (top / "molecule" / "default" / "verify.yml").write_text("- y\n")
    assert code_digest.digest([str(top)]) == first
    (top / "defaults" / "main.yaml").write_text("x: 2\n")
    assert code_digest.digest([str(top)]) != first


def test_a_renamed_file_changes_the_digest(tmp_path):
    top = role(tmp_path)
    first = code_digest.digest([str(top)])
    (top / "tasks" / "main.yaml").rename(top / "tasks" / "other.yaml")
    assert code_digest.digest([str(top)]) != first


def test_not_a_directory(tmp_path):
    with pytest.raises(AnsibleLookupError, match="code_digest: .* is not a directory"):
        code_digest.digest([str(tmp_path / "missing")])


def test_lookup_returns_one_digest(tmp_path):
    top = role(tmp_path)
    # the library role (packaging-base, where the lookup lives) is always hashed too
    assert code_digest.LookupModule().run([str(top)]) == [
        code_digest.digest([str(top), code_digest.BASE])]
