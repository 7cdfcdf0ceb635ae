//! The publisher of a run: the gateway's `POST /v1/realtime/publish`, the Socket.IO peer's
//! `POST /publish`, or a raw Redis `PUBLISH`, one message at a time, in order per channel.

use std::collections::BTreeMap;

use super::pace::Pace;
use super::payload;
use super::resp::{Resp, RespConnection};

/// Where messages go.
pub enum Publisher {
    /// An HTTP endpoint taking the payload as the body; `{}` in the URL is the channel.
    Http {
        /// The client (keeps its connection alive).
        client: reqwest::Client,
        /// The URL with `{}` for the channel.
        url: String,
    },
    /// A Redis connection sending `PUBLISH`.
    Redis(RespConnection),
}

/// What a publisher did.
#[derive(Debug, Default)]
pub struct Published {
    /// Messages published per channel.
    pub per_channel: BTreeMap<String, u64>,
    /// Publishes that failed (and were retried with the same `seq`).
    pub errors: u64,
    /// The first failure.
    pub first_error: Option<String>,
    /// When publishing started, ns since the epoch.
    pub start_ns: u64,
    /// Seconds spent publishing.
    pub seconds: f64,
}

impl Publisher {
    /// Publishes to the gateway at `addr` (dev mode: no credentials), topic `m`.
    pub fn gateway(addr: &str) -> Self {
        Publisher::Http {
            client: reqwest::Client::new(),
            url: format!("http://{addr}/v1/realtime/publish?topic=m&channel={{}}"),
        }
    }

    /// Publishes to the Socket.IO peer at `addr`.
    pub fn socket_io(addr: &str) -> Self {
        Publisher::Http {
            client: reqwest::Client::new(),
            url: format!("http://{addr}/publish?room={{}}"),
        }
    }

    /// Publishes with raw `PUBLISH` to the Redis at `addr`.
    pub async fn redis(addr: &str) -> Result<Self, String> {
        Ok(Publisher::Redis(RespConnection::connect(addr).await?))
    }

    pub(super) async fn send(&mut self, channel: &str, body: String) -> Result<(), String> {
        match self {
            Publisher::Http { client, url } => {
                let response = client
                    .post(url.replace("{}", channel))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if response.status().is_success() {
                    Ok(())
                } else {
                    Err(format!(
                        "{}: {}",
                        response.status(),
                        response.text().await.unwrap_or_default()
                    ))
                }
            }
            Publisher::Redis(connection) => {
                match connection
                    .call(&[b"PUBLISH", channel.as_bytes(), body.as_bytes()])
                    .await?
                {
                    Resp::Int(_) => Ok(()),
                    other => Err(format!("PUBLISH answered {other:?}")),
                }
            }
        }
    }

    /// Publishes at `rate` messages per second for `seconds`, round-robin over `channels`,
    /// each payload `payload_bytes` long with its channel's next `seq`.
    pub async fn run(
        &mut self,
        channels: &[String],
        rate: f64,
        seconds: f64,
        payload_bytes: usize,
    ) -> Published {
        let mut done = Published {
            start_ns: payload::now_ns(),
            ..Published::default()
        };
        let mut seqs = vec![0u64; channels.len()];
        let pace = Pace::new(rate, seconds);
        let mut k = 0u64;
        while pace.due(k).await {
            let at = (k as usize) % channels.len();
            match self
                .send(&channels[at], payload::make(seqs[at], payload_bytes))
                .await
            {
                Ok(()) => seqs[at] += 1,
                Err(e) => {
                    done.errors += 1;
                    done.first_error.get_or_insert(e);
                }
            }
            k += 1;
        }
        done.seconds = pace.elapsed();
        done.per_channel = channels.iter().cloned().zip(seqs).collect();
        done
    }
}
