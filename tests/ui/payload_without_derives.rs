// A payload with none of the derives: each missing trait is reported once, on the field.
use realtime::channel;

struct Status {
    message: String,
}

#[channel(name = "pipeline:<run_id>")]
struct Pipeline {
    run_id: String,
    #[topic]
    status: Status,
}

fn main() {}
