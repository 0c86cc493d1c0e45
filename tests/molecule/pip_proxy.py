"""A forward proxy on loopback for the fleet scenario: pip on the workstations reaches PyPI only
through the proxy URL in ``profiles_pip_settings``, and every tunnel is logged with the proxy
user it authenticated as, so the scenario can prove that each workstation's pip calls used it.

Only CONNECT to the package registries pip needs (pypi.org, files.pythonhosted.org, port 443) is
tunnelled; everything else gets 403. A request without Proxy-Authorization gets 407.

Usage:
    pip_proxy.py start STATE_DIR [--host 127.0.0.2]   # daemonises; prints {"host", "port"} as JSON
    pip_proxy.py stop STATE_DIR
The log (one JSON object per tunnel: user, target, bytes) is STATE_DIR/tunnels.log.
"""
import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import sys
import time

ALLOWED = {("pypi.org", 443), ("files.pythonhosted.org", 443)}


async def _pipe(reader, writer, counter, key):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            counter[key] += len(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        try:
            writer.close()
        except Exception:  # pylint: disable=broad-except
            pass


def _user(headers):
    value = headers.get("proxy-authorization", "")
    scheme, dummy, token = value.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        return base64.b64decode(token).decode("utf-8", "replace").split(":", 1)[0]
    except ValueError:
        return None


async def _handle(client_reader, client_writer, log_path):
    try:
        request = await client_reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        client_writer.close()
        return
    lines = request.decode("latin-1").split("\r\n")
    method, target = (lines[0].split(" ") + ["", ""])[:2]
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    user = _user(headers)
    host, dummy, port = target.rpartition(":")
    allowed = method == "CONNECT" and port.isdigit() and (host, int(port)) in ALLOWED
    if user is None:
        client_writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                            b"Proxy-Authenticate: Basic realm=\"fleet\"\r\nContent-Length: 0\r\n\r\n")
    elif not allowed:
        client_writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
    if user is None or not allowed:
        _log(log_path, {"user": user, "target": target, "method": method, "refused": True})
        await client_writer.drain()
        client_writer.close()
        return
    try:
        upstream_reader, upstream_writer = await asyncio.wait_for(
            asyncio.open_connection(host, int(port)), timeout=30)
    except (OSError, asyncio.TimeoutError) as exc:
        client_writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
        _log(log_path, {"user": user, "target": target, "error": str(exc)})
        client_writer.close()
        return
    client_writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
    await client_writer.drain()
    counter = {"up": 0, "down": 0}
    await asyncio.gather(_pipe(client_reader, upstream_writer, counter, "up"),
                         _pipe(upstream_reader, client_writer, counter, "down"))
    _log(log_path, {"user": user, "target": target, "bytes_up": counter["up"],
                    "bytes_down": counter["down"]})


def _log(path, record):
    record["time"] = round(time.time(), 3)
    with open(path, "a") as f:
        f.write(json.dumps(record) + "\n")


def _serve(sock, log_path):
    async def main():
        server = await asyncio.start_server(lambda r, w: _handle(r, w, log_path), sock=sock)
        async with server:
            await server.serve_forever()
    asyncio.run(main())


def start(state_dir, host):
    state_dir = os.path.abspath(state_dir)
    os.makedirs(state_dir, exist_ok=True)
    info_path = os.path.join(state_dir, "proxy.json")
    pid_path = os.path.join(state_dir, "proxy.pid")
    if os.path.exists(pid_path) and os.path.exists(info_path):
        with open(pid_path) as f:
            pid = int(f.read())
        try:
            os.kill(pid, 0)
            with open(info_path) as f:
                return json.load(f)
        except OSError:
            pass
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    sock.listen(128)
    info = {"host": host, "port": sock.getsockname()[1], "log": os.path.join(state_dir, "tunnels.log")}
    open(info["log"], "a").close()
    if os.fork() == 0:  # the daemon: detach, serve until stopped
        os.setsid()
        if os.fork() != 0:
            os._exit(0)  # pylint: disable=protected-access
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        with open(pid_path, "w") as f:
            f.write(str(os.getpid()))
        _serve(sock, info["log"])
        os._exit(0)  # pylint: disable=protected-access
    sock.close()
    for dummy in range(100):  # until the daemon has written its pid
        if os.path.exists(pid_path):
            break
        time.sleep(0.05)
    with open(info_path, "w") as f:
        json.dump(info, f)
    return info


def stop(state_dir):
    pid_path = os.path.join(os.path.abspath(state_dir), "proxy.pid")
    if not os.path.exists(pid_path):
        return
    with open(pid_path) as f:
        pid = int(f.read())
    try:
        os.kill(pid, signal.SIGTERM)
    except OSError:
        pass
    os.unlink(pid_path)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=["start", "stop"])
    parser.add_argument("state_dir")
    parser.add_argument("--host", default="127.0.0.2")
    args = parser.parse_args()
    if args.action == "start":
        print(json.dumps(start(args.state_dir, args.host)))
    else:
        stop(args.state_dir)


if __name__ == "__main__":
    sys.exit(main())
