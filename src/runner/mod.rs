//! The parallel engine: runs the plan and emits events; knows nothing of terminals.
