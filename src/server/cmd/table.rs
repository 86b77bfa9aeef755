//! The command table of sentinel mode: the 15 commands Redis 7.0.15 registers with the
//! `CMD_SENTINEL` flag, with their subcommands, arities, flags, ACL categories, tips, docs and
//! the handler that runs each one.
//!
//! The data mirrors Redis's `commands.c` (generated there from `src/commands/*.json`) for these
//! commands, as `COMMAND INFO` and `COMMAND DOCS` report it from redis-sentinel 7.0.15. Every
//! entry gives its name, arity and handler; flags, categories, tips, channel arguments and
//! docs default to none (see [`Spec::new`], [`Doc::new`] and [`arg`]). None of these commands
//! has key arguments, so first/last key and step are always 0 and there are no key specs.
//!
//! Handlers are [`Run::Now`] when they answer on the connection's task (client state, server
//! state, the read model) and [`Run::Wait`] when they wait for the core task. Valkey 8's names
//! for four SENTINEL subcommands (`PRIMARY`, `PRIMARIES`, `GET-PRIMARY-ADDR-BY-NAME`,
//! `IS-PRIMARY-DOWN-BY-ADDR`) are entries of their own, as valkey-sentinel 8.1.8's `COMMAND
//! INFO` and `COMMAND DOCS` report them, each the [`Spec::twin`] of its Redis 7.0 subcommand
//! (same handler, same ACL permission, not listed; see the README's Valkey section).

use super::spec::{arg, block, oneof, token, ArgKind as K, Cat as C, Channels, Doc, Flag as F, Group as G};
use super::spec::{Profile, Run, Spec, Waiting};
use super::{acl, auth, client, command, container, hello, info, ping, publish, shutdown, subscribe, Ctx};
use crate::server::sentinel as s;

/// SENTINEL subcommands (all but HELP): `admin`, in @admin @slow @dangerous.
const SENTINEL: Profile = Profile::new(&[F::Admin], &[C::Admin, C::Slow, C::Dangerous]);
/// Administrative ACL subcommands.
const ADMIN: Profile =
    Profile::new(&[F::Admin, F::Noscript, F::Loading, F::Stale], &[C::Admin, C::Slow, C::Dangerous]);
/// ACL subcommands anyone may run.
const SERVER: Profile = Profile::new(&[F::Noscript, F::Loading, F::Stale], &[C::Slow]);
/// CLIENT subcommands about the calling connection.
const CONNECTION: Profile = Profile::new(&[F::Noscript, F::Loading, F::Stale], &[C::Slow, C::Connection]);
/// CLIENT subcommands that act on other connections.
const CONNECTION_ADMIN: Profile = Profile::new(
    &[F::Admin, F::Noscript, F::Loading, F::Stale],
    &[C::Admin, C::Slow, C::Dangerous, C::Connection],
);

const fn now(f: fn(&mut Ctx)) -> Run {
    Run::Now(f)
}

const fn wait(f: for<'c, 'a> fn(&'c mut Ctx<'a>) -> Waiting<'c>) -> Run {
    Run::Wait(f)
}

