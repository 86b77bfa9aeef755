//! Building the rustls configurations from the `tls-*` settings: Redis's `tlsConfigure`,
//! with rustls in place of OpenSSL.
//!
//! Like Redis: `tls-cert-file` and `tls-key-file` are required whenever TLS is used; a CA
//! (`tls-ca-cert-file` or `tls-ca-cert-dir`) is required as soon as clients must present a
//! certificate or links use TLS; the outgoing links present `tls-client-cert-file` when it
//! and its key are set, else the server certificate. What rustls cannot do is refused with
//! the value and the reason instead of being ignored: TLSv1 and TLSv1.1, cipher names
//! outside the suites rustls has (and OpenSSL's cipher-string keywords), an unlimited
//! session cache.
//!
//! Beyond Redis, the certificates this process presents are checked against the configured
//! CAs at start-up, so a wrong CA or an expired certificate stops the process with the file
//! name instead of failing every handshake later.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{ring, CryptoProvider};
use rustls::pki_types::{ServerName, UnixTime};
use rustls::server::{NoServerSessionStorage, WebPkiClientVerifier};
use rustls::version::{TLS12, TLS13};
use rustls::{
    CertificateError, CipherSuite, ClientConfig, RootCertStore, ServerConfig, SupportedCipherSuite,
};
use rustls::{Error as RustlsError, SupportedProtocolVersion};

use super::material::{self, KeyPair};
use super::session_cache::ExpiringSessionCache;
use super::verifier::{is_name_mismatch, PeerVerifier};
use super::TlsError;
use crate::config::model::{TlsAuthClients, TlsConfig};

/// A suite rustls has, with the names a config may give it (OpenSSL's, then IANA's).
type NamedSuite = (&'static [&'static str], CipherSuite);

/// The TLS 1.3 suites (OpenSSL uses the IANA names).
const TLS13_SUITES: &[NamedSuite] = &[
    (&["TLS_AES_256_GCM_SHA384"], CipherSuite::TLS13_AES_256_GCM_SHA384),
    (&["TLS_AES_128_GCM_SHA256"], CipherSuite::TLS13_AES_128_GCM_SHA256),
    (&["TLS_CHACHA20_POLY1305_SHA256"], CipherSuite::TLS13_CHACHA20_POLY1305_SHA256),
];

/// The TLS 1.2 suites.
const TLS12_SUITES: &[NamedSuite] = &[
    (
        &["ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"],
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        &["ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"],
        CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        &["ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"],
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
    (
        &["ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"],
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    ),
    (
        &["ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"],
        CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    ),
    (
        &["ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"],
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ),
];

/// The rustls configurations in use; replaced as a whole on reload.
#[derive(Debug)]
pub struct Contexts {
    /// For the `tls-port` listener (`None` without one).
    pub server: Option<Arc<ServerConfig>>,
    /// For the outgoing links (`None` unless `tls-replication yes`).
    pub client: Option<Arc<ClientConfig>>,
}

/// `tls-protocols` (Redis's `parseProtocolsConfig`): names separated by spaces, any case;
/// unset means TLSv1.2 and TLSv1.3.
pub fn protocol_versions(spec: Option<&str>) -> Result<Vec<&'static SupportedProtocolVersion>, TlsError> {
    let Some(spec) = spec else {
        return Ok(vec![&TLS13, &TLS12]);
    };
    let (mut v12, mut v13) = (false, false);
    for token in spec.split_whitespace() {
        match token.to_ascii_lowercase().as_str() {
            "tlsv1.2" => v12 = true,
            "tlsv1.3" => v13 = true,
            "tlsv1" | "tlsv1.1" => {
                return Err(TlsError::Unsupported(format!(
                    "tls-protocols \"{}\": {} is not supported (rustls speaks TLSv1.2 and TLSv1.3 only)",
                    spec, token
                )))
            }
            _ => return Err(TlsError::Protocols),
        }
    }
    let versions: Vec<&'static SupportedProtocolVersion> =
        [(v13, &TLS13), (v12, &TLS12)].into_iter().filter(|(on, _)| *on).map(|(_, v)| v).collect();
    if versions.is_empty() {
        return Err(TlsError::Protocols);
    }
    Ok(versions)
}

