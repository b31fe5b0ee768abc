#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""imds.py [options] --key ID SECRET [--key ID SECRET ...]: a stand-in for
the EC2 instance metadata service, IMDSv2 only, on 127.0.0.1, for the
credential tests. It prints the port it listens on (one line, flushed)
once it accepts connections, then serves until killed.

  PUT /latest/api/token
      needs X-aws-ec2-metadata-token-ttl-seconds (1-21600), else 400;
      answers a fresh random token that lives that long
  GET /latest/meta-data/iam/security-credentials/       the role name
  GET /latest/meta-data/iam/security-credentials/ROLE   the keys (JSON)
      both need X-aws-ec2-metadata-token with a live token, else 401
      (as an instance that requires IMDSv2 answers)

Time is cut into periods of --period seconds from the start; in period k
the keys are pair k modulo the number of --key pairs, with a session
token unique to the period, and they expire --grace seconds after the
period ends, so new keys are there before the old ones expire (as on EC2,
where they appear at least five minutes ahead).

Every request is logged to --log as one line, before its answer is sent:
  METHOD PATH token=yes|no status=N [keys=INDEX period=K]
so a test can count requests, see whether the token header came along,
and which key pair each answer held. Keys and tokens are never logged.

  --role NAME     the role name (default wgtap-test-role)
  --no-role       answer 404 for the role list (no role attached)
  --expired       hand out keys that expired an hour ago
  --code CODE     put CODE instead of "Success" in the document
"""
import argparse
import datetime
import http.server
import json
import secrets
import socketserver
import sys
import threading
import time

ROLE_PATH = "/latest/meta-data/iam/security-credentials/"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"


class State:
    def __init__(self, args):
        self.args = args
        self.start = int(time.time())
        self.tokens = {}
        self.lock = threading.Lock()
        self.log = open(args.log, "a", buffering=1)

    def write_log(self, line):
        with self.lock:
            self.log.write(line + "\n")

    def new_token(self, ttl):
        token = secrets.token_urlsafe(40)
        with self.lock:
            self.tokens[token] = time.time() + ttl
        return token

    def token_ok(self, token):
        with self.lock:
            exp = self.tokens.get(token)
        return exp is not None and time.time() < exp

    def keys_now(self):
        """Index of the pair, period number, and the document."""
        a = self.args
        k = (int(time.time()) - self.start) // a.period
        idx = k % len(a.key)
        exp = self.start + (k + 1) * a.period + a.grace
        if a.expired:
            exp = int(time.time()) - 3600
        when = datetime.datetime.fromtimestamp(exp, datetime.timezone.utc)
        doc = {
            "Code": a.code,
            "LastUpdated": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                         time.gmtime()),
            "Type": "AWS-HMAC",
            "AccessKeyId": a.key[idx][0],
            "SecretAccessKey": a.key[idx][1],
            "Token": "wgtapIMDS-period%d-%s" % (k, secrets.token_hex(8)),
            "Expiration": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        return idx, k, json.dumps(doc, indent=2)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "imds-stand-in"
    sys_version = ""

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, body, extra=""):
        # The line is written before the answer goes out, so that a
        # client that has its answer finds it in the log, and a test that
        # empties the log after a request never gets that request's line.
        has = "yes" if self.headers.get(TOKEN_HEADER) else "no"
        self.server.state.write_log("%s %s token=%s status=%d%s" % (
            self.command, self.path, has, status, extra))
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def drain(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)

    def do_PUT(self):
        self.drain()
        if self.path != "/latest/api/token":
            return self.answer(404, "Not Found")
        ttl = self.headers.get(TTL_HEADER, "")
        if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self.answer(400, "Bad Request")
        self.answer(200, self.server.state.new_token(int(ttl)))

    def do_GET(self):
        st = self.server.state
        if not st.token_ok(self.headers.get(TOKEN_HEADER, "")):
            return self.answer(401, "Unauthorized")
        if self.path == ROLE_PATH:
            if st.args.no_role:
                return self.answer(404, "Not Found")
            return self.answer(200, st.args.role)
        if self.path == ROLE_PATH + st.args.role and not st.args.no_role:
            idx, k, doc = st.keys_now()
            return self.answer(200, doc, " keys=%d period=%d" % (idx, k))
        self.answer(404, "Not Found")

    def do_POST(self):
        self.drain()
        self.answer(405, "Method Not Allowed")

    do_DELETE = do_POST


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--key", nargs=2, action="append", required=True,
                   metavar=("ID", "SECRET"))
    p.add_argument("--log", required=True)
    p.add_argument("--period", type=int, default=4)
    p.add_argument("--grace", type=int, default=2)
    p.add_argument("--role", default="wgtap-test-role")
    p.add_argument("--no-role", action="store_true")
    p.add_argument("--expired", action="store_true")
    p.add_argument("--code", default="Success")
    args = p.parse_args()
    srv = Server(("127.0.0.1", 0), Handler)
    srv.state = State(args)
    print(srv.server_address[1], flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
