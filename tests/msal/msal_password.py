"""MSAL Python, public client: username and password (ROPC), the account it creates and
a silent answer from the cache. MSAL asks `https://{host}/common/userrealm/...` first,
without the authority's port: the emulator must listen on 443 for this flow."""
import msal

from common import (EMULATOR, EXCHANGE, INSTANCE_DISCOVERY, PUBLIC_ID, TENANT, USER, account,
                    fixture_text, msal_result, report)

app = msal.PublicClientApplication(
    PUBLIC_ID, authority=f"{EMULATOR}/{TENANT}", instance_discovery=INSTANCE_DISCOVERY)
signed_in = app.acquire_token_by_username_password(
    USER, fixture_text("secrets/password.txt"), scopes=[EXCHANGE])
accounts = app.get_accounts(username=USER)
silent = app.acquire_token_silent([EXCHANGE], account=accounts[0])
wrong = app.acquire_token_by_username_password(USER, "not-the-password", scopes=[EXCHANGE])
report({
    "password": msal_result(signed_in),
    "accounts": [account(a) for a in accounts],
    "silent": msal_result(silent),
    "wrong_password": msal_result(wrong),
})
