//! TLS for the client port (`tls-port`) and for the outgoing links (`tls-replication yes`),
//! with rustls.
//!
//! [`Tls::load`] builds the rustls configurations once at start-up from the `tls-*` settings
//! (a bad file stops the process with the file name and the reason); the server's TLS
//! listeners and every link task share the one [`Tls`]. The core never sees any of it: a
//! link is told an address, and the link task decides how to reach it.
//!
//! Certificate rotation: [`Tls::reload_if_changed`] re-reads the files when any of them
//! changed on disk (size, modification time or inode: an in-place rewrite or a symlink swap,
//! as Kubernetes does for secrets); the daemon calls it once a second and on SIGHUP
//! ([`Tls::reload`], which re-reads unconditionally). A reload that fails keeps the
//! configuration in use and logs why, once per change of the files. New connections use the
//! new certificates; established ones keep theirs, as with Redis's `CONFIG SET tls-*`.

mod contexts;
mod failure_log;
mod material;
mod session_cache;
mod transport;
mod verifier;

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use arc_swap::ArcSwap;
use rustls::pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, TlsConnector};

pub use contexts::Contexts;
pub use failure_log::HandshakeLog;
pub use transport::{read_short, read_when_ready, ReadHalf, Stream, WriteHalf};

use crate::config::model::TlsConfig;

/// Why the TLS settings cannot be used. The texts follow Redis's log lines where Redis has
/// one, and always name the file or the value at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsError {
    #[error("No tls-cert-file configured!")]
    NoCertFile,
    #[error("No tls-key-file configured!")]
    NoKeyFile,
    #[error(
        "Either tls-ca-cert-file or tls-ca-cert-dir must be specified when tls-cluster, tls-replication or tls-auth-clients are enabled!"
    )]
    NoCa,
    #[error("Failed to load certificate: {file}: {reason}")]
    Certificate { file: String, reason: String },
    #[error("Failed to load private key: {file}: {reason}")]
    PrivateKey { file: String, reason: String },
    #[error("Failed to configure CA certificate(s) file/directory: {file}: {reason}")]
    Ca { file: String, reason: String },
    #[error("The certificate {file} does not verify against the CA certificate(s) in {ca}: {reason}")]
    Untrusted { file: String, ca: String, reason: String },
    #[error(
        "Invalid tls-protocols specified. Use a combination of 'TLSv1', 'TLSv1.1', 'TLSv1.2' and 'TLSv1.3'."
    )]
    Protocols,
    #[error("Failed to configure ciphers: {value}: {reason}")]
    Ciphers { value: String, reason: String },
    #[error("Failed to configure ciphersuites: {value}: {reason}")]
    Ciphersuites { value: String, reason: String },
    #[error("Failed to load {file}: {reason}")]
    DhParams { file: String, reason: String },
    /// A value rustls cannot honour.
    #[error("{0}")]
    Unsupported(String),
}

/// What identifies the version of a file on disk.
type FileStamp = Option<(u64, u64, Option<SystemTime>)>;

/// The TLS state shared by the server and the links.
pub struct Tls {
    config: TlsConfig,
    current: ArcSwap<Contexts>,
    /// The files as they were at the last load attempt.
    stamp: Mutex<Vec<FileStamp>>,
    /// Failed handshakes of outgoing links, logged without flooding.
    pub handshakes: HandshakeLog,
}

impl Tls {
    /// Build the TLS configurations, or `None` when TLS is not in use (no `tls-port`, no
    /// `tls-replication`). Relative paths are relative to the current directory.
    pub fn load(config: &TlsConfig) -> Result<Option<Arc<Tls>>, TlsError> {
        if !config.enabled() {
            return Ok(None);
        }
        let stamp = stamp_files(config);
        let contexts = contexts::build(config)?;
        Ok(Some(Arc::new(Tls {
            config: config.clone(),
            current: ArcSwap::from_pointee(contexts),
            stamp: Mutex::new(stamp),
            handshakes: HandshakeLog::default(),
        })))
    }

    /// The acceptor for the `tls-port` listener, with the current certificates.
    pub fn acceptor(&self) -> Option<TlsAcceptor> {
        self.current.load().server.clone().map(TlsAcceptor::from)
    }

