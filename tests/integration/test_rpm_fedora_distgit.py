"""The rpm job end to end on a Fedora-style distgit of the example upstream, through the real
playbook (rpmbuild builder): built, linted, published, install-checked. Modelled on a Fedora
package distgit (rpms/<package>, e.g. rpms/python-requests): Release: %autorelease and
%autochangelog (rpmautospec), a `sources` file whose file comes from a lookaside cache (a
real nginx on 127.0.0.1), a patch, and a conditional (%{?with_motd}, as RDO specs switch on
%{?dlrn}) turned on with packaging_rpm_defines, which must reach the binary build."""

from __future__ import annotations

import hashlib
import json
import socket
import subprocess

import pytest
from pipeline import commit_all, git, make_example, play, rpm_vars
from repo_host import start_nginx, wait_port

TARGET = "centos-stream-9-x86_64"
MOTD = b"Have a nice day.\n"

SPEC = """\
Name:           greeter
Version:        0.1.0
Release:        %autorelease
Summary:        Print a greeting

License:        MIT
URL:            https://greeter.example/
Source0:        https://greeter.example/releases/%{name}-%{version}.tar.gz
# kept in the lookaside cache
Source1:        greeter-motd-1.txt
Patch0:         0001-Greet-politely.patch

BuildArch:      noarch
BuildRequires:  make

%description
greeter prints a greeting to the name given on its command line.

%prep
%autosetup -p1

%build
%make_build

%install
%make_install prefix=%{_prefix}
%if 0%{?with_motd}
install -D -m 0644 %{SOURCE1} %{buildroot}%{_datadir}/greeter/motd
%endif

%files
%license LICENSE
%doc README.md
%{_bindir}/greeter
%{_mandir}/man1/greeter.1*
%if 0%{?with_motd}
%{_datadir}/greeter/
%endif

%changelog
%autochangelog
"""

PATCH = (
    "From: Greeter Packagers <packagers@greeter.example>\n"
    "Subject: Greet politely\n\n"
    "--- a/README.md\n+++ b/README.md\n@@ -1,5 +1,5 @@\n # greeter\n \n"
    "-A tiny upstream project used as the embedded example of zuul-packaging.\n"
    "+A tiny, polite upstream project used as the embedded example of zuul-packaging.\n"
    " `make install prefix=/usr DESTDIR=...` installs `greeter` and its manual page.\n \n")


@pytest.fixture(scope="module")
def lookaside(tmp_path_factory):
    home = tmp_path_factory.mktemp("lookaside")
    digest = hashlib.sha512(MOTD).hexdigest()
    path = home / "root" / "repo" / "pkgs" / "greeter" / "greeter-motd-1.txt" / "sha512" / digest
    path.mkdir(parents=True)
    (path / "greeter-motd-1.txt").write_bytes(MOTD)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = start_nginx(home / "nginx", home / "root", port, home / "access.log")
    wait_port(port)
    yield "http://127.0.0.1:%d" % port, digest, home / "access.log"
    proc.terminate()
    proc.wait(timeout=10)


def test_fedora_distgit_builds_publishes_and_installs(lookaside, tmp_path):
    url, digest, access_log = lookaside
    example = make_example(tmp_path / "example")
    distgit = example / "distgit-rpm"
    (distgit / "greeter.spec").write_text(SPEC)
    (distgit / "0001-Greet-politely.patch").write_text(PATCH)
    (distgit / "sources").write_text("SHA512 (greeter-motd-1.txt) = %s\n" % digest)
    (distgit / ".gitignore").write_text("/greeter-motd-1.txt\n")
    commit_all(distgit, "Convert to rpmautospec, add the motd", "2026-11-05T10:00:00Z")
    work = tmp_path / "run"
    result = play("build-rpm.yaml", rpm_vars(
        example, work, packaging_rpm_defines={"with_motd": 1},
        build_rpm_source_download_cache=str(work / "cache"),
        packaging_rpm_lookaside_url=url + "/repo/pkgs/{name}/{filename}/{hashpath}/{filename}"))
    assert result.rc == 0, result.output[-3000:]
    report = json.loads((work / "output" / "artifacts" / "build-report-rpm.json").read_text())
    assert report["outcome"] == "built"
    by_step = {r["step"]: r for r in report["steps"]}
    upstream = git(example / "upstream", "rev-parse", "HEAD")
    distgit_sha = git(distgit, "rev-parse", "HEAD")
    # two distgit commits: the snapshot release counts them, like every snapshot's
    full = "0.1.0^git1.%s-2.g%s" % (upstream[:8], distgit_sha[:8])
    assert by_step["source"]["details"]["version"] == full
    srpm = by_step["source"]["details"]["source_package"]
    listing = subprocess.run(["rpm", "-qpl", srpm], check=True, capture_output=True,
                             text=True).stdout.split()
    assert sorted(listing) == sorted(["0001-Greet-politely.patch", "greeter-motd-1.txt",
                                      "greeter-0.1.0^git1.%s.tar.gz" % upstream[:8],
                                      "greeter.spec"])
    changelog = subprocess.run(["rpm", "-qp", "--changelog", srpm], check=True,
                               capture_output=True, text=True).stdout
    assert "- Convert to rpmautospec, add the motd" in changelog  # %autochangelog
    assert "/repo/pkgs/greeter/greeter-motd-1.txt/sha512/%s/" % digest in access_log.read_text()
    assert (work / "cache" / "sha512" / digest).read_bytes() == MOTD  # kept for the next build
    # the definition reached the binary build: the published RPM packages the motd; the
    # install check installed it
    current = work / "repos" / "rpm" / TARGET / "current"
    assert current.is_symlink()
    [published] = (current / "Packages").glob("greeter-*.noarch.rpm")
    assert published.name == "greeter-%s.noarch.rpm" % full

    def member(path):
        return subprocess.run("rpm2cpio '%s' | cpio -i --quiet --to-stdout '.%s'"
                              % (published, path), shell=True, check=True,
                              capture_output=True).stdout

    assert member("/usr/share/greeter/motd") == MOTD
    assert b"A tiny, polite upstream" in member(
        "/usr/share/doc/greeter-0.1.0^git1.%s/README.md" % upstream[:8])  # the patch
    assert by_step["install"]["details"]["installed"] == [{"name": "greeter", "version": full}]
