//! The hello message peers publish on `__sentinel__:hello` every 2 s (§6.6):
//! `ip,port,runid,current_epoch,master_name,master_ip,master_port,master_config_epoch`.

use std::fmt;

use super::numbers::{is_run_id, MAX_EPOCH};

/// The pub/sub channel hellos travel on.
pub const HELLO_CHANNEL: &str = "__sentinel__:hello";

/// One parsed hello.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hello {
    pub ip: String,
    pub port: u16,
    pub runid: String,
    pub current_epoch: u64,
    pub master_name: String,
    pub master_ip: String,
    pub master_port: u16,
    pub master_config_epoch: u64,
}

/// Why a hello was dropped (logged at debug level, never answered).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HelloError {
    #[error("hello is not UTF-8")]
    NotText,
    #[error("hello has {0} fields, expected 8")]
    FieldCount(usize),
    #[error("hello field '{0}' is not a valid {1}")]
    BadField(String, &'static str),
    #[error("hello has an empty {0}")]
    Empty(&'static str),
}

impl Hello {
    /// Parse a payload. Stricter than Redis's atoi-based parse, which reads anything as a
    /// number and takes any run id: a non-numeric port or epoch, an epoch above
    /// [`MAX_EPOCH`], a run id that is not 40 hex digits, or an empty address or name rejects
    /// the message. Sentinels only ever send hellos that pass.
    pub fn parse(payload: &[u8]) -> Result<Hello, HelloError> {
        let s = std::str::from_utf8(payload).map_err(|_| HelloError::NotText)?;
        let t: Vec<&str> = s.split(',').collect();
        if t.len() != 8 {
            return Err(HelloError::FieldCount(t.len()));
        }
        let port = |v: &str| v.parse::<u16>().map_err(|_| HelloError::BadField(v.to_string(), "port"));
        let epoch = |v: &str| match v.parse::<u64>() {
            Ok(e) if e <= MAX_EPOCH => Ok(e),
            _ => Err(HelloError::BadField(v.to_string(), "epoch")),
        };
        for (v, what) in [(t[0], "ip"), (t[2], "runid"), (t[4], "master name"), (t[5], "master ip")] {
            if v.is_empty() {
                return Err(HelloError::Empty(what));
            }
        }
        if !is_run_id(t[2]) {
            return Err(HelloError::BadField(t[2].to_string(), "run id"));
        }
        Ok(Hello {
            ip: t[0].to_string(),
            port: port(t[1])?,
            runid: t[2].to_string(),
            current_epoch: epoch(t[3])?,
            master_name: t[4].to_string(),
            master_ip: t[5].to_string(),
            master_port: port(t[6])?,
            master_config_epoch: epoch(t[7])?,
        })
    }
}

impl fmt::Display for Hello {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{},{},{},{},{},{},{},{}",
            self.ip,
            self.port,
            self.runid,
            self.current_epoch,
            self.master_name,
            self.master_ip,
            self.master_port,
            self.master_config_epoch
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let s = "127.0.0.1,30012,0079450eaa67cffc2668dbfba10d8d3c99e066cb,0,mymaster,127.0.0.1,30001,0";
        let h = Hello::parse(s.as_bytes()).unwrap();
        assert_eq!(h.port, 30012);
        assert_eq!(h.master_name, "mymaster");
        assert_eq!(h.to_string(), s);
    }

    #[test]
    fn malformed() {
        assert_eq!(Hello::parse(b"a,b,c"), Err(HelloError::FieldCount(3)));
        assert!(matches!(Hello::parse(b"1.1.1.1,x,id,0,m,1.1.1.1,1,0"), Err(HelloError::BadField(..))));
        assert!(matches!(Hello::parse(b"1.1.1.1,1,,0,m,1.1.1.1,1,0"), Err(HelloError::Empty("runid"))));
        assert!(matches!(Hello::parse(b"1.1.1.1,1,id,-1,m,1.1.1.1,1,0"), Err(HelloError::BadField(..))));
        assert_eq!(Hello::parse(&[0xff, 0xfe]), Err(HelloError::NotText));
    }

    /// The probe: a forged hello with config epoch 2^64 - 1 was stored, and the next failover
    /// wrapped the epoch to 0. Epochs from 2^63 on, and run ids that are not 40 hex digits,
    /// are refused.
    #[test]
    fn epochs_and_run_ids_are_bounded() {
        let id = "0079450eaa67cffc2668dbfba10d8d3c99e066cb";
        let hello = |runid: &str, epoch: &str, config_epoch: &str| {
            Hello::parse(format!("1.1.1.1,1,{runid},{epoch},m,1.1.1.1,1,{config_epoch}").as_bytes())
        };
        assert!(hello(id, "9223372036854775807", "9223372036854775807").is_ok());
        for big in ["9223372036854775808", "18446744073709551615", "18446744073709551616"] {
            assert_eq!(hello(id, big, "0"), Err(HelloError::BadField(big.into(), "epoch")));
            assert_eq!(hello(id, "0", big), Err(HelloError::BadField(big.into(), "epoch")));
        }
        assert!(hello(&id.to_uppercase(), "0", "0").is_ok());
        for bad in ["id", &id[..39], &format!("{id}0"), &format!("{}g", &id[..39])] {
            assert_eq!(hello(bad, "0", "0"), Err(HelloError::BadField(bad.to_string(), "run id")));
        }
    }
}
