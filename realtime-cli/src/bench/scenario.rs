//! The scenarios a bench run measures: each one the gateway under some load, next to its
//! same-run baseline (raw `tokio::sync::broadcast` for the in-memory transport, raw Redis
//! `PUBLISH` to raw subscribers for the Redis transport) and, for WebSocket fan-out, the
//! Socket.IO peer under the same load.

use super::plan::SubscriberKind;

/// What serves the subscribers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum System {
    /// `realtime serve` child processes (`nodes` of them, sharing Redis when there are several).
    Realtime {
        /// Whether the transport is Redis (else in memory).
        redis: bool,
        /// Gateway processes; subscribers are spread over them evenly.
        nodes: usize,
    },
    /// Raw `tokio::sync::broadcast` inside one worker process.
    Broadcast,
    /// Raw Redis: `PUBLISH`, and one `SUBSCRIBE` connection per subscriber.
    RawRedis,
    /// The Socket.IO peer (`realtime-cli/socketio-peer/server.js`), room broadcast.
    SocketIo,
}

impl System {
    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            System::Realtime { .. } => "realtime",
            System::Broadcast => "tokio-broadcast",
            System::RawRedis => "raw-redis",
            System::SocketIo => "socket.io",
        }
    }

    /// The transport, as reported.
    pub fn transport(self) -> &'static str {
        match self {
            System::Realtime { redis: false, .. } => "memory",
            System::Realtime { redis: true, .. } | System::RawRedis => "redis",
            System::Broadcast => "in-process",
            System::SocketIo => "node",
        }
    }

    /// Whether the system needs Redis.
    pub fn needs_redis(self) -> bool {
        matches!(self, System::Realtime { redis: true, .. } | System::RawRedis)
    }
}

/// One measured load on one system.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// The system.
    pub system: System,
    /// How subscribers connect.
    pub kind: SubscriberKind,
    /// Subscribers, spread round-robin over the channels.
    pub subscribers: usize,
    /// Channels.
    pub channels: usize,
    /// Messages per second, over all channels.
    pub rate: f64,
    /// Seconds of publishing.
    pub seconds: f64,
    /// Bytes of each payload's JSON.
    pub payload_bytes: usize,
    /// The gateway's `--write-delay-ms` (realtime only).
    pub write_delay_ms: u64,
}

impl RunSpec {
    /// The same load on another system, with that system's kind of subscriber.
    pub fn on(&self, system: System) -> RunSpec {
        let kind = match system {
            System::Realtime { .. } => self.kind,
            System::Broadcast => SubscriberKind::Broadcast,
            System::RawRedis => SubscriberKind::Redis,
            System::SocketIo => SubscriberKind::SocketIo,
        };
        RunSpec {
            system,
            kind,
            ..self.clone()
        }
    }
}

/// A scenario: the gateway's run, its baseline's, and perhaps the peer's.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// A short name, e.g. `one-channel/ws/1000`.
    pub name: String,
    /// The gateway under load.
    pub main: RunSpec,
    /// The same load on the baseline.
    pub baseline: RunSpec,
    /// The same load on the Socket.IO peer, if compared.
    pub peer: Option<RunSpec>,
    /// Whether it is one of the points of the latency-versus-subscribers plot.
    pub plotted: bool,
}

/// Settings shared by every scenario of a run.
#[derive(Debug, Clone, Copy)]
pub struct Load {
    /// Seconds of publishing per run.
    pub seconds: f64,
    /// Bytes per payload.
    pub payload_bytes: usize,
    /// Whether this is the short CI run.
    pub smoke: bool,
}

fn scenario(name: String, main: RunSpec, with_peer: bool, plotted: bool) -> Scenario {
    let baseline = main.on(match main.system {
        System::Realtime { redis: true, .. } => System::RawRedis,
        _ => System::Broadcast,
    });
    let peer = with_peer.then(|| main.on(System::SocketIo));
    Scenario {
        name,
        main,
        baseline,
        peer,
        plotted,
    }
}

/// The scenarios of a run: a few hundred subscribers for a few seconds with `--smoke`,
/// else the full set (up to 20,000 subscribers on two gateway nodes).
pub fn scenarios(load: Load) -> Vec<Scenario> {
    let spec = |redis: bool, nodes: usize, kind, subscribers, channels, rate| RunSpec {
        system: System::Realtime { redis, nodes },
        kind,
        subscribers,
        channels,
        rate,
        seconds: load.seconds,
        payload_bytes: load.payload_bytes,
        write_delay_ms: 0,
    };
    use SubscriberKind::{Sse, Ws};
    if load.smoke {
        return vec![
            scenario(
                "one-channel/ws/200".into(),
                spec(false, 1, Ws, 200, 1, 20.0),
                true,
                true,
            ),
            scenario(
                "one-channel/sse/200".into(),
                spec(false, 1, Sse, 200, 1, 20.0),
                false,
                false,
            ),
            scenario(
                "many-channels/ws/200x20/delay5ms".into(),
                RunSpec {
                    write_delay_ms: 5,
                    ..spec(false, 1, Ws, 200, 20, 100.0)
                },
                false,
                false,
            ),
            scenario(
                "redis/one-channel/ws/200".into(),
                spec(true, 1, Ws, 200, 1, 20.0),
                false,
                false,
            ),
            scenario(
                "redis/two-nodes/ws/200".into(),
                spec(true, 2, Ws, 200, 1, 20.0),
                false,
                false,
            ),
        ];
    }
    let mut all = Vec::new();
    for n in [100, 1_000, 5_000, 10_000] {
        all.push(scenario(
            format!("one-channel/ws/{n}"),
            spec(false, 1, Ws, n, 1, 10.0),
            true,
            true,
        ));
    }
    all.push(scenario(
        "fanout/ws/1000@500".into(),
        spec(false, 1, Ws, 1_000, 1, 500.0),
        true,
        false,
    ));
    // The same fan-out with the gateway's write delay (`--write-delay-ms`): at the rate
    // above, and at twice it with a longer delay.
    for (rate, delay) in [(500, 10), (1_000, 25)] {
        all.push(scenario(
            format!("fanout/ws/1000@{rate}/delay{delay}ms"),
            RunSpec {
                write_delay_ms: delay,
                ..spec(false, 1, Ws, 1_000, 1, rate as f64)
            },
            true,
            false,
        ));
    }
    all.push(scenario(
        "one-channel/sse/1000".into(),
        spec(false, 1, Sse, 1_000, 1, 100.0),
        false,
        false,
    ));
    all.push(scenario(
        "many-channels/ws/5000x500".into(),
        spec(false, 1, Ws, 5_000, 500, 500.0),
        true,
        false,
    ));
    all.push(scenario(
        "redis/one-channel/ws/1000".into(),
        spec(true, 1, Ws, 1_000, 1, 100.0),
        false,
        false,
    ));
    all.push(scenario(
        "redis/many-channels/ws/2000x200".into(),
        spec(true, 1, Ws, 2_000, 200, 200.0),
        false,
        false,
    ));
    let mut twenty = scenario(
        "redis/two-nodes/ws/20000".into(),
        spec(true, 2, Ws, 20_000, 1, 10.0),
        false,
        false,
    );
    // Redis here accepts at most 10,000 clients (`maxclients`), so the raw baseline holds 9,000.
    twenty.baseline.subscribers = 9_000;
    all.push(twenty);
    all
}
