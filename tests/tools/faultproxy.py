#!/usr/bin/env python3
"""faultproxy: an HTTP proxy on loopback that loses, cuts, delays or refuses
answers on command, for the sync fault tests (tests/cli/t98-sync-faults.sh).

    faultproxy.py --url-file F --plan F --log F [--upstream http://HOST:PORT]

It listens on 127.0.0.1 (any free port) and writes its URL to --url-file.
A request whose target is an absolute URL (``POST http://h:p/v1/push``:
the client was told to use it as its proxy) goes to that host; any other
goes to --upstream (the client was told it is the server).

Each request takes the first line of the --plan file whose route prefix
matches its path (or that has none) and removes it; with no line left it
passes. The file is read at every request, so a test changes the plan
while the proxy runs. A line is ``ACTION [ROUTE-PREFIX]``:

    pass          forward and answer
    drop          forward, read the whole answer, then close without a byte
                  (the server committed; the client never hears)
    cut           forward, send the headers and half the body, then close
    delay:MS      wait MS milliseconds, then pass
    status:NNN    answer NNN with the protocol's error body, forward nothing

--log gets one line a request: ``METHOD PATH ACTION STATUS via``, via being
``proxy`` (absolute target) or ``reverse``.
"""
import argparse
import os
import socket
import threading
import time
import urllib.parse

lock = threading.Lock()


def take(plan, path):
    """The action for this path, removing its line from the plan."""
    with lock:
        try:
            with open(plan, encoding="utf-8") as f:
                lines = [l.strip() for l in f if l.strip()]
        except FileNotFoundError:
            return "pass"
        for i, line in enumerate(lines):
            parts = line.split()
            if len(parts) == 1 or path.startswith(parts[1]):
                del lines[i]
                with open(plan + ".tmp", "w", encoding="utf-8") as f:
                    f.write("".join(l + "\n" for l in lines))
                os.replace(plan + ".tmp", plan)
                return parts[0]
        return "pass"


def log(path, line):
    with lock:
        with open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")


def read_request(f):
    """(request line, headers list, body) or None at the end."""
    line = f.readline()
    if not line:
        return None
    headers = []
    length = 0
    while True:
        h = f.readline()
        if h in (b"\r\n", b"\n", b""):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
        if name.strip().lower() == "content-length":
            length = int(value.strip())
    body = f.read(length) if length else b""
    return line.decode("latin-1").rstrip("\r\n"), headers, body


def forward(host, port, method, path, headers, body):
    """The whole answer from the server, as bytes (it closes after one)."""
    s = socket.create_connection((host, port), timeout=60)
    out = ["%s %s HTTP/1.1" % (method, path)]
    for name, value in headers:
        if name.lower() in ("connection", "proxy-connection", "keep-alive"):
            continue
        out.append("%s: %s" % (name, value))
    out.append("Connection: close")
    s.sendall(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + body)
    chunks = []
    while True:
        c = s.recv(65536)
        if not c:
            break
        chunks.append(c)
    s.close()
    return b"".join(chunks)


def serve(conn, args):
    f = conn.makefile("rb")
    try:
        req = read_request(f)
        if req is None:
            return
        line, headers, body = req
        method, target, _ = line.split(" ", 2)
        via = "reverse"
        if target.startswith("http://"):
            via = "proxy"
            u = urllib.parse.urlsplit(target)
            host, port = u.hostname, u.port or 80
            path = u.path + ("?" + u.query if u.query else "")
        else:
            u = urllib.parse.urlsplit(args.upstream)
            host, port = u.hostname, u.port or 80
            path = target
        action = take(args.plan, path)
        if action.startswith("delay:"):
            time.sleep(int(action[6:]) / 1000.0)
        if action.startswith("status:"):
            code = int(action[7:])
            text = ('{"error":"busy","message":{"en":"the proxy answers %d",'
                    '"zh_CN":"代理应答 %d"}}\n' % (code, code)).encode()
            conn.sendall(("HTTP/1.1 %d Injected\r\nContent-Type: application/json\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n" % (code, len(text))).encode()
                         + text)
            log(args.log, "%s %s %s %d %s" % (method, path, action, code, via))
            return
        answer = forward(host, port, method, path, headers, body)
        status = answer.split(b" ", 2)[1].decode() if answer.startswith(b"HTTP/") else "?"
        log(args.log, "%s %s %s %s %s" % (method, path, action, status, via))
        if action == "drop":
            return
        if action == "cut":
            head, _, rest = answer.partition(b"\r\n\r\n")
            conn.sendall(head + b"\r\n\r\n" + rest[: len(rest) // 2])
            return
        conn.sendall(answer)
    except (OSError, ValueError) as e:
        log(args.log, "error %s" % e)
    finally:
        try:
            f.close()
            conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        conn.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--upstream", default="http://127.0.0.1:9")
    p.add_argument("--url-file", required=True)
    p.add_argument("--plan", required=True)
    p.add_argument("--log", required=True)
    args = p.parse_args()
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)
    with open(args.url_file + ".tmp", "w") as f:
        f.write("http://127.0.0.1:%d\n" % ls.getsockname()[1])
    os.replace(args.url_file + ".tmp", args.url_file)
    while True:
        conn, _ = ls.accept()
        threading.Thread(target=serve, args=(conn, args), daemon=True).start()


if __name__ == "__main__":
    main()
