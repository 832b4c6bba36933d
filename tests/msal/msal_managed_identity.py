"""MSAL Python, managed identity: the source (App Service's IDENTITY_ENDPOINT and
IDENTITY_HEADER, or IMDS at AZURE_POD_IDENTITY_AUTHORITY_HOST) comes from the
environment the test sets; the second request is served from MSAL's cache."""
import msal
import requests

from common import msal_result, report

client = msal.ManagedIdentityClient(msal.SystemAssignedManagedIdentity(), http_client=requests.Session())
first = client.acquire_token_for_client(resource="https://outlook.office365.com")
again = client.acquire_token_for_client(resource="https://outlook.office365.com")
report({"first": msal_result(first), "again": msal_result(again)})
