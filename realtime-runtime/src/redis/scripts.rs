//! The Lua scripts the transport runs, and the parsing of their replies.
//!
//! Every script takes the channel's stream as `KEYS[1]` (so they work on a Redis Cluster,
//! where a script may only touch the keys it is given; [`PUBLISH_ONCE`]'s second key shares
//! the stream's slot) and runs by `EVALSHA`, falling back to loading the script when Redis
//! does not know it (after a restart, say).

use std::time::Duration;

use ::redis::aio::ConnectionManager;
use ::redis::{Script, ScriptInvocation, Value};
use realtime_core::MessageId;

use crate::{HistoryLimits, Published, TransportError};

use super::backend;
use super::history::StreamState;

/// The body shared by [`PUBLISH`] and [`PUBLISH_ONCE`]: a Lua function `publish()` that
/// appends the message, trims the stream, refreshes its expiry, announces the message, and
/// returns its id.
macro_rules! publish_function {
    () => {
        r"
-- KEYS[1]: the channel's stream. ARGV[1]: the pub/sub channel; ARGV[2]: the envelope
-- JSON; ARGV[3]: the most entries to keep; ARGV[4]: the oldest an entry may be, in ms.
local function publish()
  local key = KEYS[1]
  local max_len = tonumber(ARGV[3])
  local max_age = tonumber(ARGV[4])
  local id = redis.call('XADD', key, '*', 'e', ARGV[2])
  local trimmed = false
  local time = redis.call('TIME')
  local oldest = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000) - max_age
  if oldest > 0 then
    oldest = string.format('%d', oldest)
    -- Forward from the head: it visits only the aged entries (XREVRANGE from `oldest`
    -- would walk back from the tail over every kept entry, on every publish).
    local aged = redis.call('XRANGE', key, '-', '(' .. oldest .. '-0')
    if #aged > 0 then
      trimmed = aged[#aged][1]
      redis.call('XTRIM', key, 'MINID', oldest)
    end
  end
  local len = redis.call('XLEN', key)
  if len > max_len then
    local excess = redis.call('XRANGE', key, '-', '+', 'COUNT', len - max_len)
    trimmed = excess[#excess][1]
    redis.call('XTRIM', key, 'MAXLEN', max_len)
  end
  if trimmed then
    redis.pcall('XSETID', key, id, 'MAXDELETEDID', trimmed)
  end
  -- A channel nobody publishes to any more vanishes once its newest message is too old.
  redis.call('PEXPIRE', key, ARGV[4])
  redis.call('PUBLISH', ARGV[1], id .. '\n' .. ARGV[2])
  return id
end
"
    };
}

/// Appends a message to its channel's stream, trims the stream, and announces the
/// message, in one atomic step: the `PUBLISH` order is the id order, on every node.
///
/// The trimming is exact, not approximate (`~`): approximate trimming only drops whole
/// macro nodes of the stream (100 entries by default), so a channel limited to 5 messages
/// would keep up to 100. It drops entries older than the age limit, then the oldest over
/// the length limit.
///
/// Redis (7.0) does not record trimmed entries in the stream's `max-deleted-entry-id`
/// (only `XDEL` does), yet that is what tells a complete history from one missing
/// trimmed messages. So the script finds the newest entry it is about to trim and records
/// it with `XSETID ... MAXDELETEDID` (ignored by Redis before 7, which lacks it).
const PUBLISH: &str = concat!(publish_function!(), "return publish()\n");

/// [`PUBLISH`] at most once per idempotency key, in one atomic step: if the key (`KEYS[2]`)
/// holds an id, the message was published already: the script sends nothing and returns
/// that id as a duplicate. Otherwise it publishes, then sets the key to the new id with
/// the given time to live. Of two nodes racing with one key, one publishes.
const PUBLISH_ONCE: &str = concat!(
    publish_function!(),
    r"
-- KEYS[2]: the idempotency key. ARGV[5]: how long to remember it, in ms.
-- Returns {id, 1} for a duplicate (the first message's id), {id, 0} once published.
local first = redis.call('GET', KEYS[2])
if first then
  return {first, 1}
end
local id = publish()
redis.call('SET', KEYS[2], id, 'PX', ARGV[5])
return {id, 0}
"
);

/// Reads a stream's entries from an id on, and the state `complete` is computed from, at
/// one instant.
const STREAM_STATE: &str = r"
-- KEYS[1]: the channel's stream. ARGV[1]: the first id to return, or '' for none.
-- Returns nil if the stream does not exist, else {entries, last-generated-id,
-- max-deleted-entry-id, recorded-first-entry-id, id of the first entry}; the last three
-- are nil when unknown (Redis before 7 has neither of the first two, an empty stream
-- has no first entry).
if redis.call('EXISTS', KEYS[1]) == 0 then
  return false
end
local entries = {}
if ARGV[1] ~= '' then
  entries = redis.call('XRANGE', KEYS[1], ARGV[1], '+')
end
local info = redis.call('XINFO', 'STREAM', KEYS[1])
local fields = {}
for i = 1, #info, 2 do
  fields[info[i]] = info[i + 1]
end
local first = false
if fields['first-entry'] then
  first = fields['first-entry'][1]
end
return {entries, fields['last-generated-id'], fields['max-deleted-entry-id'] or false,
  fields['recorded-first-entry-id'] or false, first}
";

/// The transport's scripts, hashed once.
pub(super) struct Scripts {
    publish: Script,
    publish_once: Script,
    stream_state: Script,
}

/// What [`PUBLISH`] and [`PUBLISH_ONCE`] are given: the message, and where it goes.
pub(super) struct Publishing<'a> {
    /// The channel's stream.
    pub(super) stream: &'a str,
    /// The channel's pub/sub channel.
    pub(super) pubsub: &'a str,
    /// The envelope JSON.
    pub(super) json: &'a [u8],
    pub(super) limits: &'a HistoryLimits,
}

impl Publishing<'_> {
    /// The invocation of `script` with this message's keys and arguments.
    fn invocation<'s>(&self, script: &'s Script) -> ScriptInvocation<'s> {
        let max_age_ms = u64::try_from(self.limits.max_age.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let mut invocation = script.key(self.stream);
        invocation
            .arg(self.pubsub)
            .arg(self.json)
            .arg(self.limits.max_len)
            .arg(max_age_ms);
        invocation
    }
}

