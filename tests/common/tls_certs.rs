//! Test certificates and TLS client settings, made at run time with the `openssl` CLI the way
//! Redis's `utils/gen-test-certs.sh` makes them (a CA, then certificates it signs), except
//! that the leaf certificates are X.509 v3 (rustls, like every webpki verifier, refuses the
//! v1 certificates `openssl x509 -req` makes without extensions) and name 127.0.0.1 and
//! localhost. Nothing secret is committed: every key is generated into a temp dir.
//!
//! A port that speaks TLS only is registered with [`register_tls_port`]; from then on
//! [`super::Client`] connects to it with TLS (presenting the client certificate), so every
//! helper of the harness works unchanged against TLS-only deployments.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex, OnceLock};

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::process;

/// A CA and the certificates it signed, in one directory.
pub struct TestCerts {
    dir: PathBuf,
    /// Keeps the directory alive (and removes it at exit of the owner).
    _tmp: Option<tempfile::TempDir>,
}

/// What a leaf certificate may be used for and which names it carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf {
    /// No usage restriction, names 127.0.0.1 and localhost (servers, sentinels, clients).
    Generic,
    /// Names 127.0.0.1 only (for hostname verification tests).
    IpOnly,
}

static SHARED: OnceLock<TestCerts> = OnceLock::new();
static TLS_PORTS: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// Mark `port` (on 127.0.0.1) as speaking TLS only.
pub fn register_tls_port(port: u16) {
    TLS_PORTS.lock().unwrap_or_else(|e| e.into_inner()).get_or_insert_with(HashSet::new).insert(port);
}

/// Whether `port` was registered as TLS-only.
pub fn is_tls_port(port: u16) -> bool {
    TLS_PORTS.lock().unwrap_or_else(|e| e.into_inner()).as_ref().is_some_and(|p| p.contains(&port))
}

