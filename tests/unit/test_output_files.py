"""output_files: reports written and files copied once, inputs checked first."""

from __future__ import annotations

import os

import output_files as of
import pytest


def params(**extra):
    base = {"files": [], "copy": [], "copy_dir": "", "require": [],
            "require_msg": "missing: {path}"}
    base.update(extra)
    return base


def test_write_and_copy_then_nothing_to_do(tmp_path):
    package = tmp_path / "greeter_1.0_all.deb"
    package.write_bytes(b"deb")
    report = tmp_path / "out" / "logs" / "report.txt"
    p = params(files=[{"path": str(report), "content": "ok\n"}], copy=[str(package)],
               copy_dir=str(tmp_path / "out" / "artifacts"))
    assert of.apply(p) == [str(report), str(tmp_path / "out" / "artifacts" / package.name)]
    assert report.read_text() == "ok\n" and oct(os.stat(report).st_mode & 0o777) == "0o644"
    assert (tmp_path / "out" / "artifacts" / package.name).read_bytes() == b"deb"
    assert of.apply(p) == []
    package.write_bytes(b"deb2")
    assert of.apply(p) == [str(tmp_path / "out" / "artifacts" / package.name)]


def test_a_missing_input_fails_before_writing(tmp_path):
    report = tmp_path / "report.txt"
    with pytest.raises(of.OutputError) as info:
        of.apply(params(require=[str(tmp_path / "x.changes")], require_msg="no {path} here",
                        files=[{"path": str(report), "content": "x"}]))
    assert str(info.value) == "no %s here" % (tmp_path / "x.changes")
    assert not report.exists()


def test_copy_needs_files_and_a_directory(tmp_path):
    with pytest.raises(of.OutputError, match="copy needs copy_dir"):
        of.apply(params(copy=[str(tmp_path)]))
    with pytest.raises(of.OutputError, match="is not a file"):
        of.apply(params(copy=[str(tmp_path / "missing.deb")], copy_dir=str(tmp_path / "a")))
