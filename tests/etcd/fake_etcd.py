#!/usr/bin/env python3
"""A server on an etcd endpoint's port that is not a sound etcd, for
hostile_test.sh: it answers every HTTP request it reads in one way, MODE.

usage: fake_etcd.py PORT_FILE MODE
  Listens on 127.0.0.1, a free port, which it writes to PORT_FILE once it
  listens; serves until killed.
MODE:
  deep      200, a header whose revision is nested 200,000 arrays deep
  badmsg    503, an error whose message is a number, not text
  empty     200 {}
  loop      200, a range answer with the same key and more=true, always
  https     HTTP/1.0 400, as Go answers plain HTTP on a TLS port
  nogateway 404 Not Found, as etcd with --enable-grpc-gateway=false
  badchunk  200, chunked, with a chunk size that is not hex
  huge      200, a Content-Length of 60 MB (nothing sent after the headers)
  inject    500, an error whose message holds a line break and a fake
            "provlock:" line
  hang      reads the request, never answers
  drip      the answer one byte every 0.3 s
"""
import os
import socket
import sys
import threading
import time

port_file, mode = sys.argv[1], sys.argv[2]
HEADER = '{"header":{"revision":"5"}'


def request(conn):
    """Reads one request (headers and its Content-Length body); None at EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    while len(rest) < length:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        rest += chunk
    return head


def answer(status, body):
    return (b"HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
            % (status.encode(), len(body))) + body


def serve(conn):
    try:
        while request(conn) is not None:
            if mode == "deep":
                depth = 200000
                conn.sendall(answer("200 OK", ('{"header":{"revision":' + "[" * depth + "]" * depth
                                                + "}}").encode()))
            elif mode == "badmsg":
                conn.sendall(answer("503 Service Unavailable", b'{"code":14,"message":1,"error":[]}'))
            elif mode == "empty":
                conn.sendall(answer("200 OK", b"{}"))
            elif mode == "loop":
                conn.sendall(answer("200 OK", (HEADER + ',"kvs":[{"key":"bG9vcC9kZXZpY2VzLzAwMTEyMjMzNDQwMQ==",'
                                               '"value":"e30K","mod_revision":"3"}],"more":true}').encode()))
            elif mode == "https":
                conn.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n")
                return
            elif mode == "nogateway":
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 10\r\n\r\nNot Found\n")
            elif mode == "badchunk":
                body = (HEADER + "}").encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             + b"%x\r\n" % len(body) + body + b"\r\nzz\r\n\r\n")
            elif mode == "huge":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % (60 << 20))
            elif mode == "inject":
                conn.sendall(answer("500 Internal Server Error",
                                    b'{"code":2,"message":"x\\nprovlock: injected\\u001b[31m"}'))
            elif mode == "hang":
                time.sleep(3600)
            elif mode == "drip":
                for byte in answer("200 OK", (HEADER + "}").encode()):
                    conn.send(bytes([byte]))
                    time.sleep(0.3)
    except OSError:
        pass
    finally:
        conn.close()


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", 0))
listener.listen(64)
with open(port_file + ".tmp", "w") as f:
    f.write(str(listener.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
while True:
    conn, _ = listener.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
