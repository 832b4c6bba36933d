//! The Exchange admin REST API client (SPEC §4): region discovery, EXOModuleFile,
//! InvokeCommand with paging, error extraction and the retry policy.
