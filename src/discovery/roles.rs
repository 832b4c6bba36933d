//! Entra built-in role names and their role template ids, as GDAP relationships
//! name them (`accessDetails.unifiedRoles[].roleDefinitionId`). `require_roles` takes
//! a name from this table or any role template GUID.

/// `global-administrator`: satisfies every required role.
pub const GLOBAL_ADMINISTRATOR: &str = "62e90394-69f5-4237-9190-012177145e10";

/// Role names (lower-case, hyphenated) and template ids (lower-case).
pub const ROLES: &[(&str, &str)] = &[
    ("global-administrator", GLOBAL_ADMINISTRATOR),
    ("global-reader", "f2ef992c-3afb-46b9-b7cf-a126ee74c451"),
    ("exchange-administrator", "29232cdf-9323-42fd-ade2-1d097af3e4de"),
    ("exchange-recipient-administrator", "31392ffb-586c-42d1-9346-e59415a2cc4e"),
    ("compliance-administrator", "17315797-102d-40b4-93e0-432062caca18"),
    ("compliance-data-administrator", "e6d1a23a-da11-4be4-9570-befc86d067a7"),
    ("security-administrator", "194ae4cb-b126-40b2-bd5b-6091b380977d"),
    ("security-reader", "5d6b6bb7-de71-4623-b4af-96380a352509"),
    ("security-operator", "5f2222b1-57c3-48ba-8ad5-d4759f1fde6f"),
    ("user-administrator", "fe930be7-5e62-47db-91af-98c3a49a38b1"),
    ("helpdesk-administrator", "729827e3-9c14-49f7-bb1b-9608f156bbb8"),
    ("license-administrator", "4d6ac14f-3453-41d0-bef9-a3e0c569773a"),
    ("service-support-administrator", "f023fd81-a637-4b56-95fd-791ac0226033"),
    ("sharepoint-administrator", "f28a1f50-f6e7-4571-818b-6a12f2af6b6c"),
    ("teams-administrator", "69091246-20e8-4a56-aa4d-066075b2a7a8"),
    ("directory-readers", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"),
    ("privileged-role-administrator", "e8611ab8-c189-46e8-94e1-60213ab1f814"),
    ("privileged-authentication-administrator", "7be44c8a-adaf-4e2a-84d6-ab2649e08a13"),
    ("authentication-administrator", "c4e39bd9-1100-46d3-8c65-fb160da0071f"),
    ("cloud-device-administrator", "7698a772-787b-4ac8-901f-60d6b08affd2"),
    ("intune-administrator", "3a2c62db-5318-420d-8d74-23affee5d9d5"),
    ("reports-reader", "4a5d8f65-41da-4de4-8968-e035b65339cf"),
];

/// The template id for a role name or GUID (case-insensitive); `None` for an unknown name.
pub fn template_id(name_or_id: &str) -> Option<String> {
    let lower = name_or_id.trim().to_ascii_lowercase();
    if crate::profile::check::rules::is_guid(&lower) {
        return Some(lower);
    }
    ROLES.iter().find(|(name, _)| *name == lower).map(|(_, id)| (*id).to_string())
}

/// The name of a role template id, if it is in the table; else the id itself.
pub fn display(id: &str) -> String {
    ROLES
        .iter()
        .find(|(_, t)| t.eq_ignore_ascii_case(id))
        .map(|(name, _)| (*name).to_string())
        .unwrap_or_else(|| id.to_ascii_lowercase())
}

/// Every role name, for "did you mean" hints.
pub fn names() -> impl Iterator<Item = &'static str> {
    ROLES.iter().map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_guids_map_to_template_ids() {
        assert_eq!(
            template_id("Exchange-Administrator").as_deref(),
            Some("29232cdf-9323-42fd-ade2-1d097af3e4de")
        );
        assert_eq!(
            template_id("17315797-102D-40B4-93E0-432062CACA18").as_deref(),
            Some("17315797-102d-40b4-93e0-432062caca18")
        );
        assert_eq!(template_id("exchange-admin"), None);
        assert_eq!(display("62E90394-69F5-4237-9190-012177145E10"), "global-administrator");
        assert_eq!(display("00000000-0000-4000-8000-000000000001"), "00000000-0000-4000-8000-000000000001");
        let mut ids: Vec<&str> = ROLES.iter().map(|(_, id)| *id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), ROLES.len());
    }
}
