"""MSAL Python, one token cache shared by two tenants' apps: each tenant gets its own
token, and the second request of each is served from the cache, never the other's."""
import msal

from common import (APP_ID, EMULATOR, EXCHANGE, INSTANCE_DISCOVERY, OTHER_TENANT, TENANT,
                    fixture_text, msal_result, report)

cache = msal.TokenCache()
apps = {
    tenant: msal.ConfidentialClientApplication(
        APP_ID, client_credential=fixture_text("secrets/client-secret.txt"),
        authority=f"{EMULATOR}/{tenant}", instance_discovery=INSTANCE_DISCOVERY, token_cache=cache)
    for tenant in (TENANT, OTHER_TENANT)
}
cases = {}
for round_ in ("first", "again"):
    for tenant, app in apps.items():
        cases[f"{tenant} {round_}"] = msal_result(app.acquire_token_for_client(scopes=[EXCHANGE]))
report(cases)
