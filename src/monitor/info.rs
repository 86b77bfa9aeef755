//! Parsing the INFO text of monitored redis-servers into the fields Sentinel uses.
