//! Per-user, per-client and global rate limits enforced with DynamoDB conditional writes.
