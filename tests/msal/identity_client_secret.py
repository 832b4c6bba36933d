"""azure-identity, ClientSecretCredential: a token, the same one again from the
credential's cache, a token for a second tenant from the same credential (its cache holds
both, never handing one tenant the other's), and a wrong secret.

azure-identity sends instance discovery to login.microsoftonline.com for any authority
host it does not know, so the emulator is named with disable_instance_discovery=True,
its option for private authorities."""
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential

from common import APP_ID, EMULATOR, EXCHANGE, OTHER_TENANT, TENANT, fixture_text, report

credential = ClientSecretCredential(
    TENANT, APP_ID, fixture_text("secrets/client-secret.txt"),
    authority=EMULATOR, disable_instance_discovery=True, additionally_allowed_tenants=[OTHER_TENANT])
cases = {
    "first": credential.get_token(EXCHANGE).token,
    "again": credential.get_token(EXCHANGE).token,
    "other_tenant": credential.get_token(EXCHANGE, tenant_id=OTHER_TENANT).token,
    "other_tenant_again": credential.get_token(EXCHANGE, tenant_id=OTHER_TENANT).token,
    "first_tenant_after": credential.get_token(EXCHANGE).token,
}
wrong = ClientSecretCredential(TENANT, APP_ID, "not-the-secret", authority=EMULATOR, disable_instance_discovery=True)
try:
    wrong.get_token(EXCHANGE)
    cases["wrong_secret"] = None
except ClientAuthenticationError as e:
    cases["wrong_secret"] = e.message
report(cases)
