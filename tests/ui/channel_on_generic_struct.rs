// A channel's payload types are concrete: each topic has one schema.
use realtime::channel;

#[channel(name = "pipeline:<run_id>")]
struct Pipeline<T> {
    run_id: String,
    #[topic]
    status: T,
}

fn main() {}