/// Top-level commands, sorted by name (Redis's own order is its hash table's, which is
/// random per process).
pub static COMMANDS: &[Spec] = &[
    Spec::new("acl", -2, now(container))
        .acl(&[C::Slow])
        .doc(Doc::new("A container for Access List Control commands ", "6.0.0", G::Server)
            .complexity("Depends on subcommand."))
        .subcommands(&[
            Spec::new("acl|cat", -2, now(acl::cat))
                .profile(SERVER)
                .doc(Doc::new("List the ACL categories or the commands inside a category", "6.0.0", G::Server)
                    .complexity("O(1) since the categories and commands are a fixed set.")
                    .args(&[
                        arg("categoryname", K::String).optional(),
                    ])),
            Spec::new("acl|deluser", -3, now(acl::deluser))
                .profile(ADMIN)
                .doc(Doc::new("Remove the specified ACL users and the associated rules", "6.0.0", G::Server)
                    .complexity("O(1) amortized time considering the typical user.")
                    .args(&[
                        arg("username", K::String).multiple(),
                    ])),
            Spec::new("acl|dryrun", -4, now(acl::dryrun))
                .profile(ADMIN)
                .doc(Doc::new("Returns whether the user can execute the given command without executing the command.", "7.0.0", G::Server)
                    .complexity("O(1).")
                    .args(&[
                        arg("username", K::String),
                        arg("command", K::String),
                        arg("arg", K::String).optional().multiple(),
                    ])),
            Spec::new("acl|genpass", -2, now(acl::genpass))
                .profile(SERVER)
                .doc(Doc::new("Generate a pseudorandom secure password to use for ACL users", "6.0.0", G::Server)
                    .complexity("O(1)")
                    .args(&[
                        arg("bits", K::Integer).optional(),
                    ])),
            Spec::new("acl|getuser", 3, now(acl::getuser))
                .profile(ADMIN)
                .doc(Doc::new("Get the rules for a specific ACL user", "6.0.0", G::Server)
                    .complexity("O(N). Where N is the number of password, command and pattern rules that the user has.")
                    .history(&[("6.2.0", "Added Pub/Sub channel patterns."), ("7.0.0", "Added selectors and changed the format of key and channel patterns from a list to their rule representation.")])
                    .args(&[
                        arg("username", K::String),
                    ])),
            Spec::new("acl|help", 2, now(acl::help))
                .flags(&[F::Loading, F::Stale])
                .acl(&[C::Slow])
                .doc(Doc::new("Show helpful text about the different subcommands", "6.0.0", G::Server)
                    .complexity("O(1)")),
            Spec::new("acl|list", 2, now(acl::list))
                .profile(ADMIN)
                .doc(Doc::new("List the current ACL rules in ACL config file format", "6.0.0", G::Server)
                    .complexity("O(N). Where N is the number of configured users.")),
            Spec::new("acl|load", 2, now(acl::no_acl_file))
                .profile(ADMIN)
                .doc(Doc::new("Reload the ACLs from the configured ACL file", "6.0.0", G::Server)
                    .complexity("O(N). Where N is the number of configured users.")),
            Spec::new("acl|log", -2, now(acl::log))
                .profile(ADMIN)
                .doc(Doc::new("List latest events denied because of ACLs in place", "6.0.0", G::Server)
                    .complexity("O(N) with N being the number of entries shown.")
                    .args(&[
                        oneof("operation", &[arg("count", K::Integer), token("reset", "RESET")]).optional(),
                    ])),
            Spec::new("acl|save", 2, now(acl::no_acl_file))
                .profile(ADMIN)
                .doc(Doc::new("Save the current ACL rules in the configured ACL file", "6.0.0", G::Server)
                    .complexity("O(N). Where N is the number of configured users.")),
            Spec::new("acl|setuser", -3, now(acl::setuser))
                .profile(ADMIN)
                .doc(Doc::new("Modify or create the rules for a specific ACL user", "6.0.0", G::Server)
                    .complexity("O(N). Where N is the number of rules provided.")
                    .history(&[("6.2.0", "Added Pub/Sub channel patterns."), ("7.0.0", "Added selectors and key based permissions.")])
                    .args(&[
                        arg("username", K::String),
                        arg("rule", K::String).optional().multiple(),
                    ])),
            Spec::new("acl|users", 2, now(acl::users))
                .profile(ADMIN)
                .doc(Doc::new("List the username of all the configured ACL rules", "6.0.0", G::Server)
                    .complexity("O(N). Where N is the number of configured users.")),
            Spec::new("acl|whoami", 2, now(acl::whoami))
                .profile(SERVER)
                .doc(Doc::new("Return the name of the user associated to the current connection", "6.0.0", G::Server)
                    .complexity("O(1)")),
        ]),
    Spec::new("auth", -2, now(auth::run))
        .flags(&[F::Noscript, F::Loading, F::Stale, F::Fast, F::NoAuth, F::AllowBusy])
        .acl(&[C::Fast, C::Connection])
        .doc(Doc::new("Authenticate to the server", "1.0.0", G::Connection)
            .complexity("O(N) where N is the number of passwords defined for the user")
            .history(&[("6.0.0", "Added ACL style (username and password).")])
            .args(&[
                arg("username", K::String).since("6.0.0").optional(),
                arg("password", K::String),
            ])),
    Spec::new("client", -2, now(container))
        .acl(&[C::Slow])
        .doc(Doc::new("A container for client connection commands", "2.4.0", G::Connection)
            .complexity("Depends on subcommand."))
        .subcommands(&[
            Spec::new("client|caching", 3, now(client::caching))
                .profile(CONNECTION)
                .doc(Doc::new("Instruct the server about tracking or not keys in the next request", "6.0.0", G::Connection)
                    .complexity("O(1)")
                    .args(&[
                        oneof("mode", &[token("yes", "YES"), token("no", "NO")]),
                    ])),
            Spec::new("client|getname", 2, now(client::getname))
                .profile(CONNECTION)
                .doc(Doc::new("Get the current connection name", "2.6.9", G::Connection)
                    .complexity("O(1)")),
            Spec::new("client|getredir", 2, now(client::getredir))
                .profile(CONNECTION)
                .doc(Doc::new("Get tracking notifications redirection client ID if any", "6.0.0", G::Connection)
                    .complexity("O(1)")),
            Spec::new("client|help", 2, now(client::help))
                .flags(&[F::Loading, F::Stale])
                .acl(&[C::Slow, C::Connection])
                .doc(Doc::new("Show helpful text about the different subcommands", "5.0.0", G::Connection)
                    .complexity("O(1)")),
            Spec::new("client|id", 2, now(client::id))
                .profile(CONNECTION)
                .doc(Doc::new("Returns the client ID for the current connection", "5.0.0", G::Connection)
                    .complexity("O(1)")),
            Spec::new("client|info", 2, now(client::info))
                .profile(CONNECTION)
                .tips(&["nondeterministic_output"])
                .doc(Doc::new("Returns information about the current client connection.", "6.2.0", G::Connection)
                    .complexity("O(1)")),
            Spec::new("client|kill", -3, now(client::kill))
                .profile(CONNECTION_ADMIN)
                .doc(Doc::new("Kill the connection of a client", "2.4.0", G::Connection)
                    .complexity("O(N) where N is the number of client connections")
                    .history(&[("2.8.12", "Added new filter format."), ("2.8.12", "`ID` option."), ("3.2.0", "Added `master` type in for `TYPE` option."), ("5.0.0", "Replaced `slave` `TYPE` with `replica`. `slave` still supported for backward compatibility."), ("6.2.0", "`LADDR` option.")])
                    .args(&[
                        oneof("filter", &[arg("ip:port", K::String).deprecated_since("2.8.12"), oneof("new-format", &[arg("client-id", K::Integer).token("ID").since("2.8.12").optional(), oneof("normal_master_slave_pubsub", &[token("normal", "NORMAL"), token("master", "MASTER").since("3.2.0"), token("slave", "SLAVE"), token("replica", "REPLICA").since("5.0.0"), token("pubsub", "PUBSUB")]).token("TYPE").since("2.8.12").optional(), arg("username", K::String).token("USER").optional(), arg("ip:port", K::String).token("ADDR").optional(), arg("ip:port", K::String).token("LADDR").since("6.2.0").optional(), arg("yes/no", K::String).token("SKIPME").optional()]).multiple()]),
                    ])),
            Spec::new("client|list", -2, now(client::list))
                .profile(CONNECTION_ADMIN)
                .tips(&["nondeterministic_output"])
                .doc(Doc::new("Get the list of client connections", "2.4.0", G::Connection)
                    .complexity("O(N) where N is the number of client connections")
                    .history(&[("2.8.12", "Added unique client `id` field."), ("5.0.0", "Added optional `TYPE` filter."), ("6.0.0", "Added `user` field."), ("6.2.0", "Added `argv-mem`, `tot-mem`, `laddr` and `redir` fields and the optional `ID` filter."), ("7.0.0", "Added `resp`, `multi-mem`, `rbs` and `rbp` fields."), ("7.0.3", "Added `ssub` field.")])
                    .args(&[
                        oneof("normal_master_replica_pubsub", &[token("normal", "NORMAL"), token("master", "MASTER"), token("replica", "REPLICA"), token("pubsub", "PUBSUB")]).token("TYPE").since("5.0.0").optional(),
                        block("id", &[arg("client-id", K::Integer).multiple()]).token("ID").since("6.2.0").optional(),
                    ])),
            Spec::new("client|no-evict", 3, now(client::no_evict))
                .profile(CONNECTION_ADMIN)
                .doc(Doc::new("Set client eviction mode for the current connection", "7.0.0", G::Connection)
                    .complexity("O(1)")
                    .args(&[
                        oneof("enabled", &[token("on", "ON"), token("off", "OFF")]),
                    ])),
            Spec::new("client|pause", -3, now(client::pause))
                .profile(CONNECTION_ADMIN)
                .doc(Doc::new("Stop processing commands from clients for some time", "2.9.50", G::Connection)
                    .complexity("O(1)")
                    .history(&[("6.2.0", "`CLIENT PAUSE WRITE` mode added along with the `mode` option.")])
                    .args(&[
                        arg("timeout", K::Integer),
                        oneof("mode", &[token("write", "WRITE"), token("all", "ALL")]).since("6.2.0").optional(),
                    ])),
            Spec::new("client|reply", 3, now(client::reply))
                .profile(CONNECTION)
                .doc(Doc::new("Instruct the server whether to reply to commands", "3.2.0", G::Connection)
                    .complexity("O(1)")
                    .args(&[
                        oneof("on_off_skip", &[token("on", "ON"), token("off", "OFF"), token("skip", "SKIP")]),
                    ])),
            Spec::new("client|setname", 3, now(client::setname))
                .profile(CONNECTION)
                .doc(Doc::new("Set the current connection name", "2.6.9", G::Connection)
                    .complexity("O(1)")
                    .args(&[
                        arg("connection-name", K::String),
                    ])),
            Spec::new("client|tracking", -3, now(client::tracking))
                .profile(CONNECTION)
                .doc(Doc::new("Enable or disable server assisted client side caching support", "6.0.0", G::Connection)
                    .complexity("O(1). Some options may introduce additional complexity.")
                    .args(&[
                        oneof("status", &[token("on", "ON"), token("off", "OFF")]),
                        arg("client-id", K::Integer).token("REDIRECT").optional(),
                        arg("prefix", K::String).token("PREFIX").optional().multiple().multiple_token(),
                        token("bcast", "BCAST").optional(),
                        token("optin", "OPTIN").optional(),
                        token("optout", "OPTOUT").optional(),
                        token("noloop", "NOLOOP").optional(),
                    ])),
            Spec::new("client|trackinginfo", 2, now(client::trackinginfo))
                .profile(CONNECTION)
                .doc(Doc::new("Return information about server assisted client side caching for the current connection", "6.2.0", G::Connection)
                    .complexity("O(1)")),
            Spec::new("client|unblock", -3, now(client::unblock))
                .profile(CONNECTION_ADMIN)
                .doc(Doc::new("Unblock a client blocked in a blocking command from a different connection", "5.0.0", G::Connection)
                    .complexity("O(log N) where N is the number of client connections")
                    .args(&[
                        arg("client-id", K::Integer),
                        oneof("timeout_error", &[token("timeout", "TIMEOUT"), token("error", "ERROR")]).optional(),
                    ])),
            Spec::new("client|unpause", 2, now(client::unpause))
                .profile(CONNECTION_ADMIN)
                .doc(Doc::new("Resume processing of clients that were paused", "6.2.0", G::Connection)
                    .complexity("O(N) Where N is the number of paused clients")),
        ]),
    Spec::new("command", -1, now(command::all))
        .flags(&[F::Loading, F::Stale])
        .acl(&[C::Slow, C::Connection])
        .tips(&["nondeterministic_output_order"])
        .doc(Doc::new("Get array of Redis command details", "2.8.13", G::Server)
            .complexity("O(N) where N is the total number of Redis commands"))
        .subcommands(&[
            Spec::new("command|count", 2, now(command::count))
                .flags(&[F::Loading, F::Stale])
                .acl(&[C::Slow, C::Connection])
                .doc(Doc::new("Get total number of Redis commands", "2.8.13", G::Server)
                    .complexity("O(1)")),
            Spec::new("command|docs", -2, now(command::docs))
                .flags(&[F::Loading, F::Stale])
                .acl(&[C::Slow, C::Connection])
                .tips(&["nondeterministic_output_order"])
                .doc(Doc::new("Get array of specific Redis command documentation", "7.0.0", G::Server)
                    .complexity("O(N) where N is the number of commands to look up")
                    .args(&[
                        arg("command-name", K::String).optional().multiple(),
                    ])),
            Spec::new("command|getkeys", -4, now(command::getkeys))
                .flags(&[F::Loading, F::Stale])
                .acl(&[C::Slow, C::Connection])
                .doc(Doc::new("Extract keys given a full Redis command", "2.8.13", G::Server)
                    .complexity("O(N) where N is the number of arguments to the command")),
            Spec::new("command|getkeysandflags", -4, now(command::getkeys))
                .flags(&[F::Loading, F::Stale])
                .acl(&[C::Slow, C::Connection])
                .doc(Doc::new("Extract keys and access flags given a full Redis command", "7.0.0", G::Server)
                    .complexity("O(N) where N is the number of arguments to the command")),
            Spec::new("command|help", 2, now(command::help))
                .flags(&[F::Loading, F::Stale])
                .acl(&[C::Slow, C::Connection])
                .doc(Doc::new("Show helpful text about the different subcommands", "5.0.0", G::Server)
                    .complexity("O(1)")),
            Spec::new("command|info", -2, now(command::info))
                .flags(&[F::Loading, F::Stale])
                .acl(&[C::Slow, C::Connection])
                .tips(&["nondeterministic_output_order"])
                .doc(Doc::new("Get array of specific Redis command details, or all when no argument is given.", "2.8.13", G::Server)
                    .complexity("O(N) where N is the number of commands to look up")
                    .history(&[("7.0.0", "Allowed to be called with no argument to get info on all commands.")])
                    .args(&[
                        arg("command-name", K::String).optional().multiple(),
                    ])),
            Spec::new("command|list", -2, now(command::list))
                .flags(&[F::Loading, F::Stale])
                .acl(&[C::Slow, C::Connection])
                .tips(&["nondeterministic_output_order"])
                .doc(Doc::new("Get an array of Redis command names", "7.0.0", G::Server)
                    .complexity("O(N) where N is the total number of Redis commands")
                    .args(&[
                        oneof("filterby", &[arg("module-name", K::String).token("MODULE"), arg("category", K::String).token("ACLCAT"), arg("pattern", K::Pattern).token("PATTERN")]).token("FILTERBY").optional(),
                    ])),
        ]),
    Spec::new("hello", -1, now(hello::run))
        .flags(&[F::Noscript, F::Loading, F::Stale, F::Fast, F::NoAuth, F::AllowBusy])
        .acl(&[C::Fast, C::Connection])
        .doc(Doc::new("Handshake with Redis", "6.0.0", G::Connection)
            .complexity("O(1)")
            .history(&[("6.2.0", "`protover` made optional; when called without arguments the command reports the current connection's context.")])
            .args(&[
                block("arguments", &[arg("protover", K::Integer), block("username_password", &[arg("username", K::String), arg("password", K::String)]).token("AUTH").optional(), arg("clientname", K::String).token("SETNAME").optional()]).optional(),
            ])),
    Spec::new("info", -1, now(info::run))
        .flags(&[F::Loading, F::Stale])
        .acl(&[C::Slow, C::Dangerous])
        .tips(&["nondeterministic_output", "request_policy:all_shards", "response_policy:special"])
        .doc(Doc::new("Get information and statistics about the server", "1.0.0", G::Server)
            .complexity("O(1)")
            .history(&[("7.0.0", "Added support for taking multiple section arguments.")])
            .args(&[
                arg("section", K::String).optional().multiple(),
            ])),
    Spec::new("ping", -1, now(ping::run))
        .flags(&[F::Fast])
        .acl(&[C::Fast, C::Connection])
        .tips(&["request_policy:all_shards", "response_policy:all_succeeded"])
        .doc(Doc::new("Ping the server", "1.0.0", G::Connection)
            .complexity("O(1)")
            .args(&[
                arg("message", K::String).optional(),
            ])),
    Spec::new("psubscribe", -2, now(subscribe::psubscribe))
        .flags(&[F::Pubsub, F::Noscript, F::Loading, F::Stale])
        .acl(&[C::Pubsub, C::Slow])
        .channels(Channels::AllPatterns)
        .doc(Doc::new("Listen for messages published to channels matching the given patterns", "2.0.0", G::Pubsub)
            .complexity("O(N) where N is the number of patterns the client is already subscribed to.")
            .args(&[
                block("pattern", &[arg("pattern", K::Pattern)]).multiple(),
            ])),
    Spec::new("publish", 3, wait(publish::run))
        .flags(&[F::Pubsub, F::Loading, F::Stale, F::Fast])
        .acl(&[C::Pubsub, C::Fast])
        .channels(Channels::First)
        .doc(Doc::new("Post a message to a channel", "2.0.0", G::Pubsub)
            .complexity("O(N+M) where N is the number of clients subscribed to the receiving channel and M is the total number of subscribed patterns (by any client).")
            .args(&[
                arg("channel", K::String),
                arg("message", K::String),
            ])),
    Spec::new("punsubscribe", -1, now(subscribe::punsubscribe))
        .flags(&[F::Pubsub, F::Noscript, F::Loading, F::Stale])
        .acl(&[C::Pubsub, C::Slow])
        .doc(Doc::new("Stop listening for messages posted to channels matching the given patterns", "2.0.0", G::Pubsub)
            .complexity("O(N+M) where N is the number of patterns the client is already subscribed and M is the number of total patterns subscribed in the system (by any client).")
            .args(&[
                arg("pattern", K::Pattern).optional().multiple(),
            ])),
    Spec::new("role", 1, now(s::role))
        .flags(&[F::Noscript, F::Loading, F::Stale, F::Fast])
        .acl(&[C::Admin, C::Fast, C::Dangerous])
        .doc(Doc::new("Return the role of the instance in the context of replication", "2.8.12", G::Server)
            .complexity("O(1)")),
    Spec::new("sentinel", -2, now(container))
        .profile(SENTINEL)
        .doc(Doc::new("A container for Sentinel commands", "2.8.4", G::Sentinel)
            .complexity("Depends on subcommand."))
        .subcommands(&[
            Spec::new("sentinel|ckquorum", 3, now(s::ckquorum::run))
                .profile(SENTINEL)
                .doc(Doc::new("Check for a Sentinel quorum", "2.8.4", G::Sentinel)
                    .args(&[
                        arg("master-name", K::String),
                    ])),
            Spec::new("sentinel|config", -3, wait(s::config::run))
                .profile(SENTINEL)
                .doc(Doc::new("Configure Sentinel", "6.2.0", G::Sentinel)
                    .complexity("O(1)")
                    .args(&[
                        oneof("set_or_get", &[block("set_param_value", &[arg("parameter", K::String), arg("value", K::String)]).token("SET").multiple(), arg("parameter", K::String).token("GET").multiple()]),
                    ])),
            Spec::new("sentinel|debug", -2, wait(s::debug::run))
                .profile(SENTINEL)
                .doc(Doc::new("List or update the current configurable parameters", "7.0.0", G::Sentinel)
                    .complexity("O(N) where N is the number of configurable parameters")
                    .args(&[
                        block("parameter_value", &[arg("parameter", K::String), arg("value", K::String)]).multiple(),
                    ])),
            Spec::new("sentinel|failover", 3, wait(s::failover::run))
                .profile(SENTINEL)
                .doc(Doc::new("Force a failover", "2.8.4", G::Sentinel)
                    .args(&[
                        arg("master-name", K::String),
                    ])),
            Spec::new("sentinel|flushconfig", 2, wait(s::flushconfig::run))
                .profile(SENTINEL)
                .doc(Doc::new("Rewrite configuration file", "2.8.4", G::Sentinel)
                    .complexity("O(1)")),
            Spec::new("sentinel|get-master-addr-by-name", 3, now(s::masters::get_master_addr_by_name))
                .profile(SENTINEL)
                .doc(Doc::new("Get port and address of a master", "2.8.4", G::Sentinel)
                    .complexity("O(1)")
                    .args(&[
                        arg("master-name", K::String),
                    ])),
            Spec::new("sentinel|get-primary-addr-by-name", 3, now(s::masters::get_master_addr_by_name))
                .twin("sentinel|get-master-addr-by-name")
                .profile(SENTINEL)
                .doc(Doc::new("Returns the port and address of a primary instance.", "8.0.0", G::Sentinel)
                    .complexity("O(1)")
                    .args(&[arg("primary-name", K::String)])),
            Spec::new("sentinel|help", 2, now(s::help::run))
                .flags(&[F::Loading, F::Stale])
                .acl(&[C::Slow])
                .doc(Doc::new("Show helpful text about the different subcommands", "6.2.0", G::Sentinel)
                    .complexity("O(1)")),
            Spec::new("sentinel|info-cache", -3, now(s::info_cache::run))
                .fresh()
                .profile(SENTINEL)
                .doc(Doc::new("Get cached INFO from the instances in the deployment", "3.2.0", G::Sentinel)
                    .complexity("O(N) where N is the number of instances")
                    .args(&[
                        arg("nodename", K::String).multiple(),
                    ])),
            Spec::new("sentinel|is-master-down-by-addr", 6, wait(s::is_master_down::run))
                .profile(SENTINEL)
                .doc(Doc::new("Check if a master is down", "2.8.4", G::Sentinel)
                    .complexity("O(1)")
                    .args(&[
                        arg("ip", K::String),
                        arg("port", K::Integer),
                        arg("current-epoch", K::Integer),
                        arg("runid", K::String),
                    ])),
            Spec::new("sentinel|is-primary-down-by-addr", 6, wait(s::is_master_down::run))
                .twin("sentinel|is-master-down-by-addr")
                .profile(SENTINEL)
                .doc(Doc::new("Determines whether a primary instance is down.", "8.0.0", G::Sentinel)
                    .complexity("O(1)")
                    .args(&[
                        arg("ip", K::String),
                        arg("port", K::Integer),
                        arg("current-epoch", K::Integer),
                        arg("runid", K::String),
                    ])),
            Spec::new("sentinel|master", 3, now(s::masters::master))
                .fresh()
                .profile(SENTINEL)
                .doc(Doc::new("Shows the state of a master", "2.8.4", G::Sentinel)
                    .complexity("O(1)")
                    .args(&[
                        arg("master-name", K::String),
                    ])),
            Spec::new("sentinel|masters", 2, now(s::masters::masters))
                .fresh()
                .profile(SENTINEL)
                .doc(Doc::new("List the monitored masters", "2.8.4", G::Sentinel)
                    .complexity("O(N) where N is the number of masters")),
            Spec::new("sentinel|monitor", 6, wait(s::monitor::run))
                .profile(SENTINEL)
                .doc(Doc::new("Start monitoring", "2.8.4", G::Sentinel)
                    .complexity("O(1)")
                    .args(&[
                        arg("name", K::String),
                        arg("ip", K::String),
                        arg("port", K::Integer),
                        arg("quorum", K::Integer),
                    ])),
            Spec::new("sentinel|myid", 2, now(s::masters::myid))
                .profile(SENTINEL)
                .doc(Doc::new("Get the Sentinel instance ID", "6.2.0", G::Sentinel)
                    .complexity("O(1)")),
            Spec::new("sentinel|pending-scripts", 2, now(s::pending_scripts::run))
                .fresh()
                .profile(SENTINEL)
                .doc(Doc::new("Get information about pending scripts", "2.8.4", G::Sentinel)),
            Spec::new("sentinel|primaries", 2, now(s::masters::masters))
                .twin("sentinel|masters")
                .fresh()
                .profile(SENTINEL)
                .doc(Doc::new("Returns a list of monitored primaries.", "8.0.0", G::Sentinel)
                    .complexity("O(N) where N is the number of primaries")),
            Spec::new("sentinel|primary", 3, now(s::masters::master))
                .twin("sentinel|master")
                .fresh()
                .profile(SENTINEL)
                .doc(Doc::new("Returns the state of a primary instance.", "8.0.0", G::Sentinel)
                    .complexity("O(1)")
                    .args(&[arg("primary-name", K::String)])),
            Spec::new("sentinel|remove", 3, wait(s::remove::run))
                .profile(SENTINEL)
                .doc(Doc::new("Stop monitoring", "2.8.4", G::Sentinel)
                    .complexity("O(1)")
                    .args(&[
                        arg("master-name", K::String),
                    ])),
            Spec::new("sentinel|replicas", 3, now(s::replicas::replicas))
                .fresh()
                .profile(SENTINEL)
                .doc(Doc::new("List the monitored replicas", "5.0.0", G::Sentinel)
                    .complexity("O(N) where N is the number of replicas")
                    .args(&[
                        arg("master-name", K::String),
                    ])),
            Spec::new("sentinel|reset", 3, wait(s::reset::run))
                .profile(SENTINEL)
                .doc(Doc::new("Reset masters by name pattern", "2.8.4", G::Sentinel)
                    .complexity("O(N) where N is the number of monitored masters")
                    .args(&[
                        arg("pattern", K::Pattern),
                    ])),
            Spec::new("sentinel|sentinels", 3, now(s::replicas::sentinels))
                .fresh()
                .profile(SENTINEL)
                .doc(Doc::new("List the Sentinel instances", "2.8.4", G::Sentinel)
                    .complexity("O(N) where N is the number of Sentinels")
                    .args(&[
                        arg("master-name", K::String),
                    ])),
            Spec::new("sentinel|set", -5, wait(s::set::run))
                .profile(SENTINEL)
                .doc(Doc::new("Change the configuration of a monitored master", "2.8.4", G::Sentinel)
                    .complexity("O(1)")
                    .args(&[
                        arg("master-name", K::String),
                        block("option_value", &[arg("option", K::String), arg("value", K::String)]).multiple(),
                    ])),
            Spec::new("sentinel|simulate-failure", -3, wait(s::simulate_failure::run))
                .profile(SENTINEL)
                .doc(Doc::new("Simulate failover scenarios", "3.2.0", G::Sentinel)
                    .args(&[
                        oneof("mode", &[arg("crash-after-election", K::PureToken), arg("crash-after-promotion", K::PureToken), arg("help", K::PureToken)]).optional().multiple(),
                    ])),
            Spec::new("sentinel|slaves", 3, now(s::replicas::replicas))
                .fresh()
                .profile(SENTINEL)
                .doc(Doc::new("List the monitored slaves", "2.8.0", G::Sentinel)
                    .complexity("O(N) where N is the number of slaves")
                    .deprecated("5.0.0", "`SENTINEL REPLICAS`")
                    .args(&[
                        arg("master-name", K::String),
                    ])),
        ]),
    Spec::new("shutdown", -1, now(shutdown::run))
        .flags(&[F::Admin, F::Noscript, F::Loading, F::Stale, F::NoMulti, F::AllowBusy])
        .acl(&[C::Admin, C::Slow, C::Dangerous])
        .doc(Doc::new("Synchronously save the dataset to disk and then shut down the server", "1.0.0", G::Server)
            .complexity("O(N) when saving, where N is the total number of keys in all databases when saving data, otherwise O(1)")
            .history(&[("7.0.0", "Added the `NOW`, `FORCE` and `ABORT` modifiers.")])
            .args(&[
                oneof("nosave_save", &[token("nosave", "NOSAVE"), token("save", "SAVE")]).optional(),
                token("now", "NOW").since("7.0.0").optional(),
                token("force", "FORCE").since("7.0.0").optional(),
                token("abort", "ABORT").since("7.0.0").optional(),
            ])),
    Spec::new("subscribe", -2, now(subscribe::subscribe))
        .flags(&[F::Pubsub, F::Noscript, F::Loading, F::Stale])
        .acl(&[C::Pubsub, C::Slow])
        .channels(Channels::All)
        .doc(Doc::new("Listen for messages published to the given channels", "2.0.0", G::Pubsub)
            .complexity("O(N) where N is the number of channels to subscribe to.")
            .args(&[
                arg("channel", K::String).multiple(),
            ])),
    Spec::new("unsubscribe", -1, now(subscribe::unsubscribe))
        .flags(&[F::Pubsub, F::Noscript, F::Loading, F::Stale])
        .acl(&[C::Pubsub, C::Slow])
        .doc(Doc::new("Stop listening for messages posted to the given channels", "2.0.0", G::Pubsub)
            .complexity("O(N) where N is the number of clients already subscribed to a channel.")
            .args(&[
                arg("channel", K::String).optional().multiple(),
            ])),
];