/// The suites of an OpenSSL-style list (`:` separated; `,` and spaces are accepted too), in
/// the order given. Only explicit names from `table` are understood; the error is the reason.
fn named_suites(list: &str, table: &[NamedSuite], what: &str) -> Result<Vec<CipherSuite>, String> {
    let mut out = Vec::new();
    for token in list.split([':', ',', ' ']).filter(|t| !t.is_empty()) {
        let Some((_, suite)) =
            table.iter().find(|(names, _)| names.iter().any(|n| n.eq_ignore_ascii_case(token)))
        else {
            let known: Vec<&str> = table.iter().map(|(names, _)| names[0]).collect();
            return Err(format!(
                "rustls cannot honour '{}'; its {} suites are {}",
                token,
                what,
                known.join(":")
            ));
        };
        out.push(*suite);
    }
    if out.is_empty() {
        return Err("no suite named".into());
    }
    Ok(out)
}

/// `tls-ciphersuites` (TLS 1.3).
fn tls13_suites(list: &str) -> Result<Vec<CipherSuite>, TlsError> {
    named_suites(list, TLS13_SUITES, "TLS 1.3")
        .map_err(|reason| TlsError::Ciphersuites { value: list.to_string(), reason })
}

/// `tls-ciphers` (TLS 1.2): suite names, or `DEFAULT` alone; OpenSSL's cipher-string keywords
/// and `!` exclusions are refused.
fn tls12_suites(list: &str) -> Result<Vec<CipherSuite>, TlsError> {
    if list.trim().eq_ignore_ascii_case("DEFAULT") {
        return Ok(TLS12_SUITES.iter().map(|(_, s)| *s).collect());
    }
    named_suites(list, TLS12_SUITES, "TLS 1.2")
        .map_err(|reason| TlsError::Ciphers { value: list.to_string(), reason })
}

/// The ring provider limited to the configured suites, in the configured order (TLS 1.3
/// suites first, as OpenSSL offers them).
pub fn provider(cfg: &TlsConfig) -> Result<CryptoProvider, TlsError> {
    let base = ring::default_provider();
    let mut wanted: Vec<CipherSuite> = match &cfg.ciphersuites {
        Some(list) => tls13_suites(list)?,
        None => TLS13_SUITES.iter().map(|(_, s)| *s).collect(),
    };
    wanted.extend(match &cfg.ciphers {
        Some(list) => tls12_suites(list)?,
        None => TLS12_SUITES.iter().map(|(_, s)| *s).collect(),
    });
    let suites: Vec<SupportedCipherSuite> = wanted
        .iter()
        .filter_map(|want| base.cipher_suites.iter().find(|s| s.suite() == *want).copied())
        .collect();
    Ok(CryptoProvider { cipher_suites: suites, ..base })
}

/// Build both configurations from the files as they are now.
pub fn build(cfg: &TlsConfig) -> Result<Contexts, TlsError> {
    let cert_file = cfg.cert_file.as_deref().ok_or(TlsError::NoCertFile)?;
    let key_file = cfg.key_file.as_deref().ok_or(TlsError::NoKeyFile)?;
    let has_ca = cfg.ca_cert_file.is_some() || cfg.ca_cert_dir.is_some();
    if (cfg.auth_clients != TlsAuthClients::No || cfg.replication) && !has_ca {
        return Err(TlsError::NoCa);
    }
    let versions = protocol_versions(cfg.protocols.as_deref())?;
    let provider = Arc::new(provider(cfg)?);
    if cfg.session_caching && cfg.session_cache_size == 0 {
        return Err(TlsError::Unsupported(
            "tls-session-cache-size 0 (unlimited) is not supported: give the number of sessions to keep"
                .into(),
        ));
    }
    if let Some(dh) = &cfg.dh_params_file {
        material::check_readable(dh).map_err(|reason| TlsError::DhParams { file: dh.clone(), reason })?;
    }
    let server_pair = material::load_key_pair(cert_file, key_file, cfg.key_file_pass.as_deref(), &provider)?;
    let client_pair = match (&cfg.client_cert_file, &cfg.client_key_file) {
        (Some(cert), Some(key)) => {
            material::load_key_pair(cert, key, cfg.client_key_file_pass.as_deref(), &provider)?
        }
        _ => server_pair.clone(),
    };
    let roots = match has_ca {
        true => Some(material::load_roots(cfg.ca_cert_file.as_deref(), cfg.ca_cert_dir.as_deref())?),
        false => None,
    };
    let ca_name = cfg.ca_cert_file.clone().or_else(|| cfg.ca_cert_dir.clone()).unwrap_or_default();
    let server = match cfg.port {
        0 => None,
        _ => Some(Arc::new(server_config(cfg, &provider, &versions, roots.clone(), &server_pair, &ca_name)?)),
    };
    let client = match (cfg.replication, roots) {
        (true, Some(roots)) => {
            Some(Arc::new(client_config(&provider, &versions, roots, &client_pair, &ca_name)?))
        }
        _ => None,
    };
    Ok(Contexts { server, client })
}

