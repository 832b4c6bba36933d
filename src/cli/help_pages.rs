//! What each subcommand's documentation adds to its arguments: the examples every
//! `--help` ends with, and the EXIT STATUS, ENVIRONMENT and FILES sections of its
//! man page (`tenantrun man`). One table, so `--help` and the man pages never disagree;
//! `tests/cli_help.rs` parses every example with the real command line.

/// One subcommand's (or, with `name` empty, the top level's) extra documentation.
pub struct Page {
    pub name: &'static str,
    /// (what it does, the command line).
    pub examples: &'static [(&'static str, &'static str)],
    /// (code, when).
    pub exit: &'static [(&'static str, &'static str)],
    /// (variable, what it does), besides [`COMMON_ENV`].
    pub env: &'static [(&'static str, &'static str)],
    /// (path, what it is).
    pub files: &'static [(&'static str, &'static str)],
}

/// Variables every subcommand reads.
pub const COMMON_ENV: &[(&str, &str)] = &[
    ("TENANTRUN_LOG", "A tracing filter directive (e.g. `tenantrun=debug`) that overrides -v and -q."),
    (
        "NO_COLOR",
        "When set, no colour codes on stderr (they are also left out when stderr is not a terminal).",
    ),
];

const OK: (&str, &str) = ("0", "Success.");
const USAGE: (&str, &str) = ("2", "Bad usage or an invalid profile; nothing was contacted.");
const FATAL: (&str, &str) = ("1", "The command could not complete (I/O error, unreadable input).");

const SECRETS: (&str, &str) = (
    "the profile's { env: NAME } variables",
    "Client secrets, certificate passwords, refresh and access tokens the identities reference; \
     read once, before anything is contacted. Never logged.",
);
const CACHE_DIR: (&str, &str) = (
    "TENANTRUN_CACHE_DIR",
    "Folder of the refresh-token cache written by `tenantrun login` (default: the user's cache folder + tenantrun).",
);
const MANAGED_IDENTITY: (&str, &str) = (
    "IDENTITY_ENDPOINT, IDENTITY_HEADER",
    "The managed identity endpoint of Azure App Service, Functions and Automation; without them \
     the instance metadata service is asked.",
);
const PROFILE_FILES: (&str, &str) =
    ("PROFILE", "A .yaml, .yml or .toml file, or a folder whose profile files are merged into one profile.");
const CACHE_FILES: (&str, &str) =
    ("~/.cache/tenantrun/", "Cached refresh tokens (owner-only), one per identity.");
const RUN_DIR: (&str, &str) = (
    "OUT/<run-id>/",
    "A run: results.jsonl (the journal --resume reads), items/, summary.json, summary.txt, \
     checks.jsonl, tenants.json, profile/ (the profile copy) and the exports asked for.",
);

