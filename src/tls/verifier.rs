//! How a link checks the certificate of the master, replica or sentinel it connects to.
//!
//! Redis (hiredis with `SSL_VERIFY_PEER`) checks the chain against the configured CAs (and the
//! key usage, and the validity dates) but never the name: the sentinel connects to IP
//! addresses and the certificates of a Redis deployment rarely name them. [`PeerVerifier`]
//! does the same for addresses given as IPs, so certificates that work with redis-sentinel
//! work here. When the address is a hostname (`resolve-hostnames` / `announce-hostnames`),
//! it is sent as SNI and the certificate must be valid for it: a name was given, so it is
//! checked.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};

/// Chain verification always; name verification for hostnames only.
#[derive(Debug)]
pub struct PeerVerifier {
    webpki: Arc<WebPkiServerVerifier>,
}

impl PeerVerifier {
    pub fn new(webpki: Arc<WebPkiServerVerifier>) -> PeerVerifier {
        PeerVerifier { webpki }
    }
}

/// Whether an error only says that the certificate does not name the peer.
pub fn is_name_mismatch(e: &Error) -> bool {
    matches!(
        e,
        Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
        )
    )
}

impl ServerCertVerifier for PeerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, Error> {
        // WebPkiServerVerifier checks the name last, after the chain, usage and dates.
        match self.webpki.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now) {
            Err(e) if is_name_mismatch(&e) && matches!(server_name, ServerName::IpAddress(_)) => {
                Ok(ServerCertVerified::assertion())
            }
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}
