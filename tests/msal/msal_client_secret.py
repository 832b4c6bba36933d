"""MSAL Python, client secret: an app-only token, then the same one from MSAL's cache."""
import msal

from common import APP_ID, EMULATOR, EXCHANGE, INSTANCE_DISCOVERY, TENANT, fixture_text, msal_result, report

app = msal.ConfidentialClientApplication(
    APP_ID,
    client_credential=fixture_text("secrets/client-secret.txt"),
    authority=f"{EMULATOR}/{TENANT}",
    instance_discovery=INSTANCE_DISCOVERY,
)
first = app.acquire_token_for_client(scopes=[EXCHANGE])
again = app.acquire_token_for_client(scopes=[EXCHANGE])
report({"first": msal_result(first), "again": msal_result(again)})