/// Every page; a subcommand without one gets the top level's exit codes.
pub const PAGES: &[Page] = &[
    Page {
        name: "",
        examples: &[
            ("Try it on the built-in emulator, nothing to set up", "tenantrun run examples/quickstart.yaml"),
            ("Check a profile", "tenantrun validate profiles/baseline"),
            ("Run one command list against the EMEA tenants", "tenantrun run profiles/baseline -t tag:emea -c audit"),
        ],
        exit: &[
            OK,
            ("1", "At least one step failed, or the run could not start."),
            ("2", "Bad usage, an invalid profile, an unset secret or a selection that matches no tenant; nothing was contacted."),
            ("3", "Every step succeeded but a check failed (run, check), or the runs differ (diff)."),
            ("130", "Interrupted; the run directory is complete up to the interruption and resumable."),
        ],
        env: &[CACHE_DIR, MANAGED_IDENTITY],
        files: &[PROFILE_FILES, RUN_DIR, CACHE_FILES],
    },
    Page {
        name: "validate",
        examples: &[
            ("Check one profile", "tenantrun validate profiles/baseline/baseline.yaml"),
            ("Check every profile folder of a repository", "tenantrun validate profiles/"),
            ("Check several files as the one profile `run` would load", "tenantrun validate --merge base.yaml customers.toml"),
            ("Annotate a pull request (GitHub Actions)", "tenantrun validate --format github profiles/"),
        ],
        exit: &[("0", "Every profile is valid (warnings may have been printed)."), ("2", "At least one problem was found.")],
        env: &[],
        files: &[PROFILE_FILES],
    },
    Page {
        name: "plan",
        examples: &[
            ("One row per tenant: identity, environment, steps", "tenantrun plan profiles/baseline"),
            ("The full tenant x step matrix of two command lists", "tenantrun plan profiles/baseline --steps -c audit,sharing"),
            ("Ask every tenant which cmdlets its role grants", "tenantrun plan profiles/baseline --check"),
            ("The plan as JSON, for a script", "tenantrun plan profiles/baseline -t 'name:Con*' --format json"),
        ],
        exit: &[
            ("0", "The plan was printed (with --check: every step is granted)."),
            ("1", "With --check: a step is NOT GRANTED, a tenant could not sign in, or a tenant source failed."),
            ("2", "Bad usage, an invalid profile, an unset secret (--check) or a selection that matches no tenant."),
        ],
        env: &[SECRETS, CACHE_DIR],
        files: &[PROFILE_FILES],
    },
    Page {
        name: "run",
        examples: &[
            ("Run every command list against every tenant", "tenantrun run profiles/baseline"),
            ("Two tenants by display name, 16 at once, with CSV exports", "tenantrun run profiles/baseline -t Contoso,Fabrikam -j 16 --format csv"),
            ("Tenants listed in a file, one a line", "tenantrun run profiles/baseline -t @customers.txt"),
            ("Shard 2 of 4 (one machine of four), with an HTML report", "tenantrun run profiles/baseline --shard 2/4 -o shard-2 --report html"),
            ("Finish an interrupted run (reads the profile it recorded)", "tenantrun run --resume runs/20260301T090000Z-4f2a"),
            ("Watch retries on the built-in emulator", "tenantrun run examples/quickstart.yaml --emulator-throttle-every 3"),
        ],
        exit: &[
            ("0", "Every selected step succeeded and every check passed or is exempt."),
            ("1", "At least one step failed, or the run could not start (a tenant source failed)."),
            ("2", "Bad usage, an invalid profile, an unset secret, a selection that matches no tenant, \
                   or --resume with a changed profile without --force; nothing was contacted."),
            ("3", "Every step succeeded but at least one check did not pass."),
            ("130", "Interrupted (Ctrl-C); the run is complete up to the interruption, resume it with --resume."),
        ],
        env: &[SECRETS, CACHE_DIR, MANAGED_IDENTITY],
        files: &[PROFILE_FILES, RUN_DIR, CACHE_FILES],
    },
    Page {
        name: "login",
        examples: &[
            ("Sign in once as a CSP partner admin (device code, MFA)", "tenantrun login profiles/csp-gdap --identity partner"),
            ("Sign in a device-code identity", "tenantrun login profiles/device-code --identity admin"),
        ],
        exit: &[OK, ("1", "The sign-in failed or timed out, or the token could not be cached."), USAGE, ("130", "Interrupted.")],
        env: &[CACHE_DIR],
        files: &[PROFILE_FILES, CACHE_FILES],
    },
    Page {
        name: "emulator",
        examples: &[
            ("Serve the emulator on 127.0.0.1:8400", "tenantrun emulator"),
            ("A slow, throttling service on a free port", "tenantrun emulator --addr 127.0.0.1:0 --latency-ms 200 --throttle-every 5"),
            ("Write a certificate, registry and matching profile, then exit", "tenantrun emulator --write-fixture lab/"),
        ],
        exit: &[("0", "Stopped by Ctrl-C, or --write-fixture finished."), ("1", "The address could not be bound."), USAGE],
        env: &[],
        files: &[("--scenario FILE", "Tenants, clients, users, certificates and faults (JSON or TOML).")],
    },
    Page {
        name: "merge",
        examples: &[
            ("Merge the four shards of a run", "tenantrun merge shard-1/* shard-2/* shard-3/* shard-4/* --out merged"),
            ("Merge the shards that finished, naming the missing ones", "tenantrun merge shard-1/* shard-3/* --out merged --partial"),
        ],
        exit: &[
            ("0", "Merged; every step of every shard succeeded."),
            ("1", "Merged, but at least one step failed; or the output could not be written."),
            ("2", "The shards do not belong together, or one is missing (without --partial)."),
        ],
        env: &[],
        files: &[RUN_DIR],
    },
    Page {
        name: "check",
        examples: &[
            ("Judge a run again with the profile it recorded", "tenantrun check runs/20260301T090000Z-4f2a"),
            ("Judge it against new expectations, offline", "tenantrun check runs/20260301T090000Z-4f2a profiles/baseline"),
        ],
        exit: &[
            ("0", "Every check passed or is exempt."),
            ("1", "The run has a failed step, or checks.jsonl could not be written."),
            ("2", "Not a run directory, or an invalid profile."),
            ("3", "At least one check did not pass."),
        ],
        env: &[],
        files: &[RUN_DIR],
    },
    Page {
        name: "report",
        examples: &[
            ("The HTML report of a run (RUN_DIR/report.html)", "tenantrun report runs/20260301T090000Z-4f2a"),
            ("JUnit XML for CI and an XLSX workbook", "tenantrun report runs/20260301T090000Z-4f2a --format junit,xlsx"),
        ],
        exit: &[OK, FATAL, ("2", "Not a run directory, or --out with several formats.")],
        env: &[],
        files: &[RUN_DIR],
    },
    Page {
        name: "diff",
        examples: &[
            ("What changed since last week's run", "tenantrun diff runs/20260222T090000Z-91c0 runs/20260301T090000Z-4f2a"),
            ("As JSON, matching objects by Name", "tenantrun diff OLD_RUN NEW_RUN --format json --key Name"),
        ],
        exit: &[("0", "Nothing differs."), FATAL, ("2", "Not a run directory."), ("3", "Something differs.")],
        env: &[],
        files: &[RUN_DIR],
    },
    Page {
        name: "tenants",
        examples: &[
            ("The resolved tenants, discovered ones included", "tenantrun tenants profiles/csp-gdap-discovery"),
            ("Snapshot them as a profile file to commit", "tenantrun tenants profiles/csp-gdap-discovery --write tenants.yaml"),
        ],
        exit: &[OK, ("1", "A tenant source could not be read."), USAGE],
        env: &[SECRETS, CACHE_DIR],
        files: &[PROFILE_FILES],
    },
    Page {
        name: "schema",
        examples: &[("The JSON Schema for editors (YAML language server)", "tenantrun schema > profile.schema.json")],
        exit: &[OK],
        env: &[],
        files: &[("schemas/profile.schema.json", "The same schema, committed with the source.")],
    },
    Page {
        name: "completions",
        examples: &[
            ("Bash, for every user", "tenantrun completions bash > /etc/bash_completion.d/tenantrun"),
            ("PowerShell, for this session", "tenantrun completions powershell | Out-String | Invoke-Expression"),
        ],
        exit: &[OK],
        env: &[],
        files: &[
            ("~/.local/share/bash-completion/completions/tenantrun", "Where bash-completion finds them."),
            ("~/.config/fish/completions/tenantrun.fish", "Where fish finds them."),
        ],
    },
    Page {
        name: "man",
        examples: &[
            ("Read the page of run", "tenantrun man run | man -l -"),
            ("Write every page into a man folder", "tenantrun man --out ~/.local/share/man/man1"),
        ],
        exit: &[OK, FATAL, USAGE],
        env: &[],
        files: &[("DIR/tenantrun.1, DIR/tenantrun-SUBCOMMAND.1", "The pages --out writes.")],
    },
];

/// The page of subcommand `name` (`""` for the top level).
pub fn page(name: &str) -> Option<&'static Page> {
    PAGES.iter().find(|p| p.name == name)
}
