//! Property tests of selection and sharding (SPEC §2): a tenant's shard depends
//! only on its id and N; the shards of a selection are disjoint and their union is
//! the whole selection.

use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use tenantrun::environment;
use tenantrun::planner::{self, Selection, Shard};
use tenantrun::profile::{CommandList, Defaults, Identity, IdentityKind, Profile, Service, Step, Tenant};

fn tenant(id: &str, tags: &[&str]) -> Tenant {
    Tenant {
        id: id.to_string(),
        name: Some(id.split('.').next().unwrap_or(id).to_string()),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        identity: "mi".into(),
        environment: "commercial".into(),
        anchor_mailbox: None,
        bypass_mailbox_anchoring: false,
    }
}

fn profile(tenants: Vec<Tenant>) -> Profile {
    let mut identities = BTreeMap::new();
    identities.insert(
        "mi".to_string(),
        Identity { name: "mi".into(), kind: IdentityKind::ManagedIdentity { client_id: None } },
    );
    let step = |cmdlet: &str| Step {
        cmdlet: cmdlet.into(),
        service: Service::Compliance,
        parameters: Default::default(),
        select: vec![],
        expect: Default::default(),
    };
    Profile {
        environments: environment::builtins(),
        identities,
        identity_origins: Default::default(),
        defaults: Defaults { identity: Some("mi".into()), ..Defaults::default() },
        tenants,
        tenant_sources: vec![],
        written: Default::default(),
        commands: vec![
            CommandList { name: "labels".into(), steps: vec![step("Get-Label"), step("Set-Label")] },
            CommandList { name: "dlp".into(), steps: vec![step("Get-DlpCompliancePolicy")] },
        ],
        exemptions: vec![],
        warnings: vec![],
        sources: vec![],
        digest: "sha256:test".into(),
    }
}

fn ids(plan: &planner::Plan) -> Vec<String> {
    plan.tenants.iter().map(|t| t.tenant.id.clone()).collect()
}

/// Distinct tenant ids (domains and GUID-like), each with a tag from a small set.
fn tenants_strategy() -> impl Strategy<Value = Vec<Tenant>> {
    proptest::collection::btree_set(
        "[a-z][a-z0-9-]{0,12}\\.onmicrosoft\\.com|[0-9a-f]{8}-0000-4000-8000-[0-9a-f]{12}",
        0..80,
    )
    .prop_flat_map(|ids: BTreeSet<String>| {
        let n = ids.len();
        (Just(ids), proptest::collection::vec(prop_oneof![Just("emea"), Just("us"), Just("apac")], n))
    })
    .prop_map(|(ids, tags)| ids.into_iter().zip(tags).map(|(id, tag)| tenant(&id, &[tag])).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn shards_partition_the_selection(tenants in tenants_strategy(), n in 1u32..12, sel in prop_oneof![Just(vec![]), Just(vec!["tag:emea".to_string()]), Just(vec!["!tag:us".to_string()])]) {
        let p = profile(tenants);
        let whole = planner::plan(&p, &Selection::from_args(&sel, &[], None).unwrap()).unwrap();
        let mut union: Vec<String> = Vec::new();
        let mut seen = BTreeSet::new();
        for i in 1..=n {
            let shard = format!("{i}/{n}");
            let part = planner::plan(&p, &Selection::from_args(&sel, &[], Some(&shard)).unwrap()).unwrap();
            for id in ids(&part) {
                prop_assert!(seen.insert(id.clone()), "{} is in two shards", id);
                union.push(id);
            }
            // Every planned tenant of a shard runs the same steps as in the whole plan.
            for t in &part.tenants {
                prop_assert_eq!(t.steps.len(), 3);
            }
        }
        let mut expected = ids(&whole);
        expected.sort();
        union.sort();
        prop_assert_eq!(union, expected);
    }

    #[test]
    fn a_tenants_shard_depends_only_on_its_id_and_n(tenants in tenants_strategy(), others in tenants_strategy(), n in 1u32..12) {
        // Adding or removing other tenants never moves a tenant to another shard.
        let mut more = tenants.clone();
        more.extend(others.into_iter().filter(|o| !tenants.iter().any(|t| t.id == o.id)));
        let small = profile(tenants.clone());
        let large = profile(more);
        for i in 1..=n {
            let shard = format!("{i}/{n}");
            let s = Selection::from_args(&[], &[], Some(&shard)).unwrap();
            let in_small: BTreeSet<String> = ids(&planner::plan(&small, &s).unwrap()).into_iter().collect();
            let in_large: BTreeSet<String> = ids(&planner::plan(&large, &s).unwrap()).into_iter().collect();
            for t in &tenants {
                prop_assert_eq!(in_small.contains(&t.id), in_large.contains(&t.id));
                prop_assert_eq!(in_small.contains(&t.id), Shard::of(&t.id, n) == i);
            }
        }
        // Case does not matter: ids are compared lower-cased.
        for t in &tenants {
            prop_assert_eq!(Shard::of(&t.id.to_ascii_uppercase(), n), Shard::of(&t.id, n));
        }
    }
}

#[test]
fn shards_are_reasonably_balanced() {
    let tenants: Vec<Tenant> = (0..10_000).map(|i| tenant(&format!("t{i}.onmicrosoft.com"), &[])).collect();
    let p = profile(tenants);
    for i in 1..=4 {
        let plan =
            planner::plan(&p, &Selection::from_args(&[], &[], Some(&format!("{i}/4"))).unwrap()).unwrap();
        let n = plan.tenants.len();
        assert!((2_300..2_700).contains(&n), "shard {i}/4 has {n} tenants");
    }
}
