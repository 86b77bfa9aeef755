//! Reading the files the `tls-*` directives name: certificate chains, private keys (plain
//! PKCS#1 / SEC1 / PKCS#8, or PKCS#8 encrypted with a password as OpenSSL 3 writes them) and
//! the trusted CA certificates (a file, a directory, or both, as
//! `SSL_CTX_load_verify_locations` takes them).
//!
//! Every error names the file and says what is wrong with it, in the shape of Redis's log
//! lines (`Failed to load certificate: <file>: <reason>`).

use std::path::Path;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::sign::CertifiedKey;
use rustls::RootCertStore;

use super::TlsError;
use crate::config::sys::io_strerror;

/// A certificate chain (leaf first) and the private key that goes with it.
#[derive(Debug)]
pub struct KeyPair {
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// The certificate file, for messages.
    pub cert_file: String,
}

impl Clone for KeyPair {
    fn clone(&self) -> Self {
        KeyPair { chain: self.chain.clone(), key: self.key.clone_key(), cert_file: self.cert_file.clone() }
    }
}

/// Read `cert_file` and `key_file` and check that they belong together.
pub fn load_key_pair(
    cert_file: &str,
    key_file: &str,
    pass: Option<&str>,
    provider: &CryptoProvider,
) -> Result<KeyPair, TlsError> {
    let chain = load_certificates(cert_file)
        .map_err(|reason| TlsError::Certificate { file: cert_file.to_string(), reason })?;
    let key = load_private_key(key_file, pass)
        .map_err(|reason| TlsError::PrivateKey { file: key_file.to_string(), reason })?;
    let certified = CertifiedKey::from_der(chain.clone(), key.clone_key(), provider);
    match certified {
        Ok(_) => Ok(KeyPair { chain, key, cert_file: cert_file.to_string() }),
        Err(rustls::Error::InconsistentKeys(_)) => Err(TlsError::PrivateKey {
            file: key_file.to_string(),
            reason: format!("the key does not match the certificate in {}", cert_file),
        }),
        Err(e @ (rustls::Error::InvalidCertificate(_) | rustls::Error::Other(_))) => {
            Err(TlsError::Certificate { file: cert_file.to_string(), reason: certificate_problem(&e) })
        }
        Err(e) => Err(TlsError::PrivateKey { file: key_file.to_string(), reason: e.to_string() }),
    }
}

/// What is wrong with a certificate, with the fix for the usual cases. rustls's name for the
/// problem (e.g. `UnknownIssuer`) comes first.
pub fn certificate_problem(e: &rustls::Error) -> String {
    let raw = match e {
        rustls::Error::InvalidCertificate(c) => format!("{:?}", c),
        other => format!("{:?}", other),
    };
    match certificate_hint(e) {
        Some(hint) => format!("{} ({})", raw, hint),
        None => raw,
    }
}

/// A plain-words explanation of the usual certificate problems.
pub fn certificate_hint(e: &rustls::Error) -> Option<&'static str> {
    use rustls::CertificateError as C;
    Some(match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => "not signed by a trusted CA",
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "the certificate has expired"
        }
        rustls::Error::InvalidCertificate(C::NotValidYet | C::NotValidYetContext { .. }) => {
            "the certificate is not valid yet"
        }
        _ if format!("{:?}", e).contains("UnsupportedCertVersion") => {
            "an X.509 v1 certificate: rustls accepts only v3 certificates (sign it with v3 extensions, \
             e.g. openssl x509 -req -extfile ext.cnf -extensions leaf)"
        }
        _ => return None,
    })
}

/// The contents of a file, with `strerror`'s text on failure.
fn read(file: &str) -> Result<Vec<u8>, String> {
    std::fs::read(file).map_err(|e| io_strerror(&e))
}

/// Every `CERTIFICATE` block of a PEM file, in order; at least one.
pub fn load_certificates(file: &str) -> Result<Vec<CertificateDer<'static>>, String> {
    let text = read(file)?;
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(&text).collect::<Result<_, _>>().map_err(|e| pem_error(&e))?;
    if certs.is_empty() {
        return Err("no certificate found (expected a PEM 'BEGIN CERTIFICATE' block)".into());
    }
    Ok(certs)
}

fn pem_error(e: &pem::Error) -> String {
    format!("malformed PEM: {}", e)
}

/// The first private key of a PEM file, decrypted with `pass` when it is encrypted.
pub fn load_private_key(file: &str, pass: Option<&str>) -> Result<PrivateKeyDer<'static>, String> {
    let bytes = read(file)?;
    let text = String::from_utf8_lossy(&bytes);
    if text.contains("Proc-Type: 4,ENCRYPTED") {
        return Err("the key is encrypted in OpenSSL's legacy PEM format, which rustls cannot read; \
                    convert it to PKCS#8 (openssl pkcs8 -topk8 -v2 aes-256-cbc)"
            .into());
    }
    if let Some(start) = text.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
        let Some(pass) = pass else {
            return Err("the key is encrypted and no password is configured".into());
        };
        return decrypt_pkcs8(&text[start..], pass);
    }
    match PrivateKeyDer::from_pem_slice(&bytes) {
        Ok(key) => Ok(key),
        Err(pem::Error::NoItemsFound) => {
            Err("no private key found (expected a PEM 'BEGIN PRIVATE KEY' block)".into())
        }
        Err(e) => Err(pem_error(&e)),
    }
}

