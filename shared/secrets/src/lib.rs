//! Credentials from one AWS Secrets Manager JSON secret, cached and refreshed in the background.
