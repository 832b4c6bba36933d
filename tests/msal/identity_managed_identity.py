"""azure-identity, ManagedIdentityCredential: App Service (IDENTITY_ENDPOINT and
IDENTITY_HEADER) or IMDS (AZURE_POD_IDENTITY_AUTHORITY_HOST), as the environment the test
sets says; the second token comes from the credential's cache."""
from azure.identity import ManagedIdentityCredential

from common import EXCHANGE, report

credential = ManagedIdentityCredential()
report({"first": credential.get_token(EXCHANGE).token, "again": credential.get_token(EXCHANGE).token})
