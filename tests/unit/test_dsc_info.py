"""dsc_info: build dependencies of a .dsc, normalized by python-debian."""

import pytest
from ansible.module_utils.zuul_packaging import dsc_info

DSC = """Format: 3.0 (quilt)
Source: greeter
Binary: greeter
Architecture: all
Version: 0.1.0-1
Build-Depends: debhelper-compat (= 13),
   python3  (>= 3.9) | python3-dev
Build-Depends-Indep: pandoc
Files:
 00000000000000000000000000000000 1 greeter_0.1.0.orig.tar.gz
"""


def test_read_dsc_normalizes_each_field():
    info = dsc_info.read_dsc(DSC)
    assert info["source"] == "greeter" and info["version"] == "0.1.0-1"
    assert info["build_depends"] == [
        "Build-Depends: debhelper-compat (= 13), python3 (>= 3.9) | python3-dev",
        "Build-Depends-Indep: pandoc"]


def test_spacing_does_not_change_the_dependency_set():
    other = DSC.replace("python3  (>= 3.9) | python3-dev", "python3 (>=3.9)|python3-dev")
    assert dsc_info.read_dsc(other) == dsc_info.read_dsc(DSC)


def test_missing_version_is_one_message():
    with pytest.raises(ValueError, match="no Version field"):
        dsc_info.read_dsc(DSC.replace("Version: 0.1.0-1\n", ""))
