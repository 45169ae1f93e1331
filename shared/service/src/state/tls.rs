//! The platform's trusted root certificates, read once per cold start for both HTTP clients.
//!
//! Left to themselves, reqwest (its platform verifier, when the client is built) and the AWS SDK
//! (its default connector, on its first request) each read and parse the system's certificate
//! store: two reads of a bundle and a directory of a few hundred files, both inside Init. Here
//! the store is read once, the certificates rustls cannot use as trust anchors are dropped (either
//! client would refuse to start on them), and each client is given the same list.

use std::time::Duration;

use aws_smithy_http_client::Builder as AwsHttpClientBuilder;
use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use base64::Engine as _;
use rustls_native_certs::CertificateResult;
use rustls_pki_types::CertificateDer;

/// Why the process's HTTP clients could not be built.
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    /// No usable root certificate was found: no HTTPS upstream could be trusted.
    #[error(
        "no usable root certificate was found in the platform's store \
         (SSL_CERT_FILE and SSL_CERT_DIR override where it is read){detail}"
    )]
    NoRoots {
        /// The store's own errors, if it reported any.
        detail: String,
    },
    /// reqwest refused its configuration.
    #[error("the HTTP client could not be built: {0}")]
    Client(#[from] reqwest::Error),
    /// The AWS SDK's HTTP client refused its TLS configuration.
    #[error("the AWS SDK's HTTP client could not be built: {0}")]
    Aws(String),
}

/// The root certificates both HTTP clients trust, as DER.
#[derive(Clone)]
pub struct RootCertificates {
    certs: Vec<CertificateDer<'static>>,
}

impl std::fmt::Debug for RootCertificates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RootCertificates")
            .field("count", &self.certs.len())
            .finish()
    }
}

impl RootCertificates {
    /// Reads the platform's store (honouring `SSL_CERT_FILE` and `SSL_CERT_DIR`) once.
    pub fn load() -> Result<Self, TlsSetupError> {
        Self::from_store(rustls_native_certs::load_native_certs())
    }

    /// What [`RootCertificates::load`] keeps of what the store returned.
    fn from_store(store: CertificateResult) -> Result<Self, TlsSetupError> {
        let CertificateResult { certs, errors, .. } = store;
        for error in &errors {
            tracing::warn!(%error, "a root certificate could not be read");
        }
        let roots = Self::usable(certs);
        if roots.certs.is_empty() {
            let detail = errors.iter().map(|e| format!(": {e}")).collect::<String>();
            return Err(TlsSetupError::NoRoots { detail });
        }
        Ok(roots)
    }

    /// Keeps the certificates rustls accepts as trust anchors: both clients fail to start on any
    /// other (reqwest when it is given an explicit list, the SDK when it parses its trust store),
    /// while their own loaders skip them, as this does.
    fn usable(certs: Vec<CertificateDer<'static>>) -> Self {
        let mut probe = rustls::RootCertStore::empty();
        let total = certs.len();
        let certs: Vec<_> = certs
            .into_iter()
            .filter(|cert| probe.add(cert.clone()).is_ok())
            .collect();
        if certs.len() < total {
            tracing::warn!(
                skipped = total - certs.len(),
                "root certificates that are not usable trust anchors were skipped"
            );
        }
        Self { certs }
    }

    /// How many certificates are trusted.
    pub fn len(&self) -> usize {
        self.certs.len()
    }

    /// Whether none is (never true of a value [`RootCertificates::load`] returned).
    pub fn is_empty(&self) -> bool {
        self.certs.is_empty()
    }

    /// The one HTTP client of the process for upstreams and the identity provider: connection
    /// pooling and TLS set-up are paid once. It follows no redirects, so no upstream redirect can
    /// carry a bearer token elsewhere; the Graph connector follows its one redirect itself.
    pub fn http_client(&self) -> Result<reqwest::Client, TlsSetupError> {
        let certs = self
            .certs
            .iter()
            .map(|der| reqwest::Certificate::from_der(der))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(reqwest::Client::builder()
            .tls_certs_only(certs)
            .connect_timeout(Duration::from_secs(3))
            .pool_idle_timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("workplace-mcp/", env!("CARGO_PKG_VERSION")))
            .build()?)
    }

    /// The AWS SDK's HTTPS client (its default: rustls with aws-lc), trusting these roots only.
    pub fn aws_http_client(&self) -> Result<SharedHttpClient, TlsSetupError> {
        let store = TrustStore::empty()
            .with_native_roots(false)
            .with_pem_certificate(self.pem());
        let context = TlsContext::builder()
            .with_trust_store(store)
            .build()
            .map_err(|e| TlsSetupError::Aws(e.to_string()))?;
        Ok(AwsHttpClientBuilder::new()
            .tls_provider(tls::Provider::Rustls(
                tls::rustls_provider::CryptoMode::AwsLc,
            ))
            .tls_context(context)
            .build_https())
    }

    /// The certificates as one PEM bundle, the form the SDK's trust store takes.
    fn pem(&self) -> Vec<u8> {
        let engine = base64::engine::general_purpose::STANDARD;
        let mut pem = String::with_capacity(self.certs.len() * 2048);
        for cert in &self.certs {
            pem.push_str("-----BEGIN CERTIFICATE-----\n");
            let encoded = engine.encode(cert.as_ref());
            // Base64 is ASCII, so every 64-byte chunk is whole characters.
            for line in encoded.as_bytes().chunks(64) {
                pem.push_str(&String::from_utf8_lossy(line));
                pem.push('\n');
            }
            pem.push_str("-----END CERTIFICATE-----\n");
        }
        pem.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;

    #[test]
    fn the_pem_bundle_holds_exactly_the_certificates_loaded() {
        let roots = RootCertificates::load().expect("this machine has root certificates");
        let parsed: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&roots.pem())
            .collect::<Result<_, _>>()
            .expect("the bundle parses");
        assert_eq!(parsed, roots.certs);
        assert!(roots.len() > 10, "{roots:?}");
    }

    #[test]
    fn certificates_that_are_not_trust_anchors_are_dropped_not_fatal() {
        let roots = RootCertificates::load().expect("this machine has root certificates");
        let mut certs = roots.certs.clone();
        certs.push(CertificateDer::from(b"not a certificate".to_vec()));
        let usable = RootCertificates::usable(certs);
        assert_eq!(usable.certs, roots.certs);
        // Both clients build from what is left; reqwest refuses the bad one if handed it.
        usable.http_client().expect("reqwest builds");
        usable.aws_http_client().expect("the SDK's client builds");
        let bad =
            reqwest::Certificate::from_der(b"not a certificate").expect("DER is not checked yet");
        assert!(
            reqwest::Client::builder()
                .tls_certs_only([bad])
                .build()
                .is_err()
        );
    }

    #[test]
    fn a_store_without_a_usable_root_is_an_error_that_says_where_roots_are_read() {
        let empty = RootCertificates::from_store(CertificateResult::default());
        let mut garbage = CertificateResult::default();
        garbage
            .certs
            .push(CertificateDer::from(b"not a certificate".to_vec()));
        for result in [empty, RootCertificates::from_store(garbage)] {
            let err = result.expect_err("nothing to trust");
            assert!(matches!(err, TlsSetupError::NoRoots { .. }), "{err}");
            assert!(err.to_string().contains("SSL_CERT_FILE"), "{err}");
        }
    }
}