impl Scripts {
    pub(super) fn new() -> Self {
        Scripts {
            publish: Script::new(PUBLISH),
            publish_once: Script::new(PUBLISH_ONCE),
            stream_state: Script::new(STREAM_STATE),
        }
    }

    /// Runs [`PUBLISH`]: the id Redis gave the message.
    pub(super) async fn publish(
        &self,
        conn: &mut ConnectionManager,
        message: Publishing<'_>,
    ) -> Result<MessageId, TransportError> {
        let id: String = message
            .invocation(&self.publish)
            .invoke_async(conn)
            .await
            .map_err(backend)?;
        id.parse().map_err(backend)
    }

    /// Runs [`PUBLISH_ONCE`] with the idempotency key `idempotency` (its Redis key) and
    /// its time to live.
    pub(super) async fn publish_once(
        &self,
        conn: &mut ConnectionManager,
        message: Publishing<'_>,
        idempotency: &str,
        ttl: Duration,
    ) -> Result<Published, TransportError> {
        let ttl_ms = u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1);
        let mut invocation = message.invocation(&self.publish_once);
        invocation.key(idempotency).arg(ttl_ms);
        let reply: Value = match invocation.invoke_async(conn).await {
            // As for reads: the first command on a connection lost meanwhile fails and makes
            // the manager reconnect. Keyed, the publish is safe to try again: if the first
            // attempt did run, this one finds the key and sends nothing.
            Err(err) if err.is_connection_dropped() || err.is_io_error() => {
                tracing::debug!(error = %err, "retrying a keyed publish on a new connection");
                invocation.invoke_async(conn).await
            }
            reply => reply,
        }
        .map_err(backend)?;
        parse_published(reply).map_err(|what| backend(format!("unexpected reply from Redis: {what}")))
    }

    /// Runs [`STREAM_STATE`]: `None` if the stream does not exist. With `after`, the
    /// entries with a greater id; without, none.
    pub(super) async fn stream_state(
        &self,
        conn: &mut ConnectionManager,
        stream: &str,
        after: Option<MessageId>,
    ) -> Result<Option<StreamState>, TransportError> {
        // The first id to read, inclusive: the one just after `after` (Redis 5 has no
        // exclusive ranges). Nothing can follow the greatest id.
        let start = match after {
            None => String::new(),
            Some(after) => match successor(after) {
                Some(start) => start.to_string(),
                None => String::new(),
            },
        };
        let mut invocation = self.stream_state.key(stream);
        invocation.arg(start);
        let reply: Value = match invocation.invoke_async(conn).await {
            // The first command on a connection lost meanwhile (Redis restarted) fails and
            // makes the connection manager reconnect: a read is safe to try again.
            Err(err) if err.is_connection_dropped() || err.is_io_error() => {
                tracing::debug!(error = %err, "retrying a history read on a new connection");
                invocation.invoke_async(conn).await
            }
            reply => reply,
        }
        .map_err(backend)?;
        parse_stream_state(reply).map_err(|what| backend(format!("unexpected reply from Redis: {what}")))
    }
}

/// The id just after `id`, if there is one.
fn successor(id: MessageId) -> Option<MessageId> {
    if id.sequence() < u64::MAX {
        Some(MessageId::new(id.millis(), id.sequence() + 1))
    } else if id.millis() < u64::MAX {
        Some(MessageId::new(id.millis() + 1, 0))
    } else {
        None
    }
}

