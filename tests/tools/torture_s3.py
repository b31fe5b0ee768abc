#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A minimal S3 client for tests/torture.sh (stdlib only, path-style, http).

  torture_s3.py mkbucket BUCKET
  torture_s3.py put BUCKET KEY FILE
  torture_s3.py fetch BUCKET OUTDIR     every object (ListObjectsV2, all
                                        pages) into OUTDIR/KEY; the keys go
                                        to OUTDIR/.keys, one per line

The endpoint, access key and secret come from the environment
(TORTURE_S3_ENDPOINT, TORTURE_S3_ACCESS_KEY, TORTURE_S3_SECRET_KEY,
TORTURE_S3_REGION), never from the command line, so that the secret is in
no process's argv. Requests are signed with SigV4 written here from the AWS
documentation. Failed requests are retried for a while (a Swift proxy that
was just restarted may answer 503 or 404 for a moment).
"""
import base64
import datetime
import hashlib
import hmac
import http.client
import os
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET

ENDPOINT = os.environ.get("TORTURE_S3_ENDPOINT", "")
ACCESS = os.environ.get("TORTURE_S3_ACCESS_KEY", "")
SECRET = os.environ.get("TORTURE_S3_SECRET_KEY", "")
REGION = os.environ.get("TORTURE_S3_REGION", "us-east-1")
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"


def q(s, safe):
    return urllib.parse.quote(s, safe=safe)


def hm(key, msg):
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def request(method, path, query=None, body=b"", headers=None):
    """path: unencoded "/bucket/key". Returns (status, body bytes)."""
    u = urllib.parse.urlsplit(ENDPOINT)
    host = u.netloc
    raw_path = q(path, "/-_.~")
    query = query or {}
    cq = "&".join("%s=%s" % (q(k, "-_.~"), q(v, "-_.~"))
                  for k, v in sorted(query.items()))
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    payload = hashlib.sha256(body).hexdigest()
    hdrs = {"host": host, "x-amz-content-sha256": payload,
            "x-amz-date": amz_date}
    for k, v in (headers or {}).items():
        hdrs[k.lower()] = v
    signed = ";".join(sorted(hdrs))
    canon = "".join("%s:%s\n" % (k, hdrs[k].strip()) for k in sorted(hdrs))
    creq = "\n".join([method, raw_path, cq, canon, signed, payload])
    scope = "%s/%s/s3/aws4_request" % (date, REGION)
    sts = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope,
                     hashlib.sha256(creq.encode()).hexdigest()])
    key = hm(("AWS4" + SECRET).encode(), date)
    key = hm(hm(hm(key, REGION), "s3"), "aws4_request")
    sig = hmac.new(key, sts.encode(), hashlib.sha256).hexdigest()
    hdrs["authorization"] = (
        "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s"
        % (ACCESS, scope, signed, sig))
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        conn.request(method, raw_path + ("?" + cq if cq else ""), body=body,
                     headers=hdrs)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def retried(what, method, path, query=None, body=b"", headers=None,
            ok=(200,), tries=20):
    last = None
    for _ in range(tries):
        try:
            st, data = request(method, path, query, body, headers)
            if st in ok:
                return st, data
            last = "HTTP %d: %s" % (st, data[:200].decode(errors="replace"))
            if st == 403:
                break
        except OSError as e:
            last = str(e)
        time.sleep(0.5)
    sys.exit("%s: %s" % (what, last))


def mkbucket(bucket):
    retried("create bucket " + bucket, "PUT", "/" + bucket, ok=(200, 409))


def put(bucket, key, path):
    body = open(path, "rb").read()
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    retried("put " + key, "PUT", "/%s/%s" % (bucket, key), body=body,
            headers={"content-md5": md5})


def list_keys(bucket):
    keys, token = [], None
    while True:
        query = {"list-type": "2", "max-keys": "1000"}
        if token:
            query["continuation-token"] = token
        _, data = retried("list " + bucket, "GET", "/" + bucket, query)
        root = ET.fromstring(data)
        for c in root.findall(NS + "Contents"):
            keys.append(c.find(NS + "Key").text)
        if root.findtext(NS + "IsTruncated") != "true":
            return keys
        token = root.findtext(NS + "NextContinuationToken")
        if not token:
            sys.exit("list %s: truncated listing without a token" % bucket)


def fetch(bucket, out):
    keys = list_keys(bucket)
    os.makedirs(out, exist_ok=True)
    for k in keys:
        _, data = retried("get " + k, "GET", "/%s/%s" % (bucket, k))
        dst = os.path.join(out, k)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with open(dst, "wb") as f:
            f.write(data)
    with open(os.path.join(out, ".keys"), "w") as f:
        f.write("".join(k + "\n" for k in keys))
    print("fetched %d objects" % len(keys))


def main(argv):
    if not (ENDPOINT and ACCESS and SECRET):
        sys.exit("TORTURE_S3_ENDPOINT, TORTURE_S3_ACCESS_KEY and "
                 "TORTURE_S3_SECRET_KEY must be set")
    if len(argv) == 3 and argv[1] == "mkbucket":
        mkbucket(argv[2])
    elif len(argv) == 5 and argv[1] == "put":
        put(argv[2], argv[3], argv[4])
    elif len(argv) == 4 and argv[1] == "fetch":
        fetch(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
