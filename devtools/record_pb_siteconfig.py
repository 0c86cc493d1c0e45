"""Records what the real pb writes: drives the interactive ``pb init connection`` through a
pseudo-terminal with the given answers, one per prompt, and prints the siteconfig pb wrote.

    python -m devtools.record_pb_siteconfig --pb .venv-pb/bin/pb --home /tmp/scpty/home \\
        --config /tmp/scpty/q/site.yaml -- d 1234 true 12345 443 'a: b' t '*tok' yes '#x' 0777 main

This is how the files in tests/unit/fixtures/pb-siteconfig/ were recorded (that folder's README
lists each file's answers; docs/testing.md says when to record one). pb asks one question at a time
and reads a line from the terminal; an answer is sent once pb has printed nothing for --quiet
seconds. pb's whole dialogue goes to stderr.
"""
import argparse
import os
import pty
import select
import subprocess
import sys
import time

from devtools.pb_env import pb_env  # the environment pb needs


def drain(fd, quiet, sink):
    """Copy pb's output to ``sink`` until it has been silent for ``quiet`` seconds."""
    deadline = time.time() + quiet
    while True:
        if not select.select([fd], [], [], max(0.0, deadline - time.time()))[0]:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:  # pb closed the terminal
            return False
        if not data:
            return False
        sink.write(data.decode("utf-8", "replace"))
        deadline = time.time() + quiet


def record(pb, home, config, answers, quiet=1.0, timeout=60):
    os.makedirs(home, exist_ok=True)
    env = dict(os.environ, HOME=home, TERM="dumb", **pb_env())
    master, slave = pty.openpty()
    workdir = os.path.dirname(os.path.abspath(config)) or "."
    os.makedirs(workdir, exist_ok=True)
    proc = subprocess.Popen([pb, "init", "connection", "-c", config], stdin=slave, stdout=slave,
                            stderr=slave, env=env, cwd=home, close_fds=True)
    os.close(slave)
    try:
        for answer in answers:
            if not drain(master, quiet, sys.stderr):
                break
            os.write(master, answer.encode("utf-8") + b"\r")
        end = time.time() + timeout
        while proc.poll() is None and time.time() < end:
            drain(master, 0.2, sys.stderr)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        os.close(master)
    return proc.returncode


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--pb", required=True, help="the pb executable")
    parser.add_argument("--home", required=True, help="HOME for pb (its cache_dir goes there)")
    parser.add_argument("--config", required=True, help="siteconfig path pb writes (-c)")
    parser.add_argument("--quiet", type=float, default=1.0, help="seconds of silence before an answer")
    parser.add_argument("answers", nargs="*", help="one answer per prompt, in order")
    args = parser.parse_args()
    rc = record(args.pb, args.home, args.config, args.answers, args.quiet)
    sys.stderr.write("\n[pb exited %s]\n" % rc)
    if rc != 0 or not os.path.exists(args.config):
        return 1
    with open(args.config, "rb") as handle:
        sys.stdout.write(handle.read().decode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