/// An `ENCRYPTED PRIVATE KEY` block (PKCS#8 with PBES2, what `openssl genpkey -aes256` and
/// `openssl pkcs8 -topk8` write) decrypted with `pass`.
fn decrypt_pkcs8(pem_text: &str, pass: &str) -> Result<PrivateKeyDer<'static>, String> {
    let end = "-----END ENCRYPTED PRIVATE KEY-----";
    let block = match pem_text.find(end) {
        Some(i) => &pem_text[..i + end.len()],
        None => return Err("malformed PEM: no END ENCRYPTED PRIVATE KEY line".into()),
    };
    let (_, der) =
        pkcs8::der::pem::decode_vec(block.as_bytes()).map_err(|e| format!("malformed PEM: {}", e))?;
    let info = pkcs8::EncryptedPrivateKeyInfo::try_from(der.as_slice())
        .map_err(|e| format!("malformed encrypted key: {}", e))?;
    let plain = info.decrypt(pass).map_err(|e| match e {
        pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::UnsupportedAlgorithm { .. }) => {
            "the key is encrypted with an algorithm rustls cannot decrypt; re-encrypt it with \
             openssl pkcs8 -topk8 -v2 aes-256-cbc"
                .to_string()
        }
        _ => "cannot decrypt the key with the configured password".to_string(),
    })?;
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(plain.as_bytes().to_vec())))
}

/// The trusted CAs: every certificate of `ca_file`, and of each file in `ca_dir` (files that
/// hold no certificate are skipped, as OpenSSL's directory lookup only reads the hashed names).
pub fn load_roots(ca_file: Option<&str>, ca_dir: Option<&str>) -> Result<Arc<RootCertStore>, TlsError> {
    let mut roots = RootCertStore::empty();
    if let Some(file) = ca_file {
        let ca_error = |reason: String| TlsError::Ca { file: file.to_string(), reason };
        for cert in load_certificates(file).map_err(ca_error)? {
            roots.add(cert).map_err(|e| ca_error(format!("unusable CA certificate: {}", e)))?;
        }
    }
    if let Some(dir) = ca_dir {
        let ca_error = |reason: String| TlsError::Ca { file: dir.to_string(), reason };
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| ca_error(io_strerror(&e)))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file())
            .collect();
        entries.sort();
        let before = roots.len();
        for path in entries {
            let Ok(certs) = load_certificates(&path.to_string_lossy()) else { continue };
            for cert in certs {
                let _ = roots.add(cert);
            }
        }
        if roots.len() == before {
            return Err(ca_error("no CA certificate found in the directory".into()));
        }
    }
    Ok(Arc::new(roots))
}

/// Whether `file` can be opened for reading (what Redis checks of `tls-dh-params-file`).
pub fn check_readable(file: &str) -> Result<(), String> {
    std::fs::File::open(Path::new(file)).map(|_| ()).map_err(|e| io_strerror(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_files_are_named_with_strerror() {
        let err = load_certificates("/nonexistent/x.crt").unwrap_err();
        assert_eq!(err, "No such file or directory");
        let err = load_private_key("/nonexistent/x.key", None).unwrap_err();
        assert_eq!(err, "No such file or directory");
    }

    #[test]
    fn files_without_pem_blocks_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("empty.pem");
        std::fs::write(&f, "hello\n").unwrap();
        let f = f.to_string_lossy();
        assert!(load_certificates(&f).unwrap_err().contains("no certificate found"));
        assert!(load_private_key(&f, None).unwrap_err().contains("no private key found"));
        let err = load_roots(Some(&f), None).unwrap_err();
        assert!(err
            .to_string()
            .starts_with(&format!("Failed to configure CA certificate(s) file/directory: {}", f)));
        let err = load_roots(None, Some(&dir.path().to_string_lossy())).unwrap_err();
        assert!(err.to_string().contains("no CA certificate found in the directory"), "{}", err);
    }

    #[test]
    fn legacy_encrypted_keys_get_a_conversion_hint() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("legacy.key");
        std::fs::write(
            &f,
            "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-256-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n",
        )
        .unwrap();
        let err = load_private_key(&f.to_string_lossy(), Some("pw")).unwrap_err();
        assert!(err.contains("legacy PEM format") && err.contains("openssl pkcs8 -topk8"), "{}", err);
        let f = dir.path().join("enc.key");
        std::fs::write(
            &f,
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
        )
        .unwrap();
        let err = load_private_key(&f.to_string_lossy(), None).unwrap_err();
        assert_eq!(err, "the key is encrypted and no password is configured");
    }
}
