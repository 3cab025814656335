"""build_stamp: the key covers every input, and a stamp is fresh only with intact outputs."""

import json

from ansible.module_utils.zuul_packaging import build_stamp


def test_key_changes_with_each_kind_of_input(tmp_path):
    src = tmp_path / "greeter.dsc"
    src.write_text("one")
    role = tmp_path / "role"
    (role / "tasks").mkdir(parents=True)
    (role / "tasks" / "main.yaml").write_text("---\n")
    base = build_stamp.build_key({"upstream": "a"}, [str(src)], [str(role)])
    assert base == build_stamp.build_key({"upstream": "a"}, [str(src)], [str(role)])
    assert base != build_stamp.build_key({"upstream": "b"}, [str(src)], [str(role)])
    src.write_text("two")
    changed_file = build_stamp.build_key({"upstream": "a"}, [str(src)], [str(role)])
    assert changed_file != base
    (role / "tasks" / "main.yaml").write_text("---\n# new collection version\n")
    assert build_stamp.build_key({"upstream": "a"}, [str(src)], [str(role)]) != changed_file


def test_key_ignores_where_the_inputs_live(tmp_path):
    for name in ("a", "b"):
        (tmp_path / name / "debian").mkdir(parents=True)
        (tmp_path / name / "debian" / "control").write_text("Source: greeter\n")
    assert (build_stamp.build_key({}, [], [str(tmp_path / "a" / "debian")])
            == build_stamp.build_key({}, [], [str(tmp_path / "b" / "debian")]))


def test_freshness(tmp_path):
    out = tmp_path / "greeter_1_all.deb"
    out.write_bytes(b"deb")
    stamp = json.loads(build_stamp.stamp_content("k1", {"debs": [str(out)]}, [str(out)]))
    assert build_stamp.freshness(None, "k1") == (False, "no earlier build")
    assert build_stamp.freshness(stamp, "k2") == (False, "inputs changed since the last build")
    assert build_stamp.freshness(stamp, "k1") == (True, "unchanged since the last build")
    out.write_bytes(b"tampered")
    assert build_stamp.freshness(stamp, "k1") == (
        False, "output %s changed since the last build" % out)
    out.unlink()
    assert build_stamp.freshness(stamp, "k1") == (False, "output %s is missing" % out)


def test_unreadable_stamp_is_no_stamp(tmp_path):
    bad = tmp_path / ".build-stamp.json"
    bad.write_text("{not json")
    assert build_stamp.read_stamp(str(bad)) is None
    assert build_stamp.read_stamp(str(tmp_path / "missing.json")) is None


def test_key_changes_with_the_code_digest():
    assert build_stamp.build_key({}, code="a") != build_stamp.build_key({}, code="b")
