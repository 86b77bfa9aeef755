//! The INFO parser (`core::wire::info_report`) and what the core does with a master's and a
//! replica's INFO (discovery, role changes, reboots): any text, never a panic.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use rsentinel::core::wire::info_report;
use rsentinel::core::{InstanceRef, Reply, ReplyTag};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let report = info_report::parse(&text);
    if let Some(id) = &report.run_id {
        assert!(id.len() >= 40, "a run id is 40 bytes, one cut character at most widened");
    }
    let (mut s, id) = common::core();
    let replica = s.masters[&id].replicas.keys().next().cloned().expect("fixture replica");
    let mut now = 2_000;
    for who in [InstanceRef::Master(id), InstanceRef::Replica(id, replica), InstanceRef::Master(id)] {
        let Some(link) = s.instance(&who).map(|i| i.link) else { continue };
        s.on_reply(link, ReplyTag::Info(who), Reply::Bulk(data.to_vec()), now);
        now += 100;
        s.tick_master(id, now);
        s.drain_actions();
    }
    // Whatever was learnt can be persisted.
    let _ = s.to_config();
});
