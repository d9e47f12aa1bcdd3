#!/usr/bin/env python3
"""Recomputes the signed examples of the fixture specs with independent implementations of
each provider's documented recipe, written here from the providers' pages (not from the
generator's recipe language), and fails when a spec's signature differs.

    python3 .ci/signing-vectors.py tests/fixtures/binance-pay/spec.yaml ...

Runs with the Python of CI's openapi-spec-validator, whose dependencies include PyYAML.
"""

import base64
import hashlib
import hmac
import sys

import yaml


def binance_pay(example):
    # developers.binance.com/docs/binance-pay/api-common: payload = timestamp + "\n" + nonce
    # + "\n" + body + "\n"; signature = hex(hmac("sha512", payload, secretKey)).toUpperCase()
    payload = f"{example['timestamp']}\n{example['nonce']}\n{example['body']}\n"
    mac = hmac.new(example["secret"].encode(), payload.encode(), hashlib.sha512)
    return mac.hexdigest().upper()


def coinpayments(example):
    # a-docs.coinpayments.net/api/auth/generate-api-signature: message = "\ufeff" + method +
    # url + clientId + timestamp + payload; base64(hmac-sha256(message, clientSecret))
    message = (
        "\ufeff"
        + example["method"]
        + example["url"]
        + example["key"]
        + example["timestamp"]
        + example.get("body", "")
    )
    mac = hmac.new(example["secret"].encode(), message.encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode()


RECIPES = {"binance-pay-client": binance_pay, "coinpayments-client": coinpayments}


def read(path):
    """The crate name and the `x-request-signing.example` of a spec."""
    with open(path, encoding="utf-8") as spec:
        document = yaml.safe_load(spec)
    signing = document.get("x-request-signing", {})
    return document.get("x-rust-crate", {}).get("name"), signing.get("example", {})


def main(paths):
    failed = False
    for path in paths:
        name, example = read(path)
        recipe = RECIPES.get(name)
        if recipe is None or "signature" not in example:
            print(f"{path}: no recipe here for crate {name!r}, or no example")
            failed = True
            continue
        computed = recipe(example)
        if computed != example["signature"]:
            print(f"{path}: the example's signature is {example['signature']}, the documented recipe gives {computed}")
            failed = True
        else:
            print(f"{path}: the example's signature is the documented recipe's ({name})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
