//! Target `from_name`: names parsed back into `#[channel]` structs with parameters of
//! several types.

use realtime::channel;
use realtime_core::Channel;
use serde::{Deserialize, Serialize};

/// A topic payload; only the names matter here.
#[derive(Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tick {
    n: u64,
}

#[channel(name = "counter:<id>")]
struct Counter {
    id: u64,
    #[topic]
    tick: Tick,
}

#[channel(name = "run:<run_id>/step:<step>")]
struct StepRun {
    run_id: String,
    step: u32,
    #[topic]
    tick: Tick,
}

#[channel(name = "tenant:<tenant>.<job>=<done>")]
struct TenantJob {
    job: i64,
    tenant: String,
    done: bool,
    #[topic]
    tick: Tick,
}

#[channel(name = "sensor/<id>@<reading>")]
struct Sensor {
    id: uuid::Uuid,
    reading: f64,
    #[topic]
    tick: Tick,
}

#[channel(name = "announcements")]
struct Announcements {
    #[topic]
    tick: Tick,
}

/// The input, as text, is a name given to every channel's `from_name`. A name that parses
/// gives a channel whose own `name()` parses again into a channel of the same name.
pub fn from_name(data: &[u8]) {
    let name = String::from_utf8_lossy(data);
    round_trip::<Counter>(&name);
    round_trip::<StepRun>(&name);
    round_trip::<TenantJob>(&name);
    round_trip::<Sensor>(&name);
    round_trip::<Announcements>(&name);
}

fn round_trip<C: Channel>(name: &str) {
    let Ok(channel) = C::from_name(name) else {
        return;
    };
    let written = channel.name();
    let again = C::from_name(&written)
        .unwrap_or_else(|e| panic!("{name:?} parsed, but its name {written:?} does not: {e}"));
    assert_eq!(again.name(), written);
}
