"""Create a customer on a running sandbox with nothing but Python's standard library.

An independent implementation of the request signing: the body is signed with
HMAC-SHA512 under the API secret, hex-encoded, and sent in the Sign header.

usage: python3 signed_request.py BASE_URL EXTERNAL_ID [--tamper]

--tamper changes the body after signing it; the sandbox must refuse that with 003.
Credentials come from CALYPSO_ACCOUNT, CALYPSO_API_KEY and CALYPSO_API_SECRET, or
default to the sandbox's public demo pair. Prints {"status": ..., "body": ...}.
"""

import hashlib
import hmac
import json
import os
import sys
import time
import urllib.error
import urllib.request

base_url, external_id = sys.argv[1], sys.argv[2]
tamper = "--tamper" in sys.argv[3:]
account = os.environ.get("CALYPSO_ACCOUNT", "0xc195df92dd9db2a8f28e597981f113d6e7582f8b")
api_key = os.environ.get("CALYPSO_API_KEY", "c529e14832b34b74972365cf7bf02430")
api_secret = os.environ.get("CALYPSO_API_SECRET", "b823a6b9ea72408583cef9ec8d67fa52")

envelope = {
    "account": account,
    "timestamp": int(time.time() * 1000),
    "payload": {"externalId": external_id, "description": "created from Python"},
}
body = json.dumps(envelope, separators=(",", ":")).encode()
sign = hmac.new(api_secret.encode(), body, hashlib.sha512).hexdigest()
if tamper:
    body = body.replace(b"created from Python", b"created from Pythom")

request = urllib.request.Request(
    base_url + "/api/v1/customer-purse/customer/create",
    data=body,
    method="POST",
    headers={"Content-Type": "application/json", "Key": api_key, "Sign": sign},
)
try:
    with urllib.request.urlopen(request, timeout=10) as response:
        status, answer = response.status, response.read()
except urllib.error.HTTPError as error:
    status, answer = error.code, error.read()
print(json.dumps({"status": status, "body": json.loads(answer)}))
