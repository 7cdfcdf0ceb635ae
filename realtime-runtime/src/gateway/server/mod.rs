//! The server layer under the routes: how connections are accepted and who answers them.
//!
//! - [`accept`]: the accept loop, HTTP/1.1 connections served with hyper's own builder,
//!   and graceful shutdown.
//! - [`opening`]: the first request of a connection, read to tell an SSE subscription
//!   from anything else.
//! - [`rewind`]: a connection whose first bytes were already read, for hyper to read again.
//! - [`sse_direct`]: SSE subscriptions answered straight on their socket, outside hyper.
//!
//! Every request, however it is read, goes through the same router (see
//! [`super::routes`]); this layer only decides how bytes reach it and leave it.

mod accept;
pub(crate) mod opening;
mod rewind;
mod sse_direct;

pub(crate) use accept::accept_until;
