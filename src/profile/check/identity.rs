//! `identities:`: the sign-in kinds of SPEC §1, their fields, and secret references.

use super::document::named;
use super::rules::{is_env_var, is_guid, is_tenant_id, is_upn};
use super::walk::{Checker, Sp, Table};
use crate::profile::diagnostic::did_you_mean;
use crate::profile::model::{CertificateSource, IdentityKind, EXO_POWERSHELL_CLIENT_ID};
use crate::profile::secret::SecretRef;
use crate::profile::syntax::{Node, Value};
use std::path::Path;

/// Each kind and the keys it takes (besides `kind`).
pub const KINDS: &[(&str, &[&str])] = &[
    ("certificate", &["client_id", "certificate"]),
    ("client_secret", &["client_id", "client_secret"]),
    ("refresh_token", &["client_id", "refresh_token", "user_principal_name"]),
    ("device_code", &["client_id", "user_principal_name", "tenant"]),
    ("password", &["client_id", "user_principal_name", "password"]),
    ("managed_identity", &["client_id"]),
    ("access_token", &["token"]),
];
pub const CERTIFICATE_KEYS: &[&str] = &["path", "key", "password"];

pub fn identities(ck: &mut Checker<'_>, node: &Node, base: &Path) -> Vec<(Sp<String>, IdentityKind)> {
    let mut out = Vec::new();
    for (name, value) in named(ck, node, "identities") {
        let path = format!("identities.{}", name.value);
        if let Some(kind) = identity(ck, value, &path, base) {
            out.push((name, kind));
        }
    }
    out
}

fn identity(ck: &mut Checker<'_>, node: &Node, path: &str, base: &Path) -> Option<IdentityKind> {
    let Value::Map(entries) = &node.value else {
        ck.wrong_type(node, path, "a table with a `kind`");
        return None;
    };
    let Some((_, kind_node)) = entries.iter().find(|(k, _)| k.name == "kind") else {
        ck.error(node.pos, format!("`{path}` has no `kind`")).set_hint_in(
            format!("add `kind:` with one of: {}", kind_names()),
            format!("add `kind = \"...\"` with one of: {}", kind_names()),
        );
        return None;
    };
    let kind = ck.string(kind_node, &format!("{path}.kind"))?;
    let Some((kind_name, keys)) = KINDS.iter().find(|(k, _)| *k == kind.value) else {
        let hint = match did_you_mean(&kind.value, KINDS.iter().map(|(k, _)| *k)) {
            Some(m) => format!("did you mean `{m}`?"),
            None => format!("the kinds are: {}", kind_names()),
        };
        ck.error(kind.pos, format!("unknown identity kind `{}` in `{path}.kind`", kind.value)).set_hint(hint);
        return None;
    };
    let mut allowed = vec!["kind"];
    allowed.extend_from_slice(keys);
    let t = ck.table(node, &format!("{path} ({kind_name})"), &allowed)?;
    let public = || EXO_POWERSHELL_CLIENT_ID.to_string();
    let kind = match *kind_name {
        "certificate" => {
            let client_id = client_id(ck, &t, path, true);
            let certificate =
                ck.required(&t, path, "certificate").and_then(|n| certificate(ck, n, path, base));
            IdentityKind::Certificate { client_id: client_id?, certificate: certificate? }
        }
        "client_secret" => {
            let client_id = client_id(ck, &t, path, true);
            let secret = required_secret(ck, &t, path, "client_secret", base);
            IdentityKind::ClientSecret { client_id: client_id?, client_secret: secret? }
        }
        "refresh_token" => {
            let client_id = client_id(ck, &t, path, false);
            let secret = required_secret(ck, &t, path, "refresh_token", base);
            let upn = upn(ck, &t, path, false);
            IdentityKind::RefreshToken {
                client_id: client_id.unwrap_or_else(public),
                refresh_token: secret?,
                user_principal_name: upn,
            }
        }
        "device_code" => {
            let client_id = client_id(ck, &t, path, false);
            let upn = upn(ck, &t, path, false);
            let tenant = ck.opt_string(&t, path, "tenant");
            if let Some(s) = &tenant {
                if !matches!(s.value.as_str(), "organizations" | "common") && !is_tenant_id(&s.value) {
                    ck.error(s.pos, format!("`{path}.tenant` is not a tenant id: `{}`", s.value))
                        .set_hint("use `organizations` (the default), a verified domain or a tenant GUID");
                }
            }
            IdentityKind::DeviceCode {
                client_id: client_id.unwrap_or_else(public),
                user_principal_name: upn,
                tenant: tenant.map(|t| t.value).unwrap_or_else(|| "organizations".into()),
            }
        }
        "password" => {
            let client_id = client_id(ck, &t, path, false);
            let upn = upn(ck, &t, path, true);
            let secret = required_secret(ck, &t, path, "password", base);
            IdentityKind::Password {
                client_id: client_id.unwrap_or_else(public),
                user_principal_name: upn?,
                password: secret?,
            }
        }
        "managed_identity" => IdentityKind::ManagedIdentity { client_id: client_id(ck, &t, path, false) },
        _ => IdentityKind::AccessToken { token: required_secret(ck, &t, path, "token", base)? },
    };
    Some(kind)
}