/// A rustls builder error, as the reason of a refusal.
fn setting_error(e: RustlsError) -> TlsError {
    TlsError::Unsupported(format!("the TLS settings cannot be combined: {}", e))
}

fn server_config(
    cfg: &TlsConfig,
    provider: &Arc<CryptoProvider>,
    versions: &[&'static SupportedProtocolVersion],
    roots: Option<Arc<RootCertStore>>,
    pair: &KeyPair,
    ca_name: &str,
) -> Result<ServerConfig, TlsError> {
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(setting_error)?;
    if let Some(roots) = &roots {
        // The certificate clients and peers see: its chain must lead to a CA we trust (a
        // peer configured like us trusts the same CAs).
        check_trusted(pair, ca_name, || {
            let server = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
                .build()
                .map_err(|e| RustlsError::General(e.to_string()))?;
            let any_ip = ServerName::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST).into());
            let (leaf, intermediates) = split_chain(pair);
            match server.verify_server_cert(leaf, intermediates, &any_ip, &[], UnixTime::now()) {
                Err(e) if is_name_mismatch(&e) => Ok(()),
                other => other.map(|_| ()),
            }
        })?;
    }
    let builder = match (cfg.auth_clients, roots) {
        (TlsAuthClients::No, _) | (_, None) => builder.with_no_client_auth(),
        (auth, Some(roots)) => {
            let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider.clone());
            let verifier = match auth {
                TlsAuthClients::Optional => verifier.allow_unauthenticated(),
                _ => verifier,
            };
            let verifier =
                verifier.build().map_err(|e| TlsError::Ca { file: ca_name.into(), reason: e.to_string() })?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(pair.chain.clone(), pair.key.clone_key())
        .map_err(|e| TlsError::Certificate { file: pair.cert_file.clone(), reason: e.to_string() })?;
    config.ignore_client_order = cfg.prefer_server_ciphers;
    if cfg.session_caching {
        let size = cfg.session_cache_size as usize;
        config.session_storage =
            Arc::new(ExpiringSessionCache::new(size, u64::from(cfg.session_cache_timeout)));
    } else {
        config.session_storage = Arc::new(NoServerSessionStorage {});
        config.send_tls13_tickets = 0;
    }
    Ok(config)
}

fn client_config(
    provider: &Arc<CryptoProvider>,
    versions: &[&'static SupportedProtocolVersion],
    roots: Arc<RootCertStore>,
    client_pair: &KeyPair,
    ca_name: &str,
) -> Result<ClientConfig, TlsError> {
    let webpki = WebPkiServerVerifier::builder_with_provider(roots.clone(), provider.clone())
        .build()
        .map_err(|e| TlsError::Ca { file: ca_name.into(), reason: e.to_string() })?;
    // The certificate masters and peers see when they accept our links: its chain must lead to
    // a CA we trust, as for the server certificate. A certificate whose key usage
    // does not allow client authentication only fails with peers that ask for one, so that
    // is a warning.
    check_trusted(client_pair, ca_name, || {
        let clients = WebPkiClientVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| RustlsError::General(e.to_string()))?;
        let (leaf, intermediates) = split_chain(client_pair);
        match clients.verify_client_cert(leaf, intermediates, UnixTime::now()) {
            Err(RustlsError::InvalidCertificate(
                CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. },
            )) => {
                tracing::warn!(
                    "TLS: the certificate {} is not meant for client authentication; masters and peers \
                     that require client certificates will refuse it",
                    client_pair.cert_file
                );
                Ok(())
            }
            other => other.map(|_| ()),
        }
    })?;
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(setting_error)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PeerVerifier::new(webpki)));
    builder
        .with_client_auth_cert(client_pair.chain.clone(), client_pair.key.clone_key())
        .map_err(|e| TlsError::Certificate { file: client_pair.cert_file.clone(), reason: e.to_string() })
}

