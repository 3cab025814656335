"""A real Zuul on 127.0.0.1 for the collection's own tests.

zuul 14.3.0 from PyPI (venv on Debian's /usr/bin/python3, so that the Ansible venvs it
manages are visible inside the executor's bubblewrap), ZooKeeper (TLS only) and PostgreSQL
from Debian packages, a static build node, and a git connection over
bare repositories: the config project (tests/zuul/etc/zuul-config), this collection as an
untrusted project (its working tree as it is now), and the embedded example's upstream and
distgits. The venv and Ansible venvs are cached under ~/.cache/zuul-packaging (keyed by the
zuul version and the Python version); everything else is made anew in a state directory.

The node is another machine as far as files go, like every real Zuul node: a private sshd
in its own mount namespace, logging in as the unprivileged user zuul-node (created here if
missing, with passwordless sudo and its own subordinate id ranges). In that namespace the
harness's state directory (the executor's state, job and git directories, the log server),
this checkout and /root are empty, /tmp is the node's own, and the user's home is a fresh
directory. The node's directory (Node.root) lies outside what is hidden: its work
directory, owned by zuul-node, is where the jobs write and the tests read. The node's
~/.cache/zuul-packaging (chroot tarballs, the rpm tools venv) is kept between runs in
~/.cache/zuul-packaging/node-cache of the user running the tests.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = Path(__file__).resolve().parent / "etc"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ZUUL_VERSION = "14.3.0"
CACHE = Path(os.environ.get("ZUUL_PACKAGING_CACHE", Path.home() / ".cache" / "zuul-packaging"))
PG_BIN = Path("/usr/lib/postgresql/15/bin")
APT_PACKAGES = ["zookeeper", "postgresql", "bubblewrap", "openssh-server", "rsync", "openssl",
                "git", "python3-venv", "sudo", "uidmap"]
NODE_USER = "zuul-node"
SUBID_COUNT = 65536
PORTS = {"ZK_PORT": 12281, "PG_PORT": 15433, "SSH_PORT": 12222, "WEB_PORT": 19000,
         "FINGER_PORT": 17900, "SSH_PORT_B": 12223, "LOG_PORT": 18480}
TENANT = "packaging"
SERVICES = ("scheduler", "executor", "web", "launcher")


class HarnessError(Exception):
    pass


class EncryptedLoader(yaml.SafeLoader):
    """Reads zuul-client's output: the !encrypted/pkcs1-oaep value as its list of chunks."""


EncryptedLoader.add_constructor(
    "!encrypted/pkcs1-oaep", lambda loader, node: loader.construct_sequence(node))


def log(message):
    print("[zuul-harness %s] %s" % (time.strftime("%H:%M:%S"), message), flush=True)


def run(argv, **kwargs):
    check = kwargs.pop("check", True)
    kwargs.setdefault("capture_output", True)
    kwargs.setdefault("text", True)
    return subprocess.run([str(a) for a in argv], check=check, **kwargs)


