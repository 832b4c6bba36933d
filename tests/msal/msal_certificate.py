"""MSAL Python, certificate credentials: PEM key with the SHA-1 thumbprint (RS256, x5t),
PEM key with the public certificate (PS256, x5t#S256, x5c: subject name/issuer), the PFX,
and the PFX sending its chain (x5c)."""
import hashlib
import ssl

import msal

from common import (APP_ID, EMULATOR, EXCHANGE, INSTANCE_DISCOVERY, TENANT, fixture_path,
                    fixture_text, msal_result, report)

key = fixture_text("certs/emulator-app.key")
cert = fixture_text("certs/emulator-app.pem")
sha1 = hashlib.sha1(ssl.PEM_cert_to_DER_cert(cert)).hexdigest()
pfx = {"private_key_pfx_path": fixture_path("certs/emulator-app.pfx"),
       "passphrase": fixture_text("secrets/pfx-password.txt")}
credentials = {
    "pem_thumbprint": {"private_key": key, "thumbprint": sha1},
    "pem_x5c": {"private_key": key, "public_certificate": cert},
    "pfx": pfx,
    "pfx_x5c": dict(pfx, public_certificate=True),
}
cases = {}
for name, credential in credentials.items():
    app = msal.ConfidentialClientApplication(
        APP_ID, client_credential=credential, authority=f"{EMULATOR}/{TENANT}",
        instance_discovery=INSTANCE_DISCOVERY)
    cases[name] = msal_result(app.acquire_token_for_client(scopes=[EXCHANGE]))
report(cases)
