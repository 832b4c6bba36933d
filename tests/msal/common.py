"""What every flow script shares: where the emulator is, its well-known registrations
(read from the fixture `tenantrun emulator --write-fixture` wrote), and how a script
reports to tests/emulator_msal.rs: one JSON object on stdout, one entry per case.

The emulator's CA reaches both libraries through REQUESTS_CA_BUNDLE (they use requests).
"""
import json
import os
import sys

import requests

EMULATOR = os.environ["EMULATOR_URL"].rstrip("/")
FIXTURE = os.environ["EMULATOR_FIXTURE"]

# The emulator's public well-known registrations (`tenantrun emulator --help`).
APP_ID = "00000000-0000-4000-8000-00000000e001"
PUBLIC_ID = "fb78d390-0c51-40cd-8e17-fdbfab77341b"
TENANT = "contoso.onmicrosoft.com"
OTHER_TENANT = "fabrikam.onmicrosoft.com"
USER = "admin@contoso.onmicrosoft.com"
EXCHANGE = "https://outlook.office365.com/.default"

# MSAL validates an authority it does not know against this instance discovery endpoint.
INSTANCE_DISCOVERY = EMULATOR + "/common/discovery/instance"


def fixture_text(name):
    with open(os.path.join(FIXTURE, name), encoding="utf-8") as f:
        return f.read()


def fixture_path(name):
    return os.path.join(FIXTURE, name)


def approve_device_code(user_code, upn=USER):
    """What the user does in the browser at the verification URI, through the emulator's
    test helper."""
    r = requests.post(EMULATOR + "/_admin/device/approve", json={"user_code": user_code, "upn": upn}, timeout=10)
    r.raise_for_status()


def msal_result(result):
    """The parts of an MSAL result dict the Rust test checks."""
    keep = ("access_token", "token_source", "scope", "expires_in", "error", "error_description", "error_codes",
            "correlation_id", "refresh_token", "id_token_claims")
    return {k: result[k] for k in keep if k in result}


def account(a):
    return {k: a.get(k) for k in ("username", "home_account_id", "environment", "realm")}


def recording_session():
    """A requests session (MSAL's `http_client` option) that records every exchange."""
    session = requests.Session()
    log = []

    def record(response, *args, **kwargs):
        log.append({
            "method": response.request.method,
            "url": response.request.url,
            "status": response.status_code,
            "sent_request_id": response.request.headers.get("client-request-id"),
            "echoed_request_id": response.headers.get("client-request-id"),
        })

    session.hooks["response"].append(record)
    return session, log


def report(cases):
    json.dump(cases, sys.stdout)
    sys.stdout.write("\n")
