"""run-rpmlint's default policy (roles/run-rpmlint/files/rpmlint-policy.toml) on real RPMs:
a Fedora-style -doc subpackage (%package doc) is not an error. rpmlint's I18NCheck takes
the -doc suffix for a language (ISO 639 'doc', Dogri) and wants a dependency on a
'locales-doc' package that no distribution has."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "roles" / "run-rpmlint" / "files" / "rpmlint-policy.toml"

SPEC = """\
Name:           hello
Version:        1.0
Release:        1
Summary:        A package with a documentation subpackage
License:        MIT
URL:            https://hello.example/
BuildArch:      noarch

%description
A package with a documentation subpackage.

%package doc
Summary:        Documentation of hello

%description doc
The documentation of hello.

%install
mkdir -p %{buildroot}%{_datadir}/hello
echo hello > %{buildroot}%{_datadir}/hello/hello.txt

%files
%{_datadir}/hello

%files doc
%doc %{_datadir}/hello/hello.txt

%changelog
* Mon Nov 02 2026 Packagers <packagers@hello.example> - 1.0-1
- Initial packaging.
"""

pytestmark = pytest.mark.skipif(not (shutil.which("rpmbuild") and shutil.which("rpmlint")),
                                reason="needs rpmbuild and rpmlint")


@pytest.fixture(scope="module")
def doc_rpm(tmp_path_factory):
    top = tmp_path_factory.mktemp("rpmlint-policy")
    (top / "hello.spec").write_text(SPEC)
    subprocess.run(["rpmbuild", "-bb", "--define", "_topdir %s" % top, "--nodeps",
                    str(top / "hello.spec")], check=True, capture_output=True)
    return sorted(top.glob("RPMS/noarch/hello-doc-*.rpm"))[0]


def rpmlint(*args):
    proc = subprocess.run(["rpmlint", *args], capture_output=True, text=True, check=False)
    return proc.returncode, [line for line in proc.stdout.splitlines() if ": E: " in line]


def test_doc_subpackage_is_no_error_under_the_policy(doc_rpm):
    # rpmlint's own defaults report it (so the case is exercised) ...
    assert any("no-dependency-on locales-doc" in line for line in rpmlint(str(doc_rpm))[1])
    # ... the collection's policy does not
    assert rpmlint("--config", str(POLICY), str(doc_rpm)) == (0, [])
