// A channel without a #[topic] field carries nothing.
use realtime::channel;

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
}

fn main() {}
