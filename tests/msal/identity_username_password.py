"""azure-identity, UsernamePasswordCredential: authenticate() returns the account record
and get_token() is then answered from the cache. Through MSAL, it asks
`https://{host}/common/userrealm/...` without the authority's port first: the emulator
must listen on 443 for this flow."""
from azure.identity import UsernamePasswordCredential

from common import EMULATOR, EXCHANGE, PUBLIC_ID, TENANT, USER, fixture_text, report

credential = UsernamePasswordCredential(
    PUBLIC_ID, USER, fixture_text("secrets/password.txt"), tenant_id=TENANT, authority=EMULATOR,
    disable_instance_discovery=True)
record = credential.authenticate(scopes=[EXCHANGE])
report({
    "record": {"username": record.username, "home_account_id": record.home_account_id,
               "tenant_id": record.tenant_id},
    "first": credential.get_token(EXCHANGE).token,
    "again": credential.get_token(EXCHANGE).token,
})