/// `{id, duplicate}`: `duplicate` is 1 if the key had been published already.
fn parse_published(reply: Value) -> Result<Published, String> {
    let Value::Array(items) = reply else {
        return Err(format!("{reply:?} for a keyed publish"));
    };
    let [id, duplicate]: [Value; 2] = items
        .try_into()
        .map_err(|items: Vec<Value>| format!("{} items for a keyed publish", items.len()))?;
    let id = parse_id(&id)?.ok_or("a nil id")?;
    match duplicate {
        Value::Int(0) => Ok(Published::sent(id)),
        Value::Int(1) => Ok(Published::duplicate_of(id)),
        other => Err(format!("{other:?} for the duplicate flag")),
    }
}

fn parse_stream_state(reply: Value) -> Result<Option<StreamState>, String> {
    let items = match reply {
        Value::Nil | Value::Boolean(false) => return Ok(None),
        Value::Array(items) => items,
        other => return Err(format!("{other:?} for the stream's state")),
    };
    let [entries, last_generated, max_deleted, first_recorded, first_entry]: [Value; 5] = items
        .try_into()
        .map_err(|items: Vec<Value>| format!("{} items for the stream's state", items.len()))?;
    let Value::Array(entries) = entries else {
        return Err(format!("{entries:?} for the entries"));
    };
    let entries = entries
        .into_iter()
        .map(parse_entry)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(StreamState {
        entries,
        last_generated: parse_id(&last_generated)?.unwrap_or(MessageId::ZERO),
        max_deleted: parse_id(&max_deleted)?,
        first_recorded: parse_id(&first_recorded)?,
        first_entry: parse_id(&first_entry)?,
    }))
}

/// An entry `[id, [field, value, ...]]`: its id and its `e` field, the envelope JSON.
fn parse_entry(entry: Value) -> Result<(MessageId, Vec<u8>), String> {
    let Value::Array(parts) = entry else {
        return Err(format!("{entry:?} for an entry"));
    };
    let [id, fields]: [Value; 2] = parts
        .try_into()
        .map_err(|parts: Vec<Value>| format!("{} parts for an entry", parts.len()))?;
    let id = parse_id(&id)?.ok_or("a nil entry id")?;
    let Value::Array(fields) = fields else {
        return Err(format!("{fields:?} for an entry's fields"));
    };
    let mut fields = fields.into_iter();
    while let (Some(name), Some(value)) = (fields.next(), fields.next()) {
        if matches!(&name, Value::BulkString(name) if name == b"e") {
            if let Value::BulkString(json) = value {
                return Ok((id, json));
            }
        }
    }
    Err(format!("entry {id} has no envelope"))
}

fn parse_id(value: &Value) -> Result<Option<MessageId>, String> {
    let text = match value {
        Value::Nil | Value::Boolean(false) => return Ok(None),
        Value::BulkString(bytes) => std::str::from_utf8(bytes).map_err(|_| "a non-UTF-8 id".to_owned())?,
        Value::SimpleString(text) => text.as_str(),
        other => return Err(format!("{other:?} for an id")),
    };
    text.parse().map(Some).map_err(|_| format!("`{text}` for an id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn successor_ids() {
        assert_eq!(successor(MessageId::new(5, 1)), Some(MessageId::new(5, 2)));
        assert_eq!(successor(MessageId::new(5, u64::MAX)), Some(MessageId::new(6, 0)));
        assert_eq!(successor(MessageId::new(u64::MAX, u64::MAX)), None);
    }

    #[test]
    fn parses_a_keyed_publish() {
        let reply = |dup| Value::Array(vec![Value::BulkString(b"7-1".to_vec()), Value::Int(dup)]);
        assert_eq!(
            parse_published(reply(0)),
            Ok(Published::sent(MessageId::new(7, 1)))
        );
        assert_eq!(
            parse_published(reply(1)),
            Ok(Published::duplicate_of(MessageId::new(7, 1)))
        );
        assert!(parse_published(reply(2)).is_err());
        assert!(parse_published(Value::Nil).is_err());
    }

    #[test]
    fn parses_a_missing_stream() {
        assert!(parse_stream_state(Value::Nil).unwrap().is_none());
    }

    #[test]
    fn parses_a_stream_state() {
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let reply = Value::Array(vec![
            Value::Array(vec![Value::Array(vec![
                bulk("7-1"),
                Value::Array(vec![bulk("e"), bulk("{}")]),
            ])]),
            bulk("7-1"),
            bulk("7-0"),
            bulk("7-1"),
            bulk("7-1"),
        ]);
        let state = parse_stream_state(reply).unwrap().unwrap();
        assert_eq!(state.entries, vec![(MessageId::new(7, 1), b"{}".to_vec())]);
        assert_eq!(state.last_generated, MessageId::new(7, 1));
        assert_eq!(state.max_deleted, Some(MessageId::new(7, 0)));
        assert_eq!(state.first_recorded, Some(MessageId::new(7, 1)));
        assert_eq!(state.first_entry, Some(MessageId::new(7, 1)));
    }
}
