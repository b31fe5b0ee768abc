# SPDX-License-Identifier: MIT
"""A minimal S3 PutObject endpoint that checks every request on its own.

Used by tests/t-ship-token.sh. It recomputes the SigV4 signature from the
request as received (canonical request, string to sign, signing key, all
written here from the AWS documentation, independently of wgtap's C code),
checks x-amz-content-sha256 and Content-MD5 against the body, and records
one JSON line per request. A good request gets 200 and the body's MD5 as
ETag; a bad signature gets 403 SignatureDoesNotMatch as S3 would answer.
It also accepts absolute-form request targets, so it can stand in for an
HTTP proxy and see virtual-hosted-style requests for a made-up host name.

usage: s3verify.py SECRET PORTFILE RECORDFILE
Listens on 127.0.0.1 on a free port, written to PORTFILE once listening.
"""
import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import sys
import urllib.parse

SECRET, PORTFILE, RECORDS = sys.argv[1], sys.argv[2], sys.argv[3]
AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=([^/,]+)/(\d{8})/([^/,]+)/s3/aws4_request, "
    r"SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]{64})$")


def hmac256(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def verify(method, raw_path, headers, body):
    """Return (record dict, ok)."""
    rec = {"method": method, "raw_path": raw_path}
    path = urllib.parse.unquote(raw_path)
    rec["path"] = path
    # S3: each byte outside the unreserved set encoded once, "/" kept.
    rec["encoded_once"] = urllib.parse.quote(path, safe="/-_.~") == raw_path
    lower = {k.lower(): v for k, v in headers.items()}
    rec["host"] = lower.get("host")
    rec["token"] = lower.get("x-amz-security-token")
    rec["content_type"] = lower.get("content-type")
    rec["sha_ok"] = lower.get("x-amz-content-sha256") == \
        hashlib.sha256(body).hexdigest()
    rec["md5_ok"] = lower.get("content-md5") == \
        base64.b64encode(hashlib.md5(body).digest()).decode()
    m = AUTH_RE.match(lower.get("authorization", ""))
    rec["auth_form_ok"] = bool(m)
    if not m:
        return rec, False
    akid, date, region, signed, sig = m.groups()
    rec["access_key"] = akid
    rec["region"] = region
    rec["signed"] = signed.split(";")
    canon_headers = "".join(
        "%s:%s\n" % (h, " ".join(lower.get(h, "").split()))
        for h in rec["signed"])
    creq = "\n".join([method, raw_path, "", canon_headers, signed,
                      lower.get("x-amz-content-sha256", "")])
    amz_date = lower.get("x-amz-date", "")
    scope = "%s/%s/s3/aws4_request" % (date, region)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    key = hmac256(("AWS4" + SECRET).encode(), date)
    key = hmac256(hmac256(hmac256(key, region), "s3"), "aws4_request")
    want = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    rec["sig_ok"] = hmac.compare_digest(want, sig) and \
        amz_date.startswith(date)
    ok = rec["sig_ok"] and rec["sha_ok"] and rec["md5_ok"] and \
        rec["encoded_once"]
    return rec, ok


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def do_PUT(self):
        target = self.path
        if "://" in target:  # absolute form: we are the "proxy"
            target = "/" + target.split("://", 1)[1].split("/", 1)[1]
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        rec, ok = verify("PUT", target, self.headers, body)
        rec["status"] = 200 if ok else 403
        with open(RECORDS, "a") as f:
            f.write(json.dumps(rec) + "\n")
        if ok:
            self.send_response(200)
            self.send_header("ETag", '"%s"' % hashlib.md5(body).hexdigest())
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            doc = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
                   "SignatureDoesNotMatch</Code><Message>verifier: signature"
                   " &amp; hashes do not match</Message></Error>").encode()
            self.send_response(403)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(doc)))
            self.end_headers()
            self.wfile.write(doc)


server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORTFILE + ".tmp", PORTFILE)
server.serve_forever()