fn kind_names() -> String {
    KINDS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
}

fn client_id(ck: &mut Checker<'_>, t: &Table<'_>, path: &str, required: bool) -> Option<String> {
    let node = if required { ck.required(t, path, "client_id")? } else { t.get("client_id")? };
    let s = ck.string(node, &format!("{path}.client_id"))?;
    if !is_guid(&s.value) {
        ck.error(s.pos, format!("`{path}.client_id` is not a GUID: `{}`", s.value))
            .set_hint("use the application (client) id from the app registration, e.g. `3b9a7c44-0000-4000-8000-000000000001`");
        return None;
    }
    Some(s.value.to_ascii_lowercase())
}

fn upn(ck: &mut Checker<'_>, t: &Table<'_>, path: &str, required: bool) -> Option<String> {
    let node =
        if required { ck.required(t, path, "user_principal_name")? } else { t.get("user_principal_name")? };
    let s = ck.string(node, &format!("{path}.user_principal_name"))?;
    if !is_upn(&s.value) {
        ck.error(s.pos, format!("`{path}.user_principal_name` is not a user principal name: `{}`", s.value))
            .set_hint("write it as `user@domain`, e.g. `admin@partner.onmicrosoft.com`");
        return None;
    }
    Some(s.value)
}

fn required_secret(
    ck: &mut Checker<'_>,
    t: &Table<'_>,
    path: &str,
    key: &str,
    base: &Path,
) -> Option<SecretRef> {
    let node = ck.required(t, path, key)?;
    secret(ck, node, &format!("{path}.{key}"), base)
}

/// `{ env: NAME }` or `{ file: PATH }`; anything else is refused without echoing it.
pub fn secret(ck: &mut Checker<'_>, node: &Node, path: &str, base: &Path) -> Option<SecretRef> {
    let Value::Map(entries) = &node.value else {
        let key = path.rsplit('.').next().unwrap_or(path);
        let d = crate::profile::diagnostic::Diagnostic::at(
            ck.src,
            node.pos,
            format!("`{path}` is written inline; secrets must be references"),
        )
        .redact_value()
        .hint_in(
            format!(
                "write `{key}: {{ env: NAME }}` or `{{ file: PATH }}` and keep the value out of the profile"
            ),
            format!(
                "write `{key} = {{ env = \"NAME\" }}` or `{{ file = \"PATH\" }}` and keep the value out of the \
                 profile"
            ),
        );
        ck.push(d);
        return None;
    };
    if entries.len() != 1 {
        ck.error(node.pos, format!("`{path}` must have exactly one of `env` or `file`")).set_hint_in(
            "write `{ env: NAME }` or `{ file: PATH }`",
            "write `{ env = \"NAME\" }` or `{ file = \"PATH\" }`",
        );
        return None;
    }
    let t = ck.table(node, path, &["env", "file"])?;
    if let Some(n) = t.get("env") {
        let s = ck.string(n, &format!("{path}.env"))?;
        if !is_env_var(&s.value) {
            ck.error(s.pos, format!("`{path}.env` is not an environment variable name: `{}`", s.value))
                .set_hint("use letters, digits and `_`, e.g. `PFX_PASSWORD`");
            return None;
        }
        return Some(SecretRef::Env(s.value));
    }
    let n = t.get("file")?;
    let s = ck.string(n, &format!("{path}.file"))?;
    Some(SecretRef::File(base.join(s.value)))
}

fn certificate(ck: &mut Checker<'_>, node: &Node, path: &str, base: &Path) -> Option<CertificateSource> {
    let path = format!("{path}.certificate");
    if let Value::Str(_) = node.value {
        ck.wrong_type(node, &path, "a table");
        ck.diags.last_mut()?.hint =
            Some("write `certificate: { path: certs/app.pfx, password: { env: PFX_PASSWORD } }`".into());
        return None;
    }
    let t = ck.table(node, &path, CERTIFICATE_KEYS)?;
    let file = ck.required(&t, &path, "path").and_then(|n| ck.string(n, &format!("{path}.path")));
    let key = ck.opt_string(&t, &path, "key");
    let password = t.get("password").map(|n| secret(ck, n, &format!("{path}.password"), base));
    Some(CertificateSource {
        path: base.join(file?.value),
        key: key.map(|k| base.join(k.value)),
        password: match password {
            Some(p) => Some(p?),
            None => None,
        },
    })
}
