"""MSAL Python, authorization code with PKCE and `response_mode=form_post`, what
acquire_token_interactive does, the browser played by requests: MSAL's sign-in URL, the
emulator's form filled in and posted, the auto-posted answer handed back to MSAL, which
checks its state and redeems the code with the PKCE verifier; then the account it creates."""
import html
import re
import urllib.parse

import msal
import requests

from common import (EMULATOR, EXCHANGE, INSTANCE_DISCOVERY, PUBLIC_ID, TENANT, USER, account,
                    fixture_text, msal_result, report)

REDIRECT = "http://localhost:53123/callback"
app = msal.PublicClientApplication(
    PUBLIC_ID, authority=f"{EMULATOR}/{TENANT}", instance_discovery=INSTANCE_DISCOVERY)
flow = app.initiate_auth_code_flow([EXCHANGE], redirect_uri=REDIRECT, login_hint=USER, response_mode="form_post")


def hidden_fields(page):
    return {k: html.unescape(v) for k, v in re.findall(r'<input type=hidden name="([^"]+)" value="([^"]*)">', page)}



browser = requests.Session()
page = browser.get(flow["auth_uri"])
fields = hidden_fields(page.text)
fields.update(username=USER, password=fixture_text("secrets/password.txt"))
signed_in = browser.post(flow["auth_uri"], data=fields, allow_redirects=False)
action = re.search(r'<form method=post action="([^"]*)"', signed_in.text)
posted = hidden_fields(signed_in.text)
result = app.acquire_token_by_auth_code_flow(flow, posted)
sent = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(flow["auth_uri"]).query))
report({
    "form_status": page.status_code,
    "sign_in_status": signed_in.status_code,
    "posted_to": html.unescape(action.group(1)) if action else None,
    "sent": {k: sent.get(k) for k in ("code_challenge_method", "nonce", "state", "login_hint")},
    "returned_state": posted.get("state"),
    "auth_code": msal_result(result),
    "accounts": [account(a) for a in app.get_accounts()],
})