def venv_dir():
    python = "%d.%d" % sys.version_info[:2]
    probe = run(["/usr/bin/python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    python = probe.stdout.strip() or python
    return CACHE / ("zuul-%s-py%s" % (ZUUL_VERSION, python))


def install():
    """Debian packages, the zuul venv and Zuul's Ansible venvs; idempotent."""
    missing = [p for p in APT_PACKAGES if "install ok installed" not in run(
        ["dpkg-query", "-W", "-f=${Status}", p], check=False).stdout]
    if missing:
        log("apt-get install %s" % " ".join(missing))
        run(["apt-get", "update", "-q"])
        run(["apt-get", "install", "-y", "-q", "--no-install-recommends", *missing],
            env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
    venv = venv_dir()
    if not (venv / "bin" / "zuul-scheduler").exists():
        log("creating %s with zuul==%s" % (venv, ZUUL_VERSION))
        shutil.rmtree(venv, ignore_errors=True)
        run(["/usr/bin/python3", "-m", "venv", venv])
        run([venv / "bin" / "pip", "install", "-q", "zuul==%s" % ZUUL_VERSION],
            env=dict(os.environ, PIP_CACHE_DIR=str(CACHE / "pip")))
    ansible = venv / "lib" / "zuul" / "ansible"
    # zuul-manage-ansible --validate exits 0 either way: look for the files instead
    if not all((ansible / v / "bin" / "ansible-playbook").exists() for v in ("9", "11")):
        log("zuul-manage-ansible (Ansible 9 and 11 venvs, a few minutes)")
        run([venv / "bin" / "zuul-manage-ansible"])
    return venv


def subid_ranges(path):
    """(user, start, count) of each line of /etc/subuid or /etc/subgid."""
    ranges = []
    for line in Path(path).read_text().splitlines() if Path(path).exists() else []:
        fields = line.strip().split(":")
        if len(fields) == 3 and fields[1].isdigit() and fields[2].isdigit():
            ranges.append((fields[0], int(fields[1]), int(fields[2])))
    return ranges


def ensure_node_user(user=NODE_USER):
    """An unprivileged user with its own subordinate id ranges (sbuild and mmdebstrap
    unshare), passwordless sudo (like a cloud image's default user) and a '*' password:
    sshd without PAM refuses accounts whose password is locked ('!').
    Returns (uid, gid, home)."""
    if run(["id", "-u", user], check=False).returncode != 0:
        log("creating user %s" % user)
        run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment",
             "zuul-packaging test node", user])
    run(["usermod", "-p", "*", user])
    for path, option in (("/etc/subuid", "--add-subuids"), ("/etc/subgid", "--add-subgids")):
        ranges = subid_ranges(path)
        if not any(name == user for name, _, _ in ranges):
            start = max([100000] + [first + count for _, first, count in ranges])
            run(["usermod", option, "%d-%d" % (start, start + SUBID_COUNT - 1), user])
    sudoers = Path("/etc/sudoers.d") / user
    line = "%s ALL=(ALL:ALL) NOPASSWD: ALL\n" % user
    if not sudoers.exists() or sudoers.read_text() != line:
        scratch = sudoers.with_name(".%s.new" % user)  # sudo skips names with a dot
        scratch.write_text(line)
        os.chmod(scratch, 0o440)
        run(["visudo", "-c", "-q", "-f", scratch])
        os.replace(scratch, sudoers)
    entry = run(["getent", "passwd", user]).stdout.strip().split(":")
    return int(entry[2]), int(entry[3]), Path(entry[5])


class Node:
    """The static build node: sshd in its own mount namespace, as NODE_USER."""

    def __init__(self, root, hidden):
        self.root = Path(root)
        self.hidden = [Path(path) for path in hidden]
        self.etc, self.work = self.root / "etc", self.root / "work"
        self.home_dir, self.tmp = self.root / "home", self.root / "tmp"
        self.cache = CACHE / "node-cache"
        self.user = NODE_USER
        self.user_home = None

    def configure(self, public_key, sshd_config):
        uid, gid, self.user_home = ensure_node_user(self.user)
        self.etc.mkdir(parents=True, exist_ok=True)
        (self.etc / "sshd_config").write_text(sshd_config)
        host_key = self.etc / "ssh_host_ed25519_key"
        if not host_key.exists():
            run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", host_key])
        (self.etc / "authorized_keys").write_text(Path(public_key).read_text())
        os.chmod(self.etc / "authorized_keys", 0o644)
        for path in (self.work, self.home_dir, self.cache):
            path.mkdir(parents=True, exist_ok=True)
            os.chown(path, uid, gid)
        self.tmp.mkdir(exist_ok=True)
        os.chmod(self.tmp, 0o1777)
        # the chroot tarballs of this machine's cache, hard-linked (read-only for the node
        # user, which replaces a stale one by a file of its own): no chroot made again
        chroots = self.cache / "chroots"
        chroots.mkdir(exist_ok=True)
        os.chown(chroots, uid, gid)
        for tarball in (CACHE / "chroots").glob("*.tar"):
            if not (chroots / tarball.name).exists():
                try:
                    os.link(tarball, chroots / tarball.name)
                except OSError:
                    shutil.copy2(tarball, chroots / tarball.name)
        # where the kept cache is bound inside the fresh home
        mount_point = self.home_dir / ".cache" / "zuul-packaging"
        mount_point.mkdir(parents=True, exist_ok=True)
        for path in (mount_point.parent, mount_point):
            os.chown(path, uid, gid)

    def namespace_script(self, command):
        """Shell commands that make the node's view of the files, then exec command.
        Binds first: a bind keeps showing its source after the source's path is hidden."""
        quote = shlex.quote
        lines = ["set -e",
                 "mount --bind %s %s" % (quote(str(self.home_dir)), quote(str(self.user_home))),
                 "mount --bind %s %s" % (quote(str(self.cache)),
                                         quote(str(self.user_home / ".cache" / "zuul-packaging"))),
                 "mount --bind %s /tmp" % quote(str(self.tmp))]
        for path in self.hidden:
            lines.append("mount -t tmpfs -o mode=0755,size=1m zuul-node-hidden %s"
                         % quote(str(path)))
        lines.append("exec %s" % " ".join(quote(str(a)) for a in command))
        return "\n".join(lines)

    def argv(self, command=None):
        """command (default the node's sshd) in a new mount namespace with the node's view."""
        command = command or ["/usr/sbin/sshd", "-D", "-e", "-f", self.etc / "sshd_config"]
        return ["unshare", "--mount", "--propagation", "private", "--", "/bin/sh", "-c",
                self.namespace_script(command)]


class Zuul:
    def __init__(self, home, node_root, node_b_root):
        self.home = Path(home)
        # hidden on the node: the executor's state, job and git dirs, this checkout, /root
        self.node = Node(node_root, [self.home, ROOT, "/root"])
        self.work = self.node.work
        # a second node, which does not see the first one's files either: a job there reaches
        # what a job on the first node made only over HTTP (the log server)
        self.node_b = Node(node_b_root, [self.home, ROOT, "/root", self.node.root])
        self.work_b = self.node_b.work
        self.etc, self.run_dir = self.home / "etc", self.home / "run"
        self.state, self.logs = self.home / "state", self.home / "logs"
        self.git_server = self.state / "git-server"
        self.log_server = self.home / "log-server"
        self.log_url = "http://127.0.0.1:%d/" % PORTS["LOG_PORT"]
        self.venv = None
        self.pids = {}
        self.web = "http://127.0.0.1:%d" % PORTS["WEB_PORT"]

    # --- configuration -------------------------------------------------------------
    def render(self, text):
        values = dict(PORTS, HOME=self.home, ETC=self.etc, RUN=self.run_dir,
                      STATE=self.state, WORK_B=self.work_b, WORK=self.work,
                      NODE=self.node.root, NODE_USER=self.node.user)
        for key, value in values.items():
            text = text.replace("@%s@" % key, str(value))
        return text

    def configure(self):
        zuul_state = self.state / "zuul"
        for path in (self.etc, self.run_dir, self.state / "zk", self.logs, self.git_server,
                     self.home / "jobs", self.log_server, zuul_state / "merger-git",
                     zuul_state / "executor-git", self.work):
            path.mkdir(parents=True, exist_ok=True)
        for name in ("zoo.cfg", "zuul.conf", "logging.conf", "main.yaml"):
            (self.etc / name).write_text(self.render((TEMPLATES / name).read_text()))
        certs, ssh = self.etc / "certs", self.etc / "ssh"
        certs.mkdir(exist_ok=True)
        ssh.mkdir(exist_ok=True)
        openssl = ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost"]
        run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
             "-subj", "/CN=zuul-packaging-test-ca", "-keyout", certs / "ca.key",
             "-out", certs / "ca.pem"])
        for name in ("zk", "client"):
            run([*openssl, "-keyout", certs / (name + ".key"), "-out", certs / (name + ".csr")])
            (certs / (name + ".ext")).write_text(
                "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "extendedKeyUsage=serverAuth,clientAuth\n")
            run(["openssl", "x509", "-req", "-in", certs / (name + ".csr"), "-CA",
                 certs / "ca.pem", "-CAkey", certs / "ca.key", "-CAcreateserial", "-days", "30",
                 "-out", certs / (name + ".pem"), "-extfile", certs / (name + ".ext")])
        (certs / "zk-keystore.pem").write_text(
            (certs / "zk.key").read_text() + (certs / "zk.pem").read_text())
        run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ssh / "id_ed25519"])
        sshd_config = self.render((TEMPLATES / "sshd_config").read_text())
        self.node.configure(ssh / "id_ed25519.pub", sshd_config)
        self.node_b.configure(ssh / "id_ed25519.pub", sshd_config.replace(
            str(self.node.root), str(self.node_b.root)).replace(
            "Port %d" % PORTS["SSH_PORT"], "Port %d" % PORTS["SSH_PORT_B"]))

    # --- git repositories ----------------------------------------------------------
    def git(self, path, *args, date=None):
        env = dict(os.environ, GIT_CONFIG_GLOBAL="/dev/null", GIT_AUTHOR_NAME="Zuul Test",
                   GIT_AUTHOR_EMAIL="zuul-test@localhost", GIT_COMMITTER_NAME="Zuul Test",
                   GIT_COMMITTER_EMAIL="zuul-test@localhost")
        if date:
            env.update(GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        return run(["git", "-C", path, *args], env=env).stdout.strip()

    def publish_tree(self, name, tree):
        """Make bare repo <name> hold exactly the files of tree on branch main."""
        bare = self.git_server / name
        if bare.exists():
            shutil.rmtree(bare)
        scratch = self.home / "tmp" / name
        shutil.rmtree(scratch, ignore_errors=True)
        shutil.copytree(tree, scratch, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        self.git(scratch, "init", "-q", "-b", "main")
        self.git(scratch, "add", "-A")
        self.git(scratch, "commit", "-q", "-m", "Import %s" % name)
        run(["git", "clone", "-q", "--bare", scratch, bare])
        shutil.rmtree(scratch)

    def publish_repo(self, name, repo):
        """Make bare repo <name> a copy of git repository repo (history and tags kept)."""
        bare = self.git_server / name
        shutil.rmtree(bare, ignore_errors=True)
        run(["git", "clone", "-q", "--bare", repo, bare])

    def collection_tree(self):
        """This collection as it is in the working tree (tracked and new files)."""
        tree = self.home / "tmp" / "collection-tree"
        shutil.rmtree(tree, ignore_errors=True)
        files = run(["git", "-C", ROOT, "ls-files", "-co", "--exclude-standard"]).stdout.split()
        for name in files:
            source = ROOT / name
            if not source.exists() and not source.is_symlink():
                continue
            target = tree / name
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.is_symlink():
                os.symlink(os.readlink(source), target)
            else:
                shutil.copy2(source, target)
        return tree

    def make_repos(self, example):
        config = self.home / "tmp" / "zuul-config-rendered"
        shutil.rmtree(config, ignore_errors=True)
        for source in (TEMPLATES / "zuul-config").rglob("*"):
            if source.is_file():
                target = config / source.relative_to(TEMPLATES / "zuul-config")
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(self.render(source.read_text()))
        self.publish_tree("zuul-config", config)
        self.publish_tree("zuul-packaging", self.collection_tree())
        self.publish_repo("greeter", example / "upstream")
        self.publish_repo("greeter-deb", example / "distgit-deb")
        self.publish_repo("greeter-rpm", example / "distgit-rpm")
        self.publish_tree("greeter-extra-deb", FIXTURES / "greeter-extra-deb")

    def push_commit(self, name, path, content, message, date):
        """Clone bare repo name, write content to path, commit and push; return the sha."""
        clone = self.home / "tmp" / ("push-" + name)
        shutil.rmtree(clone, ignore_errors=True)
        run(["git", "clone", "-q", self.git_server / name, clone])
        (clone / path).parent.mkdir(parents=True, exist_ok=True)
        (clone / path).write_text(content)
        self.git(clone, "add", path)
        self.git(clone, "commit", "-q", "-m", message, date=date)
        self.git(clone, "push", "-q", "origin", "HEAD:main")
        return self.git(clone, "rev-parse", "HEAD")

    def enqueue_ref(self, project, oldrev, newrev, pipeline="post", ref="refs/heads/main"):
        """Run the pipeline for ref again (a new buildset of the same commits), as an operator
        does: zuul-client enqueue-ref with a token from zuul-admin create-auth-token."""
        token = run([self.venv / "bin" / "zuul-admin", "-c", self.etc / "zuul.conf",
                     "create-auth-token", "--auth-config", "zuul_operator", "--user",
                     "zuul-packaging-tests", "--tenant", TENANT, "--expires-in", "600"]
                    ).stdout.strip().split()[-1]
        run([Path(sys.executable).parent / "zuul-client", "--zuul-url", self.web,
             "--auth-token", token, "enqueue-ref", "--tenant", TENANT, "--pipeline", pipeline,
             "--project", project, "--ref", ref, "--oldrev", oldrev, "--newrev", newrev])

    def encrypt(self, project, plaintext):
        """A secret value as the chunks of Zuul's !encrypted/pkcs1-oaep list, made as Zuul's
        documentation tells users to: `zuul-client encrypt` against this running Zuul, which
        fetches the project's public key from the REST API (tenant/<tenant>/key/<project>.pub).
        The plaintext goes through a file only the harness's user reads, removed afterwards."""
        scratch = Path(tempfile.mkdtemp(prefix="encrypt-", dir=self.home / "tmp"))
        try:
            infile, outfile = scratch / "plaintext", scratch / "secret.yaml"
            with os.fdopen(os.open(infile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                           "w") as handle:
                handle.write(plaintext)  # --infile: encrypted as it is, not stripped
            proc = run([Path(sys.executable).parent / "zuul-client", "--zuul-url", self.web,
                        "encrypt", "--tenant", TENANT, "--project", project,
                        "--secret-name", "harness", "--field-name", "value",
                        "--infile", infile, "--outfile", outfile], check=False)
            if proc.returncode != 0 or not outfile.is_file():
                raise HarnessError("zuul-client encrypt for %s failed (exit %d): %s" % (
                    project, proc.returncode, (proc.stdout + proc.stderr).strip()[-2000:]))
            secret = yaml.load(outfile.read_text(), Loader=EncryptedLoader)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        # zuul-client wraps each base64 chunk over lines, which YAML folds with spaces
        return ["".join(chunk.split()) for chunk in secret[0]["secret"]["data"]["value"]]

    def push_config(self, path, text, wait_job):
        """Commit path to the config project and wait until Zuul knows wait_job."""
        self.push_commit("zuul-config", path, text, "Add %s" % path, None)
        self.wait_for(lambda: any(job["name"] == wait_job for job in
                                  self.try_api("tenant/%s/jobs" % TENANT) or []),
                      180, "job %s after the config change" % wait_job)

    # --- processes ------------------------------------------------------------------
    def spawn(self, name, argv, **kwargs):
        handle = open(self.logs / (name + ".log"), "ab")
        proc = subprocess.Popen([str(a) for a in argv], stdout=handle, stderr=subprocess.STDOUT,
                                start_new_session=True, **kwargs)
        self.pids[name] = proc.pid
        (self.run_dir / (name + ".pid")).write_text(str(proc.pid))
        return proc

    def wait_port(self, port, seconds):
        import socket

        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    return
            time.sleep(0.5)
        raise HarnessError("nothing listens on 127.0.0.1:%d after %d s" % (port, seconds))

    def start_zookeeper(self):
        jars = ["zookeeper.jar", "slf4j-simple.jar", "netty-codec.jar", "netty-resolver.jar",
                "netty-transport-native-unix-common.jar"]
        classpath = ":".join([str(self.etc)] + ["/usr/share/java/" + jar for jar in jars])
        self.spawn("zookeeper", ["java", "-Xmx256m", "-cp", classpath,
                                 "org.apache.zookeeper.server.ZooKeeperServerMain",
                                 self.etc / "zoo.cfg"])
        self.wait_port(PORTS["ZK_PORT"], 60)

    def pg(self, *args):
        return run(["runuser", "-u", "postgres", "--", *args])

    def start_postgres(self):
        data = self.state / "pg"
        data.mkdir(exist_ok=True)
        socket_dir = self.run_dir / "pgsock"
        socket_dir.mkdir(exist_ok=True)
        for path in (data, socket_dir):
            shutil.chown(path, "postgres", "postgres")
        if not (data / "PG_VERSION").exists():
            self.pg(PG_BIN / "initdb", "-D", data, "-A", "trust", "-U", "postgres")
        log_file = self.logs / "postgres.log"
        log_file.touch()
        shutil.chown(log_file, "postgres")
        self.pg(PG_BIN / "pg_ctl", "-D", data, "-l", log_file, "-w", "-o",
                "-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s"
                % (PORTS["PG_PORT"], socket_dir), "start")
        psql = ["psql", "-h", "127.0.0.1", "-p", PORTS["PG_PORT"], "-U", "postgres", "-qAt", "-c"]
        run([*psql, "create user zuul password 'zuul'"])
        run([*psql, "create database zuul owner zuul"])

    def check_ports_free(self):
        import socket

        for name, port in PORTS.items():
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    raise HarnessError("127.0.0.1:%d (%s) is already in use: a Zuul from an "
                                       "earlier run still running?" % (port, name))

    def start(self, example):
        self.check_ports_free()
        self.venv = install()
        self.configure()
        self.make_repos(example)
        self.start_zookeeper()
        self.start_postgres()
        Path("/run/sshd").mkdir(exist_ok=True)
        self.spawn("sshd", self.node.argv())
        self.spawn("sshd-b", self.node_b.argv())
        # the log server over HTTP, as a real tenant's
        from repo_host import start_nginx  # tests/integration, on the tests' path

        web = self.home / "log-web"
        proc = start_nginx(web, self.log_server, PORTS["LOG_PORT"], web / "access.log")
        self.pids["log-web"] = proc.pid
        self.wait_port(PORTS["SSH_PORT"], 20)
        self.wait_port(PORTS["SSH_PORT_B"], 20)
        self.wait_port(PORTS["LOG_PORT"], 20)
        for service in SERVICES:
            self.spawn(service, [self.venv / "bin" / ("zuul-" + service), "-c",
                                 self.etc / "zuul.conf", "-f"])
        self.wait_for(self.tenant_loaded, 300, "the tenant to load")
        self.wait_for(self.components_running, 120, "every Zuul component to run")

    def stop(self):
        for pid in reversed(list(self.pids.values())):
            try:
                os.killpg(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
        deadline = time.monotonic() + 30
        for pid in self.pids.values():
            while time.monotonic() < deadline:
                try:
                    os.killpg(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.2)
            else:
                try:
                    os.killpg(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if (self.state / "pg" / "postmaster.pid").exists():
            self.pg(PG_BIN / "pg_ctl", "-D", self.state / "pg", "-m", "fast", "-w", "stop")

    # --- REST API -------------------------------------------------------------------
    def api(self, path):
        with urllib.request.urlopen(self.web + "/api/" + path, timeout=10) as response:
            return json.load(response)

    def try_api(self, path):
        try:
            return self.api(path)
        except (OSError, ValueError):
            return None

    def wait_for(self, predicate, seconds, what):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(1)
        raise HarnessError("timed out after %d s waiting for %s; logs in %s" % (
            seconds, what, self.logs))

    def tenant_loaded(self):
        jobs = self.try_api("tenant/%s/jobs" % TENANT) or []
        return any(job["name"] == "packaging-build-deb" for job in jobs)

    def components_running(self):
        components = self.try_api("components") or {}
        return all(components.get(kind) and all(c["state"] == "running"
                                                for c in components[kind])
                   for kind in SERVICES)

    def log_dir(self, build):
        """The log server's directory of a build (its log URL is served over HTTP)."""
        url = build["log_url"] or ""
        assert url.startswith(self.log_url), url
        return self.log_server / url[len(self.log_url):]

    def builds(self, project, **filters):
        query = "&".join(["project=%s" % project] + ["%s=%s" % kv for kv in filters.items()])
        return self.try_api("tenant/%s/builds?%s" % (TENANT, query)) or []

    def wait_builds(self, project, newrev, jobs, seconds, exclude=()):
        """Wait until every job has a finished build of newrev (not one of the build uuids in
        exclude); return them by job name."""
        def finished():
            done = {}
            for build in self.builds(project, newrev=newrev):
                if build["uuid"] in exclude:
                    continue
                if build["job_name"] in jobs and build.get("result"):
                    done[build["job_name"]] = build
            return done if set(done) == set(jobs) else None

        return self.wait_for(finished, seconds, "builds of %s at %s" % (project, newrev[:12]))
