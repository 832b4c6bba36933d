"""MSAL Python, public client: device code sign-in (the user approves while MSAL polls:
at its first `authorization_pending`), the account it creates, a silent answer from the
cache, a silent renewal with the cached refresh token, and a refresh token redeemed
explicitly."""
import msal
import requests

from common import (EMULATOR, EXCHANGE, INSTANCE_DISCOVERY, PUBLIC_ID, TENANT, account,
                    approve_device_code, msal_result, report)

session = requests.Session()
flow = None
pending = []


def user_approves_while_pending(response, *args, **kwargs):
    if response.status_code == 400 and "authorization_pending" in response.text:
        pending.append(response.json()["error_codes"])
        if len(pending) == 1:
            approve_device_code(flow["user_code"])


session.hooks["response"].append(user_approves_while_pending)
app = msal.PublicClientApplication(
    PUBLIC_ID, authority=f"{EMULATOR}/{TENANT}", instance_discovery=INSTANCE_DISCOVERY, http_client=session)
flow = app.initiate_device_flow(scopes=[EXCHANGE])
signed_in = app.acquire_token_by_device_flow(flow)
accounts = app.get_accounts()
silent = app.acquire_token_silent([EXCHANGE], account=accounts[0])
renewed = app.acquire_token_silent([EXCHANGE], account=accounts[0], force_refresh=True)
redeemed = app.acquire_token_by_refresh_token(renewed["refresh_token"], scopes=[EXCHANGE])
report({
    "pending": pending,
    "device_code": msal_result(signed_in),
    "accounts": [account(a) for a in accounts],
    "silent": msal_result(silent),
    "silent_refresh": msal_result(renewed),
    "refresh_token": msal_result(redeemed),
})