fn openssl(args: &[&str], cwd: &Path) {
    let out = Command::new("openssl").args(args).current_dir(cwd).output().expect("run openssl");
    assert!(
        out.status.success(),
        "openssl {args:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

const EXTENSIONS: &str = "\
[ generic ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
subjectAltName = IP:127.0.0.1, DNS:localhost

[ ip_only ]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
subjectAltName = IP:127.0.0.1
";

impl TestCerts {
    /// The certificates every TLS test of this process shares (made on first use).
    pub fn shared() -> &'static TestCerts {
        SHARED.get_or_init(|| {
            let tmp = process::temp_dir("tls-certs");
            let certs = TestCerts::generate(tmp.path(), "Shared");
            TestCerts { dir: certs.dir, _tmp: Some(tmp) }
        })
    }

    /// A new CA (`<tag> CA`) in `dir` with its `redis` (generic) and `client` certificates.
    pub fn generate(dir: &Path, tag: &str) -> TestCerts {
        std::fs::create_dir_all(dir).expect("cert dir");
        std::fs::write(dir.join("openssl.cnf"), EXTENSIONS).expect("openssl.cnf");
        openssl(
            &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ca.key"],
            dir,
        );
        let subject = format!("/O=Redis Test/CN={tag} Certificate Authority");
        openssl(
            &[
                "req", "-x509", "-new", "-nodes", "-sha256", "-key", "ca.key", "-days", "3650", "-subj",
                &subject, "-out", "ca.crt",
            ],
            dir,
        );
        let certs = TestCerts { dir: dir.to_path_buf(), _tmp: None };
        certs.make_leaf("redis", &format!("{tag} Generic-cert"), Leaf::Generic, true);
        certs.make_leaf("client", &format!("{tag} Client-cert"), Leaf::Generic, false);
        certs
    }

    /// Make `<name>.crt` / `<name>.key`, signed by this CA. `rsa` picks an RSA 2048 key
    /// (else EC P-256), so both kinds of keys are exercised.
    pub fn make_leaf(&self, name: &str, cn: &str, leaf: Leaf, rsa: bool) -> (PathBuf, PathBuf) {
        let key = format!("{name}.key");
        let crt = format!("{name}.crt");
        if rsa {
            openssl(
                &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", &key],
                &self.dir,
            );
        } else {
            openssl(
                &["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", &key],
                &self.dir,
            );
        }
        let csr = self.request(name, cn, &key);
        let ext = match leaf {
            Leaf::Generic => "generic",
            Leaf::IpOnly => "ip_only",
        };
        self.sign(&csr, &crt, Some(ext));
        (self.dir.join(crt), self.dir.join(key))
    }

    /// Sign the request `csr` (a file in the CA dir) into `crt`, with the v3 extensions of
    /// `openssl.cnf` section `extensions`, or none (which makes an X.509 v1 certificate). A
    /// random serial rather than `-CAcreateserial`: tests sign in parallel in one dir.
    pub fn sign(&self, csr: &str, crt: &str, extensions: Option<&str>) {
        let serial = format!("0x{:x}", rand::random::<u64>() >> 1);
        let mut args = vec![
            "x509",
            "-req",
            "-sha256",
            "-in",
            csr,
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-set_serial",
            &serial,
            "-days",
            "365",
            "-out",
            crt,
        ];
        if let Some(section) = extensions {
            args.extend(["-extfile", "openssl.cnf", "-extensions", section]);
        }
        openssl(&args, &self.dir);
    }

    /// Make a certificate request `<name>.csr` for the key file `key` (both in the CA dir).
    pub fn request(&self, name: &str, cn: &str, key: &str) -> String {
        let csr = format!("{name}.csr");
        let subject = format!("/O=Redis Test/CN={cn}");
        openssl(&["req", "-new", "-sha256", "-subj", &subject, "-key", key, "-out", &csr], &self.dir);
        csr
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path(&self, file: &str) -> String {
        self.dir.join(file).to_string_lossy().into_owned()
    }

    pub fn ca(&self) -> String {
        self.path("ca.crt")
    }

    /// The `tls-*` lines for a server or sentinel using the generic certificate: TLS on
    /// `tls_port` only (`port 0`), TLS links.
    pub fn config_lines(&self, tls_port: u16) -> String {
        format!(
            "port 0\ntls-port {tls_port}\ntls-cert-file {}\ntls-key-file {}\ntls-ca-cert-file {}\ntls-replication yes\n",
            self.path("redis.crt"),
            self.path("redis.key"),
            self.ca()
        )
    }

    /// The same settings as `redis-server` arguments.
    pub fn server_args(&self, tls_port: u16) -> Vec<String> {
        let mut args = Vec::new();
        for line in self.config_lines(tls_port).lines() {
            let mut words = line.splitn(2, ' ');
            args.push(format!("--{}", words.next().unwrap_or_default()));
            args.push(words.next().unwrap_or_default().to_string());
        }
        args
    }

    /// `redis-cli` arguments for a TLS connection with the client certificate.
    pub fn cli_args(&self) -> Vec<String> {
        vec![
            "--tls".into(),
            "--cacert".into(),
            self.ca(),
            "--cert".into(),
            self.path("client.crt"),
            "--key".into(),
            self.path("client.key"),
        ]
    }

    /// A rustls client configuration trusting this CA; presents the client certificate when
    /// `with_cert`.
    pub fn client_config(&self, with_cert: bool) -> Arc<rustls::ClientConfig> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        for cert in CertificateDer::pem_file_iter(self.ca()).expect("ca.crt") {
            roots.add(cert.expect("CA certificate")).expect("add CA");
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .with_root_certificates(roots);
        let config = if with_cert {
            let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(self.path("client.crt"))
                .expect("client.crt")
                .map(|c| c.expect("client certificate"))
                .collect();
            let key = PrivateKeyDer::from_pem_file(self.path("client.key")).expect("client.key");
            builder.with_client_auth_cert(chain, key).expect("client certificate")
        } else {
            builder.with_no_client_auth()
        };
        Arc::new(config)
    }

    /// [`TestCerts::client_config`] with the client certificate, made once.
    pub fn default_client_config(&'static self) -> Arc<rustls::ClientConfig> {
        static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
        CONFIG.get_or_init(|| self.client_config(true)).clone()
    }
}

/// The common name of a certificate (DER), for rotation checks.
pub fn common_name(cert: &[u8]) -> String {
    let dir = process::temp_dir("cn");
    let path = dir.path().join("c.der");
    std::fs::write(&path, cert).expect("write cert");
    let out = Command::new("openssl")
        .args(["x509", "-inform", "DER", "-noout", "-subject", "-nameopt", "multiline", "-in"])
        .arg(&path)
        .output()
        .expect("run openssl");
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| {
            l.trim().strip_prefix("commonName").map(|v| v.trim_start_matches([' ', '=']).to_string())
        })
        .unwrap_or_default()
}
