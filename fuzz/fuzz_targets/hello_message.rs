//! The hello parser (`core::wire::hello_message`) and the core's hello processing: any
//! payload, never a panic; a hello that parses prints back to the same hello; the core's
//! bounds (epochs, peers per master) hold whatever arrives.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use rsentinel::core::hello::MAX_SENTINELS_PER_MASTER;
use rsentinel::core::wire::hello_message::Hello;
use rsentinel::core::wire::numbers::MAX_EPOCH;

fuzz_target!(|data: &[u8]| {
    if let Ok(h) = Hello::parse(data) {
        assert_eq!(Hello::parse(h.to_string().as_bytes()), Ok(h.clone()));
        assert!(h.current_epoch <= MAX_EPOCH && h.master_config_epoch <= MAX_EPOCH);
    }
    // Several hellos per input (one per line), into one core.
    let (mut s, id) = common::core();
    let mut now = 2_000;
    for payload in data.split(|&b| b == b'\n') {
        s.process_hello(payload, now);
        now += 10;
        s.tick_master(id, now);
        s.drain_actions();
    }
    assert!(s.current_epoch <= MAX_EPOCH);
    for m in s.masters.values() {
        assert!(m.config_epoch <= MAX_EPOCH);
        assert!(m.sentinels.len() <= MAX_SENTINELS_PER_MASTER);
    }
    let _ = s.to_config();
});
