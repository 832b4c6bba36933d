//! The cmdlets the emulator knows: which service exports them, their parameters and
//! parameter types, so unknown cmdlets and bad parameters fail as Exchange fails.

use crate::adminapi::enum_parameters::{EnumParameter, QUARANTINE_TYPES};

/// Which front door exports a cmdlet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Api {
    Compliance,
    Exchange,
    Both,
}

/// What a parameter accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// A switch or boolean.
    Bool,
    String,
    /// A string or an array of strings.
    Strings,
    /// `Unlimited` or a positive integer.
    ResultSize,
    /// A multi-valued property: an array (replace) or a hashtable `{Add, Remove}`.
    MultiValued,
    /// Anything (common parameters).
    Any,
    /// One or more names of an enumeration (case-insensitive).
    Enum(&'static EnumParameter),
}

/// A parameter of a cmdlet.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
}

const fn p(name: &'static str, ty: Ty) -> Param {
    Param { name, ty, required: false }
}

const fn req(name: &'static str, ty: Ty) -> Param {
    Param { name, ty, required: true }
}

/// A cmdlet.
#[derive(Debug, Clone, Copy)]
pub struct Cmdlet {
    pub name: &'static str,
    pub api: Api,
    pub params: &'static [Param],
    /// Default `ResultSize` (Exchange's 1000 for recipient cmdlets).
    pub default_result_size: Option<usize>,
}

/// Parameters every cmdlet accepts.
pub const COMMON: &[Param] = &[
    p("ErrorAction", Ty::Any),
    p("WarningAction", Ty::Any),
    p("Verbose", Ty::Bool),
    p("Debug", Ty::Bool),
    p("Confirm", Ty::Bool),
    p("WhatIf", Ty::Bool),
    p("DomainController", Ty::String),
];

