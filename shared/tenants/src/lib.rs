//! Organisations (tenants) as documents: what one organisation's deployment settings are, the
//! rules every writer (the admin CLI) and every reader (the functions) apply to them, their storage
//! in DynamoDB with versions and an audit trail, and the directory a container reads them through.
//!
//! A tenant document is JSON (schema: `docs/tenant.schema.json`, printed by
//! `workplace-admin schema`); [`TenantDocument::validate`] is the one place its rules live, so
//! the CLI refuses exactly what the functions would.

mod directory;
mod document;
mod store;

pub use directory::{Tenant, TenantDirectory, Tenants, TokenIdentity, resolve};
pub use document::{
    Identity, Problem, SCHEMA, SECRET_PREFIX, TenantDocument, TenantLimits, TenantPolicy,
};
pub use store::{AuditEntry, Change, StoreError, Stored, TenantStore};
