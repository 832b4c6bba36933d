"""MSAL Python, Entra's errors as MSAL reads them: a wrong secret (invalid_client, 401),
a named scope with client credentials (AADSTS1002012), client credentials on /common
(AADSTS900023); each with the HTTP exchange MSAL made (status, the client-request-id it
sent and the one echoed)."""
import msal

from common import APP_ID, EMULATOR, EXCHANGE, TENANT, fixture_text, msal_result, recording_session, report

secret = fixture_text("secrets/client-secret.txt")
cases = {
    "wrong_secret": (TENANT, "not-the-secret", EXCHANGE),
    "named_scope": (TENANT, secret, "https://outlook.office365.com/Exchange.ManageAsApp"),
    "common": ("common", secret, EXCHANGE),
}
out = {}
for name, (tenant, credential, scope) in cases.items():
    session, log = recording_session()
    app = msal.ConfidentialClientApplication(
        APP_ID, client_credential=credential, authority=f"{EMULATOR}/{tenant}",
        validate_authority=False, http_client=session)
    result = msal_result(app.acquire_token_for_client(scopes=[scope]))
    result["exchange"] = [e for e in log if e["method"] == "POST"]
    out[name] = result
report(out)