    /// The connector for outgoing links, with the current certificates; `None` unless
    /// `tls-replication yes`.
    pub fn connector(&self) -> Option<TlsConnector> {
        self.current.load().client.clone().map(TlsConnector::from)
    }

    /// Whether outgoing links use TLS.
    pub fn for_links(&self) -> bool {
        self.config.replication
    }

    /// Run the client handshake on `tcp` with the peer at `host` (an IP address, or a
    /// hostname that is then sent as SNI and checked against the certificate). Failures are
    /// noted in [`Tls::handshakes`] under `host:port`.
    pub async fn connect(&self, host: &str, port: u16, tcp: TcpStream) -> io::Result<Stream> {
        let Some(connector) = self.connector() else {
            return Err(io::Error::other("TLS is not configured for outgoing links"));
        };
        let name = ServerName::try_from(host.to_string())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{}: {}", host, e)))?;
        let peer = format!("{}:{}", host, port);
        match connector.connect(name, tcp).await {
            Ok(s) => {
                self.handshakes.succeeded(&peer);
                Ok(Stream::Tls(Box::new(s.into())))
            }
            Err(e) => {
                let hint = e
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                    .and_then(material::certificate_hint);
                let reason = match hint {
                    Some(hint) => format!("{} ({})", e, hint),
                    None => e.to_string(),
                };
                self.handshakes.failed(&peer, &reason);
                Err(io::Error::new(e.kind(), format!("TLS handshake failed: {}", reason)))
            }
        }
    }

    /// Re-read every file now. On failure the configuration in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let stamp = stamp_files(&self.config);
        *self.stamp.lock().unwrap_or_else(|e| e.into_inner()) = stamp;
        let contexts = contexts::build(&self.config)?;
        self.current.store(Arc::new(contexts));
        Ok(())
    }

    /// Re-read the files if any changed since the last attempt; logs the outcome. Returns
    /// whether a reload was attempted.
    pub fn reload_if_changed(&self) -> bool {
        let now = stamp_files(&self.config);
        if *self.stamp.lock().unwrap_or_else(|e| e.into_inner()) == now {
            return false;
        }
        self.reload_and_log("the certificate files changed");
        true
    }

    /// [`Tls::reload`], logging the outcome with `why`.
    pub fn reload_and_log(&self, why: &str) {
        match self.reload() {
            Ok(()) => tracing::info!("TLS configuration reloaded ({})", why),
            Err(e) => tracing::warn!(
                "Failed to reload the TLS configuration ({}), keeping the current one: {}",
                why,
                e
            ),
        }
    }
}

/// The files the settings name, in a fixed order (a CA directory counts with each file in it).
fn watched_files(config: &TlsConfig) -> Vec<std::path::PathBuf> {
    let mut files: Vec<std::path::PathBuf> = [
        &config.cert_file,
        &config.key_file,
        &config.client_cert_file,
        &config.client_key_file,
        &config.ca_cert_file,
        &config.dh_params_file,
    ]
    .into_iter()
    .flatten()
    .map(Into::into)
    .collect();
    if let Some(dir) = &config.ca_cert_dir {
        files.push(dir.into());
        if let Ok(entries) = std::fs::read_dir(dir) {
            let mut in_dir: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
            in_dir.sort();
            files.extend(in_dir);
        }
    }
    files
}

fn stamp_files(config: &TlsConfig) -> Vec<FileStamp> {
    watched_files(config).iter().map(|p| stamp(p)).collect()
}

fn stamp(path: &Path) -> FileStamp {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some((m.ino(), m.len(), m.modified().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_off_builds_nothing() {
        assert!(Tls::load(&TlsConfig::default()).unwrap().is_none());
    }

    #[test]
    fn a_changed_file_changes_the_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("c.pem");
        std::fs::write(&f, "one").unwrap();
        let cfg = TlsConfig { cert_file: Some(f.to_string_lossy().into()), ..TlsConfig::default() };
        let before = stamp_files(&cfg);
        assert!(before[0].is_some());
        std::fs::write(&f, "longer").unwrap();
        assert_ne!(stamp_files(&cfg), before);
        std::fs::remove_file(&f).unwrap();
        assert_eq!(stamp_files(&cfg), vec![None]);
    }
}
