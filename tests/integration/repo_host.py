"""A real repository host on 127.0.0.1 for the remote publishing tests: a private sshd that
accepts one generated key (the publisher's), and nginx serving the repository root over
HTTP with an access log. Both are Debian's packages, started in the foreground by the test."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

SSH_PORT = 12322
HTTP_PORT = 18380


def wait_port(port, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("nothing listens on 127.0.0.1:%d" % port)


def start_nginx(web, root, port, access_log):
    """nginx (Debian's) in the foreground serving root on 127.0.0.1:port; the Popen."""
    web = Path(web)
    (web / "tmp").mkdir(parents=True, exist_ok=True)
    (web / "nginx.conf").write_text(
        "daemon off;\nuser root;\nworker_processes 1;\npid %s/nginx.pid;\n"
        "error_log %s/error.log;\n"
        "events { worker_connections 64; }\nhttp {\n  include /etc/nginx/mime.types;\n"
        "  access_log %s;\n  client_body_temp_path %s/tmp;\n  proxy_temp_path %s/tmp;\n"
        "  fastcgi_temp_path %s/tmp;\n  uwsgi_temp_path %s/tmp;\n  scgi_temp_path %s/tmp;\n"
        "  server {\n    listen 127.0.0.1:%d;\n    root %s;\n    autoindex on;\n  }\n}\n"
        % (web, web, access_log, web, web, web, web, web, port, root))
    return subprocess.Popen(
        ["/usr/sbin/nginx", "-c", str(web / "nginx.conf"), "-p", str(web)],
        stdout=subprocess.DEVNULL, stderr=open(web / "nginx.log", "w"),
        start_new_session=True)


class RepoHost:
    def __init__(self, home):
        self.home = Path(home)
        self.root = self.home / "srv" / "repos"
        self.url = "http://127.0.0.1:%d" % HTTP_PORT
        self.access_log = self.home / "nginx" / "access.log"
        self.ssh_port = SSH_PORT
        self.procs = []

    def start(self):
        for tool in ("sshd", "nginx"):
            assert shutil.which(tool) or Path("/usr/sbin/" + tool).exists(), (
                "%s is missing: make test installs it (tools/bootstrap.sh)" % tool)
        ssh, web = self.home / "ssh", self.home / "nginx"
        for path in (ssh, web, self.root):
            path.mkdir(parents=True, exist_ok=True)
        keygen = ["ssh-keygen", "-q", "-t", "ed25519", "-N", ""]
        subprocess.run([*keygen, "-f", str(ssh / "host_key")], check=True)
        subprocess.run([*keygen, "-f", str(ssh / "publisher_key")], check=True)
        shutil.copy(ssh / "publisher_key.pub", ssh / "authorized_keys")
        os.chmod(ssh / "authorized_keys", 0o600)
        (ssh / "sshd_config").write_text(
            "ListenAddress 127.0.0.1\nPort %d\nHostKey %s\nAuthorizedKeysFile %s\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
            "PermitRootLogin prohibit-password\nStrictModes no\nPidFile %s\n"
            "Subsystem sftp internal-sftp\n" % (SSH_PORT, ssh / "host_key",
                                               ssh / "authorized_keys", ssh / "sshd.pid"))
        Path("/run/sshd").mkdir(exist_ok=True)
        self.procs.append(subprocess.Popen(
            ["/usr/sbin/sshd", "-D", "-e", "-f", str(ssh / "sshd_config")],
            stdout=subprocess.DEVNULL, stderr=open(ssh / "sshd.log", "w"),
            start_new_session=True))
        self.procs.append(start_nginx(web, self.root, HTTP_PORT, self.access_log))
        wait_port(SSH_PORT)
        wait_port(HTTP_PORT)
        host_key = (ssh / "host_key.pub").read_text().split()
        self.ssh = {"key": (ssh / "publisher_key").read_text(),
                    "known_hosts": "[127.0.0.1]:%d %s %s\n" % (SSH_PORT, host_key[0],
                                                               host_key[1])}
        return self

    def job_vars(self):
        return {"packaging_repo_host": "root@127.0.0.1", "packaging_repo_host_port": SSH_PORT,
                "packaging_repo_dir": str(self.root), "packaging_repo_url": self.url,
                "packaging_repo_ssh": self.ssh,
                # Debian's python3 (with python3-debian), whatever the login shell puts first
                "upload_packaging_repo_python": "/usr/bin/python3"}

    def stop(self):
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in self.procs:
            proc.wait(10)
