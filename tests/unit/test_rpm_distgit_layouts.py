"""rpm_source_package (and rpm_binary_package where a layout changes the binary build) on the
distgit layouts packaging teams keep, each a small fixture written for this test and modelled
on a real public layout named in its docstring. Real rpmbuild, real git, a real nginx on
127.0.0.1 serving the lookaside cache and the remote sources; most layouts are proven at the
SRPM stage (the SRPM, its NEVR, its files)."""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import tarfile
import textwrap
import time
from pathlib import Path

import pytest
import rpm
import rpm_binary_package as rbp
import rpm_source_package as rsp
from ansible.module_utils.zuul_packaging.lookaside import LookasideError, parse_sources
from ansible.module_utils.zuul_packaging.rpm_spec import SpecError, check_defines

FILE_PROTOCOL = ("-c", "protocol.file.allow=always")
DIST = rpm.expandMacro("%{?dist}")
TESTDATA = b"greeting test data\n" * 64
WORDS = b"hello\nhallo\nbonjour\n"
CONF = b"[greeting]\npolite = yes\n"


# -- a real HTTP server (nginx) for the lookaside cache and the remote sources --------------

class Web:
    def __init__(self, home):
        self.home = Path(home)
        self.root = self.home / "root"
        self.root.mkdir(parents=True)
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.log = self.home / "access.log"

    def start(self):
        (self.home / "tmp").mkdir()
        conf = self.home / "nginx.conf"
        conf.write_text(
            "daemon off;\nuser root;\nworker_processes 1;\npid %(h)s/nginx.pid;\n"
            "error_log %(h)s/error.log;\nevents { worker_connections 64; }\nhttp {\n"
            "  access_log %(log)s;\n  client_body_temp_path %(h)s/tmp;\n"
            "  proxy_temp_path %(h)s/tmp;\n  fastcgi_temp_path %(h)s/tmp;\n"
            "  uwsgi_temp_path %(h)s/tmp;\n  scgi_temp_path %(h)s/tmp;\n"
            "  server {\n    listen 127.0.0.1:%(port)d;\n    root %(root)s;\n"
            "    location /moved/ { return 302 ftp://127.0.0.1/x; }\n  }\n}\n"
            % {"h": self.home, "log": self.log, "port": self.port, "root": self.root})
        self.proc = subprocess.Popen(["/usr/sbin/nginx", "-c", str(conf), "-p", str(self.home)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("nginx did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def put(self, relative, data):
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return "%s/%s" % (self.url, relative)

    def requests(self):
        """The paths requested so far."""
        if not self.log.exists():
            return []
        return [line.split('"')[1].split()[1] for line in self.log.read_text().splitlines()]


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    server = Web(tmp_path_factory.mktemp("web")).start()
    yield server
    server.stop()


# -- repositories ----------------------------------------------------------------------------

@pytest.fixture
def upstream(make_repo):
    """An upstream released as v1.2.0, one commit past its tag."""
    repo = make_repo("upstream")
    repo.commit("Initial release", files={"greeting.txt": "hello\n", "README": "greeting\n"})
    repo.tag("v1.2.0")
    repo.commit("Document the greeting", files={"README": "greeting, says hello\n"})
    return repo


def params(upstream, distgit, tmp_path, **extra):
    base = {"upstream_path": str(upstream), "distgit_path": str(distgit), "spec": "",
            "project": "", "output_dir": str(tmp_path / "out"),
            "log_dir": str(tmp_path / "logs"), "tag_pattern": "v*", "base_version": "",
            "tag_prefix": "v", "tag_exclude": ["*-eom"], "defines": {}, "lookaside_url": "",
            "download_cache": str(tmp_path / "cache"), "download_max_bytes": 1 << 20,
            "init_submodules": False, "code": "c1"}
    base.update(extra)
    return base


def build(upstream, distgit, tmp_path, **extra):
    return rsp.source_package(params(upstream, distgit, tmp_path, **extra))


def failure(upstream, distgit, tmp_path, **extra):
    with pytest.raises(rsp.SourceBuildError) as info:
        build(upstream, distgit, tmp_path, **extra)
    message = str(info.value)
    assert "\n" not in message
    assert not list((tmp_path / "out").glob("SRPMS/*.src.rpm")), "an SRPM was made"
    assert not (tmp_path / "out" / ".build-stamp.json").exists()
    return message


def rpmq(path, *args):
    return subprocess.run(["rpm", "-qp", *args, str(path)], check=True, capture_output=True,
                          text=True).stdout


def srpm_member(srpm, name):
    return subprocess.run("rpm2cpio '%s' | cpio -i --quiet --to-stdout '%s'" % (srpm, name),
                          shell=True, check=True, capture_output=True).stdout


def evr(version):
    epoch, _, rest = version.rpartition(":")
    ver, _, rel = rest.rpartition("-")
    return (epoch or "0", ver, rel)


def spec_text(body):
    return textwrap.dedent(body).lstrip()


# -- Fedora: sources file (lookaside), %autorelease/%autochangelog, a patch, a remote source --

FEDORA_SPEC = """\
    %global srcname greeting

    Name:           python-%{srcname}
    Version:        1.2.0
    Release:        %autorelease
    Summary:        Print a greeting

    License:        MIT
    URL:            https://greeting.example/%{srcname}
    Source0:        %{url}/archive/v%{version}/%{srcname}-%{version}.tar.gz
    # test data kept in the lookaside cache
    Source1:        %{srcname}-testdata-1.0.tar.gz
    # listed with the older md5 line
    Source2:        %{srcname}-words.txt
    # nobody uploaded this one: fetched from its URL
    Source3:        @WEB@/upstream/%{srcname}.conf
    Patch0:         0001-Say-hello-politely.patch

    BuildArch:      noarch

    %description
    Print a greeting.

    %prep
    %autosetup -p1 -n %{srcname}-%{version}

    %build

    %install
    install -D -m 0644 greeting.txt %{buildroot}%{_datadir}/%{srcname}/greeting.txt

    %files
    %{_datadir}/%{srcname}/

    %changelog
    %autochangelog
"""

POLITE_PATCH = """\
From: Test Packager <packager@example.org>
Subject: Say hello politely

--- a/greeting.txt
+++ b/greeting.txt
@@ -1 +1 @@
-hello
+Hello, world.
"""

FEDORA_TEMPLATE = "{web}/repo/pkgs/{{name}}/{{filename}}/{{hashpath}}/{{filename}}"


def fedora_sources(testdata=TESTDATA):
    return ("SHA512 (greeting-1.2.0.tar.gz) = %s\n"  # the release tarball: not needed
            "SHA512 (greeting-testdata-1.0.tar.gz) = %s\n"
            "%s  greeting-words.txt\n" % (hashlib.sha512(b"release").hexdigest(),
                                          hashlib.sha512(testdata).hexdigest(),
                                          hashlib.md5(WORDS).hexdigest()))


def serve_fedora(web, package="python-greeting", testdata=TESTDATA):
    web.put("repo/pkgs/%s/greeting-testdata-1.0.tar.gz/sha512/%s/greeting-testdata-1.0.tar.gz"
            % (package, hashlib.sha512(TESTDATA).hexdigest()), testdata)
    web.put("repo/pkgs/%s/greeting-words.txt/%s/greeting-words.txt"
            % (package, hashlib.md5(WORDS).hexdigest()), WORDS)
    web.put("upstream/greeting.conf", CONF)


@pytest.fixture
def fedora(make_repo, web):
    """A Fedora package distgit (rpms/<package> on the Fedora package sources site, e.g.
    rpms/python-requests): the spec with Release: %autorelease and %autochangelog, a
    `sources` file of SHA512 lines (and one older md5 line) for the lookaside cache, a patch
    in git, and a source nobody uploaded, fetched from its URL."""
    serve_fedora(web)
    distgit = make_repo("python-greeting", start=1793600000)
    distgit.commit("Initial import (fedora#12345)", files={
        "python-greeting.spec": spec_text(FEDORA_SPEC).replace("@WEB@", web.url),
        "sources": fedora_sources(), ".gitignore": "/greeting-*.tar.gz\n",
        "0001-Say-hello-politely.patch": POLITE_PATCH})
    distgit.commit("Rebuilt for the mass rebuild")
    return distgit


def test_fedora_lookaside_autorelease_and_patch(upstream, fedora, web, tmp_path):
    template = FEDORA_TEMPLATE.format(web=web.url)
    before = len(web.requests())
    done = build(upstream, fedora, tmp_path, lookaside_url=template)
    srpm = Path(done["source_package"])
    sha, dsha = upstream.head(), fedora.head()
    version = "1.2.0^git1.%s" % sha[:8]
    assert done["name"] == "python-greeting"
    assert done["version"] == "%s-2.g%s%s" % (version, dsha[:8], DIST)
    assert rpmq(srpm, "--qf", "%{NAME} %{VERSION} %{RELEASE}") == "python-greeting %s 2.g%s%s" % (
        version, dsha[:8], DIST)
    assert sorted(rpmq(srpm, "-l").split()) == sorted([
        "0001-Say-hello-politely.patch", "greeting-%s.tar.gz" % version,
        "greeting-testdata-1.0.tar.gz", "greeting-words.txt", "greeting.conf",
        "python-greeting.spec"])
    # what the SRPM holds is what the lookaside cache and the URL serve
    assert srpm_member(srpm, "greeting-testdata-1.0.tar.gz") == TESTDATA
    assert srpm_member(srpm, "greeting-words.txt") == WORDS
    assert srpm_member(srpm, "greeting.conf") == CONF
    # the lookaside layout: sha512/<hash> for SHA512 lines, the bare hash for the md5 line;
    # the release tarball's line (Source0 is the upstream snapshot) is not fetched
    requested = web.requests()[before:]
    assert sorted(requested) == sorted([
        "/repo/pkgs/python-greeting/greeting-testdata-1.0.tar.gz/sha512/%s/"
        "greeting-testdata-1.0.tar.gz" % hashlib.sha512(TESTDATA).hexdigest(),
        "/repo/pkgs/python-greeting/greeting-words.txt/%s/greeting-words.txt"
        % hashlib.md5(WORDS).hexdigest(),
        "/upstream/greeting.conf"])
    assert [(s["tag"], s["origin"]) for s in done["sources"]] == [
        ("Source0", "upstream"), ("Source1", "lookaside"), ("Source2", "lookaside"),
        ("Source3", "url"), ("Patch0", "distgit")]
    # %autochangelog became the distgit's history, under the snapshot's own entry
    changelog = rpmq(srpm, "--changelog")
    assert changelog.index("Snapshot of upstream %s" % sha[:12]) < changelog.index(
        "Rebuilt for the mass rebuild") < changelog.index("Initial import (fedora#12345)")
    assert "- 1.2.0-2" in changelog  # rpmautospec's release of that commit
    # the snapshot sorts above the distribution's own build of its base version
    assert rpm.labelCompare(evr(done["version"]), ("0", "1.2.0", "2.fc41")) > 0

    # a fresh output directory on the same node: the checksummed files come from the cache
    before = len(web.requests())
    again = build(upstream, fedora, tmp_path / "second", lookaside_url=template,
                  download_cache=str(tmp_path / "cache"))
    assert web.requests()[before:] == ["/upstream/greeting.conf"]
    assert [s["origin"] for s in again["sources"]][1:3] == ["lookaside (cached)"] * 2
    assert again["version"] == done["version"]

    # a later distgit commit on the same upstream sorts higher
    fedora.commit("Say hello politely in more languages")
    later = build(upstream, fedora, tmp_path / "third", lookaside_url=template)
    assert rpm.labelCompare(evr(later["version"]), evr(done["version"])) > 0


def test_sources_verified_against_the_spec_url_without_a_lookaside(upstream, make_repo, web,
                                                                   tmp_path):
    """Without packaging_rpm_lookaside_url, a file the sources file lists is fetched from the
    spec's URL for it, and verified all the same."""
    url = web.put("releases/greeting-testdata-1.0.tar.gz", TESTDATA)
    distgit = make_repo("python-greeting")
    spec = spec_text(FEDORA_SPEC).replace("@WEB@", web.url).replace(
        "Source1:        %{srcname}-testdata-1.0.tar.gz", "Source1:        " + url).replace(
        "Source2:        %{srcname}-words.txt\n", "")
    distgit.commit("Import", files={
        "python-greeting.spec": spec, "0001-Say-hello-politely.patch": POLITE_PATCH,
        "sources": "SHA512 (greeting-testdata-1.0.tar.gz) = %s\n"
                   % hashlib.sha512(TESTDATA).hexdigest()})
    done = build(upstream, distgit, tmp_path)
    assert srpm_member(done["source_package"], "greeting-testdata-1.0.tar.gz") == TESTDATA
    web.put("releases/greeting-testdata-1.0.tar.gz", b"tampered\n")
    message = failure(upstream, distgit, tmp_path / "b")
    assert message.startswith("build-rpm-source: Source1 greeting-testdata-1.0.tar.gz: "
                              "greeting-testdata-1.0.tar.gz does not match its SHA512 checksum "
                              "in sources (expected ")
    web.put("releases/greeting-testdata-1.0.tar.gz", TESTDATA)


def test_centos_stream_lookaside_layout(upstream, make_repo, web, tmp_path):
    """A CentOS Stream distgit (redhat/centos-stream/rpms/<package>, branch c9s): Release
    with %{?dist}, a hand-written %changelog and a `sources` file of SHA512 lines, whose
    lookaside cache lays files out as <package>/<file>/<hashtype>/<hash>/<file>."""
    digest = hashlib.sha512(TESTDATA).hexdigest()
    web.put("sources/rpms/greeting/greeting-testdata-1.0.tar.gz/sha512/%s/"
            "greeting-testdata-1.0.tar.gz" % digest, TESTDATA)
    distgit = make_repo("greeting")
    distgit.commit("Import greeting-1.2.0-3.el9", files={
        "greeting.spec": spec_text("""\
            Name:           greeting
            Version:        1.2.0
            Release:        3%{?dist}
            Summary:        Print a greeting
            License:        MIT
            URL:            https://greeting.example/
            Source0:        https://greeting.example/%{name}-%{version}.tar.gz
            Source1:        %{name}-testdata-1.0.tar.gz
            BuildArch:      noarch

            %description
            Print a greeting.

            %prep
            %setup -q

            %install

            %files

            %changelog
            * Mon Nov 02 2026 Test Packager <packager@example.org> - 1.2.0-3
            - Rebuild for the minor release
            """),
        "sources": "SHA512 (greeting-testdata-1.0.tar.gz) = %s\n" % digest})
    template = web.url + "/sources/rpms/{name}/{filename}/{hashtype}/{hash}/{filename}"
    done = build(upstream, distgit, tmp_path, lookaside_url=template)
    assert rpmq(done["source_package"], "--qf", "%{NAME}-%{VERSION}") == (
        "greeting-1.2.0^git1.%s" % upstream.head()[:8])
    assert "greeting-testdata-1.0.tar.gz" in rpmq(done["source_package"], "-l").split()


def tamper(web):
    web.put("repo/pkgs/python-greeting/greeting-testdata-1.0.tar.gz/sha512/%s/"
            "greeting-testdata-1.0.tar.gz" % hashlib.sha512(TESTDATA).hexdigest(), b"evil\n")


@pytest.mark.parametrize("change, template, expected", [
    ("mismatch", FEDORA_TEMPLATE,
     "build-rpm-source: Source1 greeting-testdata-1.0.tar.gz: greeting-testdata-1.0.tar.gz "
     "does not match its SHA512 checksum in sources (expected "),
    ("malformed", FEDORA_TEMPLATE,
     "build-rpm-source: sources line 2 is neither 'SHA512 (file) = <hex>' nor '<md5>  file': "
     '"SHA512 (greeting-testdata-1.0.tar.gz) = not-hex"'),
    ("path-like", FEDORA_TEMPLATE,
     "build-rpm-source: sources line 4 is neither 'SHA512 (file) = <hex>' nor '<md5>  file': "
     '"SHA512 (../../etc/passwd) = '),
    ("option-like", FEDORA_TEMPLATE,
     'build-rpm-source: sources line 4: file name "-rf" is not a plain file name'),
    (None, "{web}/repo/pkgs/{{name}}/{{filename.__class__}}",
     "build-rpm-source: packaging_rpm_lookaside_url: lookaside URL template "),
    (None, "file:///srv/{{filename}}",
     'build-rpm-source: packaging_rpm_lookaside_url: lookaside URL template "file:///srv/'
     '{{filename}}" is not an http(s) URL'.replace("{{", "").replace("}}", "")),
    (None, "http://packager:s3cr3t@127.0.0.1:9/{{filename}}",
     "build-rpm-source: Source1 greeting-testdata-1.0.tar.gz: cannot download "
     "http://***@127.0.0.1:9/greeting-testdata-1.0.tar.gz: "),
    ("no-lookaside", "",
     "build-rpm-source: Source1 greeting-testdata-1.0.tar.gz is listed in the distgit's sources "
     "file; set packaging_rpm_lookaside_url to the lookaside cache that holds it"),
    ("ftp", FEDORA_TEMPLATE,
     'build-rpm-source: Source3 greeting.conf: Source3 URL "ftp://127.0.0.1/greeting.conf" is '
     "not an http(s) URL"),
    ("redirect", FEDORA_TEMPLATE,
     "build-rpm-source: Source3 greeting.conf: cannot download {web}/moved/greeting.conf: "
     'redirect "ftp://127.0.0.1/x" is not an http(s) URL'),
    ("small", FEDORA_TEMPLATE,
     "build-rpm-source: Source1 greeting-testdata-1.0.tar.gz: {web}/repo/pkgs/python-greeting/"
     "greeting-testdata-1.0.tar.gz/sha512/"),
])
def test_bad_sources_fail_in_one_line(upstream, fedora, web, tmp_path, change, template,
                                      expected):
    extra = {"lookaside_url": template.format(web=web.url)}
    spec = fedora.path / "python-greeting.spec"
    if change == "mismatch":
        tamper(web)
    elif change == "malformed":
        (fedora.path / "sources").write_text(fedora_sources().replace(
            "= " + hashlib.sha512(TESTDATA).hexdigest(), "= not-hex"))
    elif change == "path-like":
        (fedora.path / "sources").write_text(fedora_sources() + "SHA512 (../../etc/passwd) = "
                                             + "0" * 128 + "\n")
    elif change == "option-like":
        (fedora.path / "sources").write_text(fedora_sources() + "%s  -rf\n" % ("0" * 32))
    elif change == "ftp":
        spec.write_text(spec.read_text().replace(web.url + "/upstream", "ftp://127.0.0.1"))
    elif change == "redirect":
        spec.write_text(spec.read_text().replace(web.url + "/upstream", web.url + "/moved"))
    elif change == "small":
        extra["download_max_bytes"] = 100
    try:
        message = failure(upstream, fedora, tmp_path, **extra)
    finally:
        serve_fedora(web)
    assert message.startswith(expected.format(web=web.url)), message
    assert "s3cr3t" not in message
    if change == "small":
        assert message.endswith("is 1216 bytes, more than the limit of 100")


def test_parse_sources_forms():
    text = "SHA256 (a.tar.gz) = %s\n\n%s  b.txt\n" % ("a" * 64, "b" * 32)
    assert parse_sources(text) == [
        {"name": "a.tar.gz", "hashtype": "SHA256", "hash": "a" * 64, "legacy": False},
        {"name": "b.txt", "hashtype": "MD5", "hash": "b" * 32, "legacy": True}]
    for bad, why in [("SHA512 (a) = %s" % ("a" * 64), "has 128 hex digits, not 64"),
                     ("CRC32 (a) = abcd", "unknown checksum type"),
                     ("SHA1 (a) = %s\nSHA1 (a) = %s" % ("a" * 40, "a" * 40), "listed twice"),
                     ("%s a.txt" % ("b" * 32), "is neither")]:
        with pytest.raises(LookasideError, match=why):
            parse_sources(bad)


# -- RDO: %{?dlrn} conditionals, Version/Release XXX, remote gpg sources ---------------------

RDO_SPEC = """\
    %{!?sources_gpg: %{!?dlrn:%global sources_gpg 1} }
    %global sources_gpg_sign 0x0123456789abcdef0123456789abcdef01234567
    %{!?upstream_version: %global upstream_version %{version}%{?milestone}}

    Name:           openstack-greeting
    Version:        XXX
    Release:        XXX
    Summary:        OpenStack greeting service
    License:        Apache-2.0
    URL:            https://greeting.example/
    Source0:        https://tarballs.example/greeting/greeting-%{upstream_version}.tar.gz
    # Required for tarball sources verification
    %if 0%{?sources_gpg} == 1
    Source101:      @WEB@/greeting/greeting-%{upstream_version}.tar.gz.asc
    Source102:      @WEB@/_static/%{sources_gpg_sign}.txt
    %endif
    BuildArch:      noarch

    %if 0%{?sources_gpg} == 1
    BuildRequires:  /usr/bin/gpgv2
    %endif

    %description
    OpenStack greeting service.

    %prep
    # Required for tarball sources verification
    %if 0%{?sources_gpg} == 1
    %{gpgverify}  --keyring=%{SOURCE102} --signature=%{SOURCE101} --data=%{SOURCE0}
    %endif
    %setup -q -n greeting-%{upstream_version}

    %build

    %install
    mkdir -p %{buildroot}%{_datadir}/greeting
    echo "%{?dlrn:trunk build}%{!?dlrn:release build}" > %{buildroot}%{_datadir}/greeting/kind

    %files
    %{_datadir}/greeting/kind

    %changelog
    * Sun Apr 05 2026 RDO <dev@lists.rdoproject.example> 1.2.0-1
    - Update to 1.2.0
"""


@pytest.fixture
def rdo(make_repo, web):
    """An RDO distgit (rdo-packages/<project>-distgit, branch rpm-master, e.g.
    puppet-zaqar-distgit, openstack-kolla): Version and Release XXX (DLRN sets them), the
    upstream tarball verified with %{gpgverify} against remote .asc and key sources unless
    %{dlrn} is defined."""
    distgit = make_repo("greeting-distgit")
    distgit.commit("Initial import", files={
        "openstack-greeting.spec": spec_text(RDO_SPEC).replace("@WEB@", web.url)})
    return distgit


def test_rdo_spec_with_dlrn_defined(upstream, rdo, tmp_path):
    done = build(upstream, rdo, tmp_path, defines={"dlrn": 1})
    version = "1.2.0^git1.%s" % upstream.head()[:8]
    assert rpmq(done["source_package"], "--qf", "%{NAME}-%{VERSION}") == (
        "openstack-greeting-" + version)
    # without the gpg sources (the %{?dlrn} branch of the spec)
    assert rpmq(done["source_package"], "-l").split() == [
        "greeting-%s.tar.gz" % version, "openstack-greeting.spec"]
    assert "rpmbuild -bs --define dlrn 1 --define _topdir" in (
        tmp_path / "logs" / "rpmbuild-srpm.log.txt").read_text()
    # the definitions are part of the SRPM's build key
    assert build(upstream, rdo, tmp_path, defines={"dlrn": 1})["fresh"]
    assert not build(upstream, rdo, tmp_path, defines={"dlrn": 1, "with_doc": 0})["fresh"]
    done = build(upstream, rdo, tmp_path, defines={"dlrn": 1})

    # the define reaches the binary stage: the spec's %install switches on it
    def binary(out, **extra):
        return rbp.binary_package({
            "srpm": done["source_package"], "builder": "rpmbuild", "mock_target": "t",
            "output_dir": str(tmp_path / out), "log_dir": str(tmp_path / "logs"),
            "node_system": "Debian", **extra}, False)
    built = binary("bin", defines={"dlrn": 1})
    [package] = built["packages"]
    kind = subprocess.run("rpm2cpio '%s' | cpio -i --quiet --to-stdout ./usr/share/greeting/kind"
                          % package, shell=True, check=True, capture_output=True, text=True)
    assert kind.stdout == "trunk build\n"
    # another definition is another build (the build key holds them)
    assert binary("bin", defines={"dlrn": 1})["fresh"]
    assert not binary("bin", defines={"dlrn": 1, "with_doc": 0})["fresh"]


def test_rdo_spec_without_dlrn_names_gpgverify(upstream, rdo, web, tmp_path):
    """Without %{dlrn} the spec verifies its tarball with Fedora's %{gpgverify}, which a
    Debian node lacks: the failure names it, its section and the node the job needs, and the
    rpmbuild log is kept."""
    version = "1.2.0^git1.%s" % upstream.head()[:8]
    web.put("greeting/greeting-%s.tar.gz.asc" % version, b"signature\n")
    web.put("_static/0x0123456789abcdef0123456789abcdef01234567.txt", b"key\n")
    message = failure(upstream, rdo, tmp_path)
    log = tmp_path / "logs" / "rpmbuild-srpm.log.txt"
    assert message == (
        "build-rpm-source: %prep of openstack-greeting fails; the spec uses macros this node's "
        "rpm does not define: %gpgverify (%prep); they come with redhat-rpm-config: run the "
        "job on a Fedora/EL node (the mock builder) or define them with packaging_rpm_defines; "
        f"log in {log}")
    assert "Bad exit status" in log.read_text()


def test_python_macros_fail_the_binary_stage_naming_them(upstream, make_repo, tmp_path):
    """A Fedora python package (rpms/python-<name>, %py3_build/%py3_install): the SRPM
    builds on a Debian node (%prep needs none of them), the binary build fails in %build,
    naming the macro and the node the job needs."""
    distgit = make_repo("python-greeting")
    distgit.commit("Import", files={"python-greeting.spec": spec_text("""\
        Name:           python-greeting
        Version:        1.2.0
        Release:        1%{?dist}
        Summary:        Print a greeting
        License:        MIT
        Source0:        greeting-%{version}.tar.gz
        BuildArch:      noarch

        %description
        Print a greeting.

        %prep
        %autosetup -n greeting-%{version}

        %build
        %py3_build

        %install
        %py3_install

        %files

        %changelog
        """)})
    done = build(upstream, distgit, tmp_path)
    assert done["missing_macros"] == [{"section": "build", "name": "py3_build"},
                                      {"section": "install", "name": "py3_install"}]
    with pytest.raises(rbp.BinaryBuildError) as info:
        rbp.binary_package({
            "srpm": done["source_package"], "builder": "rpmbuild", "mock_target": "t",
            "output_dir": str(tmp_path / "bin"), "log_dir": str(tmp_path / "logs"),
            "missing_macros": done["missing_macros"]}, False)
    assert str(info.value) == (
        "build-rpm-binary: rpmbuild --rebuild of %s failed (exit 1): %%build fails: the spec "
        "uses macros this node's rpm does not define: %%py3_build (%%build); they come with "
        "python3-rpm-macros: run the job on a Fedora/EL node (the mock builder) or define them "
        "with packaging_rpm_defines; full log in %s/logs/rpmbuild.log.txt"
        % (os.path.basename(done["source_package"]), tmp_path))


@pytest.mark.parametrize("defines, expected", [
    ({"bad name": 1}, 'packaging_rpm_defines: "bad name" is not an rpm macro name'),
    ({"1st": 1}, 'packaging_rpm_defines: "1st" is not an rpm macro name'),
    ({"_topdir": "/etc"}, "packaging_rpm_defines: _topdir is a directory of the build"),
    ({"dlrn": "1\n%global x 2"}, "packaging_rpm_defines: the value of dlrn must be one line"),
    ({"dlrn": [1]}, "packaging_rpm_defines: the value of dlrn must be text or a number"),
])
def test_bad_defines(upstream, rdo, tmp_path, defines, expected):
    with pytest.raises(SpecError, match="^" + expected.replace("(", r"\(")):
        check_defines(defines)
    assert failure(upstream, rdo, tmp_path, defines=defines).startswith(
        "build-rpm-source: " + expected)
    with pytest.raises(rbp.BinaryBuildError, match="^build-rpm-binary: " + expected):
        rbp.binary_package({"srpm": "x", "builder": "rpmbuild", "mock_target": "t",
                            "output_dir": str(tmp_path / "b"), "log_dir": str(tmp_path),
                            "defines": defines}, False)


# -- forge macros (Fedora Go and GitHub-hosted packages) -------------------------------------

def test_forge_macros_name_the_node_they_need(upstream, make_repo, tmp_path):
    """A forge-macro spec (Fedora rpms/golang-github-*, rpms/<tool> with %global forgeurl,
    %forgemeta, Source: %{forgesource}, %forgeautosetup): the forge macros come with Fedora's
    forge-srpm-macros (redhat-rpm-config), which Debian's rpm does not have, so the failure
    names them and the node the job needs."""
    distgit = make_repo("greeting")
    spec = distgit.path / "greeting.spec"
    distgit.commit("Import", files={"greeting.spec": spec_text("""\
        %global forgeurl https://forge.example/greeting/greeting
        Version:        1.2.0
        %forgemeta

        Name:           greeting
        Release:        %autorelease
        Summary:        Print a greeting
        License:        MIT
        URL:            %{forgeurl}
        Source:         %{forgesource}

        %description
        Print a greeting.

        %prep
        %forgeautosetup -p1

        %files

        %changelog
        %autochangelog
        """)})
    message = failure(upstream, distgit, tmp_path)
    assert message == (
        "build-rpm-source: spec file %s does not parse: line 3: Unknown tag: %%forgemeta; the "
        "spec uses macros this node's rpm does not define: %%forgemeta (preamble), "
        "%%forgesource (preamble), %%forgeautosetup (%%prep); they come with "
        "forge-srpm-macros/redhat-rpm-config: run the job on a Fedora/EL node (the mock "
        "builder) or define them with packaging_rpm_defines" % spec)


# -- several specs, a patch that no longer applies, submodules -------------------------------

SIMPLE_SPEC = """\
    Name:           @NAME@
    Version:        1.2.0
    Release:        1%{?dist}
    Summary:        Print a greeting
    License:        MIT
    Source0:        greeting-%{version}.tar.gz
    @PATCH@
    BuildArch:      noarch

    %description
    Print a greeting.

    %prep
    %autosetup -p1 -n greeting-%{version}

    %files

    %changelog
"""


def simple_spec(name, patch=""):
    return spec_text(SIMPLE_SPEC).replace("@NAME@", name).replace("@PATCH@", patch)


def test_several_specs_pick_the_projects(upstream, make_repo, tmp_path):
    """A distgit keeping a second spec beside the package's own (a -compat package, as
    CentOS Stream distgits of versioned stacks do): <project>.spec is built."""
    distgit = make_repo("greeting")
    distgit.commit("Import", files={"greeting.spec": simple_spec("greeting"),
                                    "greeting-compat.spec": simple_spec("greeting-compat")})
    done = build(upstream, distgit, tmp_path, project="greeting")
    assert rpmq(done["source_package"], "--qf", "%{NAME}") == "greeting"
    done = build(upstream, distgit, tmp_path, project="greeting", spec="greeting-compat.spec")
    assert rpmq(done["source_package"], "--qf", "%{NAME}") == "greeting-compat"


def test_patch_that_no_longer_applies(upstream, make_repo, tmp_path):
    """The everyday failure of continuous packaging: the upstream change touches what a
    distgit patch touches (a Fedora/CentOS distgit with NNNN-*.patch files from git
    format-patch, applied by %autosetup -p1)."""
    distgit = make_repo("greeting")
    distgit.commit("Import", files={
        "greeting.spec": simple_spec("greeting", "Patch0:         0001-Say-hello-politely.patch"),
        "0001-Say-hello-politely.patch": POLITE_PATCH})
    assert build(upstream, distgit, tmp_path)["source_package"]
    upstream.commit("Greet differently", files={"greeting.txt": "hi\n"})
    message = failure(upstream, distgit, tmp_path / "b")
    assert message == (
        "build-rpm-source: patch 0001-Say-hello-politely.patch does not apply to upstream %s: "
        "greeting.txt (1 out of 1 hunk FAILED); rebase it on the upstream change; log in %s"
        % (upstream.head()[:12], tmp_path / "b" / "logs" / "rpmbuild-srpm.log.txt"))
    # a patch of a file the upstream removed
    upstream.git("rm", "-q", "greeting.txt")
    upstream.git("commit", "-q", "-m", "Drop the greeting")
    message = failure(upstream, distgit, tmp_path / "c")
    assert message.startswith("build-rpm-source: patch 0001-Say-hello-politely.patch does not "
                              "apply to upstream %s: greeting.txt (no such file)"
                              % upstream.head()[:12])


def test_upstream_submodules_are_in_source0(make_repo, tmp_path):
    """An upstream that vendors a library as a git submodule: Source0 in the SRPM holds it."""
    lib = make_repo("lib")
    lib.commit("lib", files={"lib.c": "int lib;\n"})
    upstream = make_repo("upstream")
    upstream.commit("Initial release", files={"greeting.txt": "hello\n"})
    upstream.git(*FILE_PROTOCOL, "submodule", "add", "-q", str(lib.path), "vendor/lib")
    upstream.commit("Vendor lib")
    upstream.tag("v1.2.0")
    distgit = make_repo("greeting")
    distgit.commit("Import", files={"greeting.spec": simple_spec("greeting")})
    done = build(upstream, distgit, tmp_path)
    assert done["sources"][0] == {"tag": "Source0", "file": "greeting-1.2.0.tar.gz",
                                  "origin": "upstream with submodules vendor/lib", "url": ""}
    tarball = tmp_path / "greeting.tar.gz"
    tarball.write_bytes(srpm_member(done["source_package"], "greeting-1.2.0.tar.gz"))
    with tarfile.open(tarball) as tar:
        assert "greeting-1.2.0/vendor/lib/lib.c" in tar.getnames()


def test_rejected_patch_parsing():
    patches = ["0001-a.patch", "0004-x.patch"]
    assert rsp.rejected_patch("+ echo ok\n", patches) is None
    out = ("Patch #0 (0001-a.patch):\nPatch #3 (0004-x.patch):\n+ /usr/bin/patch -p1\n"
           "patching file a.c\nHunk #2 FAILED at 10.\n"
           "1 out of 2 hunks FAILED -- saving rejects to file src/a.c.rej\n")
    assert rsp.rejected_patch(out, patches) == (
        "0004-x.patch", "src/a.c", "1 out of 2 hunks FAILED")
    # the shell's trace of the pipeline glued to patch's command, and after patch's words
    out = ("+ + /usr/lib/rpm/rpmuncompress /t/SOURCES/0001-a.patch/usr/bin/patch\n -p1\n"
           "|--- a/src/gone.c\nNo file to patch.  Skipping patch.\n"
           "+ /usr/lib/rpm/rpmuncompress /t/SOURCES/0004-x.patch\n")
    assert rsp.rejected_patch(out, patches) == ("0004-x.patch", "src/gone.c", "no such file")
    assert rsp.rejected_patch(out, []) is None


def test_macro_uses_leave_out_conditionals_shell_and_the_specs_own():
    """What build-rpm-source names as missing: macros used unconditionally, not the spec's
    own (%global, tags), rpm's syntax, conditionals, shell or printf formats."""
    from ansible.module_utils.zuul_packaging.rpm_spec import macro_uses, missing_macros

    text = spec_text("""\
        %global srcname greeting
        Name:           python-%{srcname}
        Version:        1.0
        Release:        1%{?dist}
        Summary:        s
        License:        MIT
        URL:            https://greeting.example/
        Source1:        %{url}/x.txt
        %description
        %{summary}. %{?with_docs:%{docs_macro}} %{!?without_x:%{other}}
        %prep
        %autosetup -n %{srcname}-%{version}
        cp %{SOURCE1} . ; echo $(date +%Y%m%d) %(echo %q) %{lua: print(1)}
        %build
        printf '%s\\n' x
        %py3_build
        %files
        %license LICENSE
        %doc README
        %changelog
        """)
    assert macro_uses(text) == [("prep", "autosetup"), ("build", "py3_build")]  # rpm has the first
    assert missing_macros(text) == [("build", "py3_build")]
    assert missing_macros(text, [("py3_build", "true")]) == []
