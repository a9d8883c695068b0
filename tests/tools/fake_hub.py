#!/usr/bin/env python3
"""A tiny stand-in for the model hub on 127.0.0.1, to test data/setup/fetch_gpt2.sh offline.

    fake_hub.py FOLDER        serves FOLDER/<file> at /<mode>/<owner>/<repo>/resolve/<rev>/<file>
                              and prints its port on stdout (one line), then serves forever.

The first path segment picks how the server misbehaves:
  ok       honest server with byte ranges (HTTP 206 for "Range: bytes=N-")
  cut      the first GET of each file sends half the body, then drops the connection
  corrupt  flips one byte in the middle of every body
  norange  ignores Range and always answers 200 with the whole file
  stall    sends the headers and a few bytes, then nothing (a hung connection)
  silent   accepts the connection and never answers at all
  missing  404 for everything
HEAD answers, like the real hub for LFS files, carry X-Repo-Commit, X-Linked-Etag (sha256)
and X-Linked-Size for model.safetensors.
"""
import hashlib
import http.server
import os
import socketserver
import sys
import time

FOLDER = sys.argv[1]
COMMIT = "0123456789abcdef0123456789abcdef01234567"
cut_done = set()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _target(self):
        parts = self.path.split("/")
        # ['', mode, owner, repo, 'resolve', rev, file]
        if len(parts) < 7 or parts[4] != "resolve":
            return None, None
        return parts[1], os.path.join(FOLDER, parts[6])

    def _not_found(self):
        self.send_response(404)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_HEAD(self):
        mode, path = self._target()
        if mode in (None, "missing") or not os.path.isfile(path):
            self._not_found()
            return
        data = open(path, "rb").read()
        self.send_response(200)
        self.send_header("X-Repo-Commit", COMMIT)
        if path.endswith(".safetensors"):
            self.send_header("X-Linked-Etag", '"%s"' % hashlib.sha256(data).hexdigest())
            self.send_header("X-Linked-Size", str(len(data)))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()

    def do_GET(self):
        mode, path = self._target()
        if mode == "silent":
            time.sleep(3600)
            return
        if mode in (None, "missing") or not os.path.isfile(path):
            self._not_found()
            return
        data = open(path, "rb").read()
        if mode == "corrupt":
            middle = len(data) // 2
            data = data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1:]
        start = 0
        rng = self.headers.get("Range")
        if rng and mode != "norange" and rng.startswith("bytes=") and rng.endswith("-"):
            start = int(rng[6:-1])
            if start >= len(data):
                self.send_response(416)
                self.send_header("Content-Range", "bytes */%d" % len(data))
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, len(data) - 1, len(data)))
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Accept-Ranges", "none" if mode == "norange" else "bytes")
        self.end_headers()
        if mode == "cut" and path not in cut_done:
            cut_done.add(path)
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if mode == "stall":
            self.wfile.write(body[:10])
            self.wfile.flush()
            time.sleep(3600)
            return
        self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