fn split_chain(
    pair: &KeyPair,
) -> (&rustls::pki_types::CertificateDer<'static>, &[rustls::pki_types::CertificateDer<'static>]) {
    let (leaf, rest) = pair.chain.split_first().expect("load_certificates returns at least one");
    (leaf, rest)
}

/// Run a verification of our own certificate and turn its failure into a refusal that
/// names the certificate file and the CA.
fn check_trusted(
    pair: &KeyPair,
    ca_name: &str,
    verify: impl FnOnce() -> Result<(), RustlsError>,
) -> Result<(), TlsError> {
    verify().map_err(|e| TlsError::Untrusted {
        file: pair.cert_file.clone(),
        ca: ca_name.to_string(),
        reason: material::certificate_problem(&e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocols_are_parsed_like_redis_and_old_ones_refused() {
        assert_eq!(protocol_versions(None).unwrap().len(), 2);
        let v = protocol_versions(Some("TLSv1.3")).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].version, rustls::ProtocolVersion::TLSv1_3);
        assert_eq!(protocol_versions(Some("tlsv1.2 TLSV1.3")).unwrap().len(), 2);
        let err = protocol_versions(Some("TLSv1.1 TLSv1.2")).unwrap_err().to_string();
        assert!(err.contains("TLSv1.1 is not supported"), "{}", err);
        assert_eq!(
            protocol_versions(Some("SSLv3")).unwrap_err().to_string(),
            "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'."
        );
    }

    #[test]
    fn cipher_lists_map_to_rustls_suites_or_are_refused() {
        let cfg = TlsConfig {
            ciphers: Some("ECDHE-RSA-AES128-GCM-SHA256:TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384".into()),
            ciphersuites: Some("TLS_CHACHA20_POLY1305_SHA256".into()),
            ..TlsConfig::default()
        };
        let suites: Vec<CipherSuite> =
            provider(&cfg).unwrap().cipher_suites.iter().map(|s| s.suite()).collect();
        assert_eq!(
            suites,
            vec![
                CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            ]
        );
        let all = provider(&TlsConfig::default()).unwrap().cipher_suites.len();
        assert_eq!(all, TLS13_SUITES.len() + TLS12_SUITES.len());
        let cfg = TlsConfig { ciphers: Some("HIGH:!aNULL".into()), ..TlsConfig::default() };
        let err = provider(&cfg).unwrap_err().to_string();
        assert!(
            err.starts_with("Failed to configure ciphers: HIGH:!aNULL: rustls cannot honour 'HIGH'"),
            "{}",
            err
        );
        let cfg = TlsConfig { ciphersuites: Some("TLS_AES_128_CCM_SHA256".into()), ..TlsConfig::default() };
        let err = provider(&cfg).unwrap_err().to_string();
        assert!(err.starts_with("Failed to configure ciphersuites: TLS_AES_128_CCM_SHA256"), "{}", err);
    }

    #[test]
    fn required_settings_are_checked_in_redis_order() {
        let mut cfg = TlsConfig { port: 1, ..TlsConfig::default() };
        assert_eq!(build(&cfg).unwrap_err(), TlsError::NoCertFile);
        cfg.cert_file = Some("c".into());
        assert_eq!(build(&cfg).unwrap_err(), TlsError::NoKeyFile);
        cfg.key_file = Some("k".into());
        assert_eq!(build(&cfg).unwrap_err(), TlsError::NoCa);
        cfg.auth_clients = TlsAuthClients::No;
        assert!(matches!(build(&cfg).unwrap_err(), TlsError::Certificate { .. }));
        cfg.replication = true;
        assert_eq!(build(&cfg).unwrap_err(), TlsError::NoCa);
    }
}
