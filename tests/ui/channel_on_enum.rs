// #[channel] declares a struct, not an enum.
use realtime::channel;

#[channel(name = "pipeline")]
enum Pipeline {
    Status,
}

fn main() {}
