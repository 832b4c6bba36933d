"""azure-identity, DeviceCodeCredential: the prompt callback approves the code (what the
user does in the browser), authenticate() returns the account record, and get_token()
is then answered silently from the credential's cache."""
from azure.identity import DeviceCodeCredential

from common import EMULATOR, EXCHANGE, PUBLIC_ID, TENANT, approve_device_code, report

prompts = []


def prompt(verification_uri, user_code, expires_on):
    prompts.append(verification_uri)
    approve_device_code(user_code)


credential = DeviceCodeCredential(
    PUBLIC_ID, tenant_id=TENANT, authority=EMULATOR, disable_instance_discovery=True, prompt_callback=prompt)
record = credential.authenticate(scopes=[EXCHANGE])
first = credential.get_token(EXCHANGE).token
again = credential.get_token(EXCHANGE).token
report({
    "prompts": prompts,
    "record": {"username": record.username, "home_account_id": record.home_account_id,
               "tenant_id": record.tenant_id, "authority": record.authority},
    "first": first,
    "again": again,
})
