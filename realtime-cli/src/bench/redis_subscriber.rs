//! Raw Redis subscribers: one connection each, `SUBSCRIBE <channel>`, payloads straight from
//! Redis's pushed `message` replies. The baseline of the Redis transport.

use super::plan::Target;
use super::resp::{Resp, RespConnection};
use super::sink::Sink;

/// A connection whose subscription Redis has confirmed.
pub struct RedisSubscriber {
    connection: RespConnection,
}

impl RedisSubscriber {
    /// Connects and subscribes to `target.path`.
    pub async fn connect(target: &Target) -> Result<Self, String> {
        let mut connection = RespConnection::connect(&target.addr).await?;
        match connection.call(&[b"SUBSCRIBE", target.path.as_bytes()]).await? {
            Resp::Array(items) if items.first() == Some(&Resp::Bulk(Some(b"subscribe".to_vec()))) => {
                Ok(RedisSubscriber { connection })
            }
            other => Err(format!("SUBSCRIBE answered {other:?}")),
        }
    }

    /// Reads until the connection ends, recording payloads as subscriber `index`.
    pub async fn read(mut self, index: usize, sink: Sink) {
        while let Some(value) = self.connection.next().await {
            if let Resp::Array(mut items) = value {
                if items.len() == 3 {
                    if let Resp::Bulk(Some(payload)) = items.swap_remove(2) {
                        sink.frame(index, &payload);
                    }
                }
            }
        }
        sink.disconnected();
    }
}
