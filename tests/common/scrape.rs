//! Scraping a metrics endpoint as Prometheus would: a real HTTP client (Python's urllib) and
//! the Prometheus client library's own parsers (Debian's python3-prometheus-client, installed
//! by scripts/test.sh): `prometheus_client.parser` for the text format 0.0.4 and the stricter
//! `prometheus_client.openmetrics.parser` for OpenMetrics. A body either parser refuses fails
//! the scrape.

use std::collections::BTreeMap;
use std::process::Command;

const PYTHON: &str = "/usr/bin/python3";

/// Fetch, parse, and print one line per sample: family, type, sample name, value, labels
/// (`k=v` joined by 0x1f). The content type comes first.
const SCRAPER: &str = r#"
import sys, urllib.request
from prometheus_client.parser import text_string_to_metric_families as text_format
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics
port, fmt = sys.argv[1], sys.argv[2]
headers = {"Accept": "application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5"} if fmt == "openmetrics" else {}
req = urllib.request.Request("http://127.0.0.1:%s/metrics" % port, headers=headers)
with urllib.request.urlopen(req, timeout=10) as r:
    ctype, body = r.headers["Content-Type"], r.read().decode()
print("content-type\t" + ctype)
for fam in (openmetrics if fmt == "openmetrics" else text_format)(body):
    for s in fam.samples:
        labels = "\x1f".join("%s=%s" % kv for kv in sorted(s.labels.items()))
        print("\t".join([fam.name, fam.type, s.name, repr(float(s.value)), labels]))
"#;

/// Which exposition format to ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScrapeFormat {
    /// No Accept header: the Prometheus text format 0.0.4.
    Text,
    /// `Accept: application/openmetrics-text`, as Prometheus sends it.
    OpenMetrics,
}

/// One sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// The family's name (a counter's without `_total`).
    pub family: String,
    /// `gauge`, `counter`, `histogram`, ...
    pub kind: String,
    /// The sample's own name (`..._total`, `..._bucket`, ...).
    pub name: String,
    pub value: f64,
    pub labels: BTreeMap<String, String>,
}

/// A parsed scrape.
#[derive(Clone, Debug)]
pub struct Scrape {
    pub content_type: String,
    pub samples: Vec<Sample>,
}

impl Scrape {
    /// Scrape `http://127.0.0.1:<port>/metrics`; panics if the request or the parser fails.
    pub fn get(port: u16, format: ScrapeFormat) -> Scrape {
        Scrape::try_get(port, format).unwrap_or_else(|e| panic!("scrape of :{port} ({format:?}): {e}"))
    }

    /// Like [`Scrape::get`], returning the failure instead.
    pub fn try_get(port: u16, format: ScrapeFormat) -> Result<Scrape, String> {
        let fmt = match format {
            ScrapeFormat::Text => "text",
            ScrapeFormat::OpenMetrics => "openmetrics",
        };
        let out = Command::new(PYTHON)
            .args(["-c", SCRAPER, &port.to_string(), fmt])
            .output()
            .map_err(|e| format!("cannot run {PYTHON}: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let mut lines = text.lines();
        let content_type = lines
            .next()
            .and_then(|l| l.strip_prefix("content-type\t"))
            .ok_or_else(|| format!("no content type in {text}"))?
            .to_string();
        let samples = lines
            .map(|l| {
                let f: Vec<&str> = l.split('\t').collect();
                let labels = f[4]
                    .split('\x1f')
                    .filter(|kv| !kv.is_empty())
                    .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
                    .collect();
                Sample {
                    family: f[0].to_string(),
                    kind: f[1].to_string(),
                    name: f[2].to_string(),
                    value: f[3].parse().unwrap_or(f64::NAN),
                    labels,
                }
            })
            .collect();
        Ok(Scrape { content_type, samples })
    }

    /// The samples named `name` whose labels include `labels`.
    pub fn find(&self, name: &str, labels: &[(&str, &str)]) -> Vec<&Sample> {
        self.samples
            .iter()
            .filter(|s| {
                s.name == name && labels.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
            })
            .collect()
    }

    /// The value of the one sample named `name` with `labels`; `None` if there is none,
    /// panics if there are several.
    pub fn value(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let found = self.find(name, labels);
        assert!(found.len() <= 1, "several samples {name} {labels:?}: {found:?}");
        found.first().map(|s| s.value)
    }

    /// The sum of the samples named `name` whose labels include `labels` (0 if none).
    pub fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.find(name, labels).iter().map(|s| s.value).sum()
    }

    /// The type of family `family`, if present.
    pub fn kind_of(&self, family: &str) -> Option<&str> {
        self.samples.iter().find(|s| s.family == family).map(|s| s.kind.as_str())
    }
}