/// Every known cmdlet.
pub const CMDLETS: &[Cmdlet] = &[
    Cmdlet {
        name: "Get-Label",
        api: Api::Compliance,
        params: &[
            p("Identity", Ty::String),
            p("IncludeDetailedLabelActions", Ty::Bool),
            p("SkipValidations", Ty::Bool),
        ],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-LabelPolicy",
        api: Api::Compliance,
        params: &[p("Identity", Ty::String), p("ForceValidate", Ty::Bool)],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-DlpCompliancePolicy",
        api: Api::Compliance,
        params: &[p("Identity", Ty::String), p("DistributionDetail", Ty::Bool), p("ForceValidate", Ty::Bool)],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-DlpComplianceRule",
        api: Api::Compliance,
        params: &[
            p("Identity", Ty::String),
            p("Policy", Ty::String),
            p("IncludeExecutionRuleGuids", Ty::Bool),
            p("IncludeExecutionRuleInformation", Ty::Bool),
        ],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-RetentionCompliancePolicy",
        api: Api::Compliance,
        params: &[
            p("Identity", Ty::String),
            p("DistributionDetail", Ty::Bool),
            p("ErrorPolicyOnly", Ty::Bool),
            p("ExcludeTeamsPolicy", Ty::Bool),
            p("IncludeTestModeResults", Ty::Bool),
            p("RetentionRuleTypes", Ty::Bool),
            p("TeamsPolicyOnly", Ty::Bool),
        ],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-ProtectionAlert",
        api: Api::Compliance,
        params: &[p("Identity", Ty::String)],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-ComplianceSearch",
        api: Api::Compliance,
        params: &[p("Identity", Ty::String), p("Case", Ty::String), p("ResultSize", Ty::ResultSize)],
        default_result_size: None,
    },
    Cmdlet {
        name: "New-ComplianceSearch",
        api: Api::Compliance,
        params: &[
            req("Name", Ty::String),
            p("ExchangeLocation", Ty::Strings),
            p("SharePointLocation", Ty::Strings),
            p("PublicFolderLocation", Ty::Strings),
            p("ContentMatchQuery", Ty::String),
            p("Description", Ty::String),
            p("Case", Ty::String),
            p("AllowNotFoundExchangeLocationsEnabled", Ty::Bool),
            p("Force", Ty::Bool),
        ],
        default_result_size: None,
    },
    Cmdlet {
        name: "Remove-ComplianceSearch",
        api: Api::Compliance,
        params: &[req("Identity", Ty::String)],
        default_result_size: None,
    },
    Cmdlet { name: "Get-AdminAuditLogConfig", api: Api::Both, params: &[], default_result_size: None },
    Cmdlet {
        name: "Get-Mailbox",
        api: Api::Exchange,
        params: &[
            p("Identity", Ty::String),
            p("ResultSize", Ty::ResultSize),
            p("Filter", Ty::String),
            p("RecipientTypeDetails", Ty::Strings),
            p("Anr", Ty::String),
            p("IncludeInactiveMailbox", Ty::Bool),
            p("InactiveMailboxOnly", Ty::Bool),
            p("SoftDeletedMailbox", Ty::Bool),
            p("Archive", Ty::Bool),
            p("PublicFolder", Ty::Bool),
        ],
        default_result_size: Some(1000),
    },
    Cmdlet {
        name: "Get-QuarantineMessage",
        api: Api::Exchange,
        params: &[
            p("Identity", Ty::String),
            p("QuarantineTypes", Ty::Enum(&QUARANTINE_TYPES)),
            p("RecipientAddress", Ty::Strings),
            p("SenderAddress", Ty::Strings),
            p("PageSize", Ty::String),
            p("Page", Ty::String),
        ],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-OrganizationConfig",
        api: Api::Both,
        params: &[p("Identity", Ty::String)],
        default_result_size: None,
    },
    Cmdlet {
        name: "Set-OrganizationConfig",
        api: Api::Exchange,
        // Any writable property of the OrganizationConfig object (checked against the object).
        params: &[p("Force", Ty::Bool)],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-AcceptedDomain",
        api: Api::Exchange,
        params: &[p("Identity", Ty::String), p("ResultSize", Ty::ResultSize)],
        default_result_size: None,
    },
    // The settings a security baseline reads (see dataset_baseline.rs).
    Cmdlet {
        name: "Get-RemoteDomain",
        api: Api::Exchange,
        params: &[p("Identity", Ty::String)],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-DkimSigningConfig",
        api: Api::Exchange,
        params: &[p("Identity", Ty::String)],
        default_result_size: None,
    },
    Cmdlet { name: "Get-TransportConfig", api: Api::Exchange, params: &[], default_result_size: None },
    Cmdlet {
        name: "Get-SharingPolicy",
        api: Api::Exchange,
        params: &[p("Identity", Ty::String)],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-MalwareFilterPolicy",
        api: Api::Exchange,
        params: &[p("Identity", Ty::String)],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-HostedConnectionFilterPolicy",
        api: Api::Exchange,
        params: &[p("Identity", Ty::String)],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-HostedOutboundSpamFilterPolicy",
        api: Api::Exchange,
        params: &[p("Identity", Ty::String)],
        default_result_size: None,
    },
    Cmdlet {
        name: "Get-OwaMailboxPolicy",
        api: Api::Exchange,
        params: &[p("Identity", Ty::String)],
        default_result_size: None,
    },
];

/// Look a cmdlet up by name (case-insensitive, like PowerShell).
pub fn find(name: &str) -> Option<&'static Cmdlet> {
    CMDLETS.iter().find(|c| c.name.eq_ignore_ascii_case(name))
}

/// The cmdlets a front door exports, comma-separated (EXOModuleFile).
pub fn exported(compliance: bool) -> String {
    CMDLETS
        .iter()
        .filter(|c| match c.api {
            Api::Both => true,
            Api::Compliance => compliance,
            Api::Exchange => !compliance,
        })
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(",")
}

impl Cmdlet {
    pub fn available_on(&self, compliance: bool) -> bool {
        match self.api {
            Api::Both => true,
            Api::Compliance => compliance,
            Api::Exchange => !compliance,
        }
    }

    /// A parameter by name (case-insensitive), including the common ones.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().chain(COMMON.iter()).find(|p| p.name.eq_ignore_ascii_case(name))
    }
}
