#!/usr/bin/env python3
"""Electronic case file (电子卷宗) benchmark and memory check (issue 24; not a timed test).

Starts `pingcha serve` on a scratch SQLite database with the demo data, freezes the demo
round's sample, then on one sampled file:

1. uploads a generated 200 MB scanned-like PDF (300 pages, one image each) through the page
   route and reports the upload throughput and the server's memory: VmRSS before and the peak
   VmHWM after (/proc/PID/status). The upload is streamed to a spool file, checked by a bounded
   lexer and stored in 1 MiB chunks, so the peak should stay far below the file's size;
2. uploads a 300-page, ~30 MB scan and times what a PDF viewer does with range requests:
   the first page (the tail with the cross-reference table, then page 1's objects) and page
   250 (its objects), through `/case-files/documents/{doc}/content`, against the same bytes
   served as a static file with range support from this script (Python, same machine, same
   run). Each figure is the median of 15 rounds.

Usage: benches/ecf_bench.py [path/to/pingcha]   (default: $CARGO_TARGET_DIR/release/pingcha,
built with `cargo build --release` when missing)
"""

import http.client
import http.server
import json
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

PAGE_W, PAGE_H = 595, 842


def scanned_pdf(path, pages, image_bytes, seed=7):
    """A PDF of `pages` pages, each one uncompressed greyscale image of `image_bytes` (noise);
    returns [(first, last) byte offsets of page i's objects]."""
    rng = random.Random(seed)
    side = int(image_bytes ** 0.5)
    offsets, spans = [], []
    with open(path, "wb") as out:
        def write(data):
            out.write(data)

        write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
        objects = {}

        def obj(number, body):
            objects[number] = out.tell()
            write(b"%d 0 obj\n" % number + body + b"\nendobj\n")

        obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        kids = " ".join("%d 0 R" % (3 + 3 * i) for i in range(pages)).encode()
        obj(2, b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages)
        noise = rng.randbytes(side * side)
        for i in range(pages):
            page, content, image = 3 + 3 * i, 4 + 3 * i, 5 + 3 * i
            start = out.tell()
            obj(page, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>" % (PAGE_W, PAGE_H, image, content))
            draw = b"q %d 0 0 %d 0 0 cm /Im0 Do Q" % (PAGE_W, PAGE_H)
            obj(content, b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
            # Each page's scan differs a little (rotate the noise).
            shift = (i * 7919) % len(noise)
            data = noise[shift:] + noise[:shift]
            obj(image, b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>\nstream\n" % (side, side, len(data)) + data + b"\nendstream")
            spans.append((start, out.tell() - 1))
        xref = out.tell()
        count = 3 + 3 * pages
        write(b"xref\n0 %d\n0000000000 65535 f \n" % count)
        for number in range(1, count):
            write(b"%010d 00000 n \n" % objects[number])
        write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (count, xref))
    return spans


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """A static file server with single-range support (what nginx does for a file)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        path = self.translate_path(self.path)
        size = os.path.getsize(path)
        match = re.match(r"bytes=(\d*)-(\d*)", self.headers.get("Range", ""))
        start, end = 0, size - 1
        if match:
            if match.group(1):
                start = int(match.group(1))
                end = int(match.group(2)) if match.group(2) else size - 1
            else:
                start = size - int(match.group(2))
            self.send_response(206)
            self.send_header("Content-Range", "bytes %d-%d/%d" % (start, end, size))
        else:
            self.send_response(200)
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        with open(path, "rb") as file:
            file.seek(start)
            self.wfile.write(file.read(end - start + 1))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Session:
    def __init__(self, port):
        self.port = port
        self.cookies = {}
        self.csrf = None

    def conn(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def request(self, method, path, body=None, headers=None, conn=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % item for item in self.cookies.items())
        if self.csrf and method == "POST":
            headers["X-CSRF-Token"] = self.csrf
        own = conn is None
        conn = conn or self.conn()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";")[0]
        if own:
            conn.close()
        return response, data

    def login(self, login, password):
        _, form = self.request("GET", "/login")
        token = re.search(rb'name="csrf" value="([0-9a-f]+)"', form).group(1).decode()
        body = urllib.parse.urlencode({"login": login, "password": password, "csrf": token})
        self.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded"})
        _, me = self.request("GET", "/api/me")
        self.csrf = json.loads(me)["csrf_token"]

    def upload(self, path, file_path, name):
        boundary = "pingcha-bench-boundary"
        head = ('--%s\r\nContent-Disposition: form-data; name="file"; filename="%s"\r\n'
                'Content-Type: application/pdf\r\n\r\n' % (boundary, name)).encode()
        tail = ("\r\n--%s--\r\n" % boundary).encode()
        size = os.path.getsize(file_path)

        def body():
            yield head
            with open(file_path, "rb") as file:
                while True:
                    block = file.read(1 << 20)
                    if not block:
                        break
                    yield block
            yield tail

        headers = {"Content-Type": "multipart/form-data; boundary=" + boundary,
                   "Content-Length": str(len(head) + size + len(tail))}
        started = time.perf_counter()
        response, data = self.request("POST", path, body(), headers)
        return response.status, time.perf_counter() - started


def memory(pid, key):
    with open("/proc/%d/status" % pid) as status:
        for line in status:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    return -1


def timed(session_or_none, port, path, ranges, cookies=None):
    """Seconds for the requests of `ranges` in order over one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    for first, last in ranges:
        headers = {"Range": "bytes=%d-%d" % (first, last) if first >= 0 else "bytes=-%d" % (-first)}
        if session_or_none:
            session_or_none.request("GET", path, headers=headers, conn=conn)
        else:
            conn.request("GET", path, headers=headers)
            conn.getresponse().read()
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else None
    if binary is None:
        target = os.environ.get("CARGO_TARGET_DIR", "target")
        binary = os.path.join(target, "release", "pingcha")
        if not os.path.exists(binary):
            subprocess.run(["cargo", "build", "--release", "--bin", "pingcha"], check=True)
    work = tempfile.mkdtemp(prefix="pingcha-ecf-bench-")
    database = os.path.join(work, "bench.sqlite3")
    subprocess.run([binary, "--database-url", database, "demo"], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    server = subprocess.Popen([binary, "--database-url", database, "serve", "--bind", "127.0.0.1:%d" % port],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                if http.client.HTTPConnection("127.0.0.1", port).request("GET", "/healthz") is None:
                    break
            except OSError:
                time.sleep(0.05)
        time.sleep(0.3)
        admin = Session(port)
        admin.login("admin", "pingcha-demo")
        _, rounds = admin.request("GET", "/api/rounds")
        round_id = json.loads(rounds)[0]["id"] if isinstance(json.loads(rounds), list) else json.loads(rounds)["rounds"][0]["id"]
        response, sample = admin.request("POST", "/api/rounds/%s/sample/freeze" % round_id, json.dumps({}),
                                         {"Content-Type": "application/json"})
        files = re.findall(r'"case":\{"id":"([0-9a-f-]{36})"', sample.decode())
        if not files:
            files = re.findall(r'"id":"([0-9a-f-]{36})"', sample.decode())[1:]
        upload_path = lambda file: "/rounds/%s/files/%s/case-file/documents" % (round_id, file)

        # 1. A 200 MB upload: throughput and memory.
        big = os.path.join(work, "big.pdf")
        scanned_pdf(big, 300, 199 * 1024 * 1024 // 300)
        size = os.path.getsize(big)
        before = memory(server.pid, "VmRSS")
        peak_before = memory(server.pid, "VmHWM")
        status, seconds = admin.upload(upload_path(files[0]), big, "扫描卷宗200MB.pdf")
        print("upload %.0f MB: HTTP %d, %.1f s, %.1f MB/s (stream in, check, store in chunks)" %
              (size / 1048576, status, seconds, size / seconds / 1e6))
        print("server memory: VmRSS before %d MB, peak VmHWM before %d MB, after the upload %d MB"
              % (before, peak_before, memory(server.pid, "VmHWM")))
        os.remove(big)

        # 2. A 300-page, ~30 MB scan: first page and page 250, range route vs static file.
        scan = os.path.join(work, "scan.pdf")
        spans = scanned_pdf(scan, 300, 100 * 1024)
        size = os.path.getsize(scan)
        status, seconds = admin.upload(upload_path(files[1]), scan, "扫描卷宗300页.pdf")
        print("upload %.1f MB: HTTP %d, %.2f s, %.1f MB/s" % (size / 1e6, status, seconds, size / seconds / 1e6))
        _, manifest = admin.request("GET", "/api/rounds/%s/files/%s/case-file" % (round_id, files[1]))
        url = json.loads(manifest)["documents"][0]["url"]
        static_port = free_port()
        handler = lambda *args: RangeHandler(*args, directory=work)
        static = http.server.ThreadingHTTPServer(("127.0.0.1", static_port), handler)
        threading.Thread(target=static.serve_forever, daemon=True).start()
        tail = (-65536, 0)
        first = [tail, spans[0]]
        page250 = [spans[249]]
        results = {}
        for label, ranges in (("first page", first), ("page 250", page250)):
            ours = statistics.median(timed(admin, port, url, ranges) for _ in range(15))
            theirs = statistics.median(timed(None, static_port, "/scan.pdf", ranges) for _ in range(15))
            results[label] = (ours, theirs)
            print("%s: range route %.1f ms, static file %.1f ms, ratio %.1f" %
                  (label, ours * 1000, theirs * 1000, ours / theirs))
        static.shutdown()
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
