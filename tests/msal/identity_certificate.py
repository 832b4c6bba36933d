"""azure-identity, CertificateCredential: a PEM holding key and certificate, the PFX with
its password, and the PFX sending its certificate chain (x5c, send_certificate_chain)."""
from azure.identity import CertificateCredential

from common import APP_ID, EMULATOR, EXCHANGE, TENANT, fixture_path, fixture_text, report

pem = (fixture_text("certs/emulator-app.key") + fixture_text("certs/emulator-app.pem")).encode()
pfx = fixture_path("certs/emulator-app.pfx")
password = fixture_text("secrets/pfx-password.txt")
options = {"authority": EMULATOR, "disable_instance_discovery": True}
credentials = {
    "pem": CertificateCredential(TENANT, APP_ID, certificate_data=pem, **options),
    "pfx": CertificateCredential(TENANT, APP_ID, certificate_path=pfx, password=password, **options),
    "pfx_x5c": CertificateCredential(
        TENANT, APP_ID, certificate_path=pfx, password=password, send_certificate_chain=True, **options),
}
report({name: c.get_token(EXCHANGE).token for name, c in credentials.items()})
