//! Two gateway processes (`realtime serve --redis`) on different ports, sharing one real
//! Redis: what is published through one reaches the subscribers of the other, in order, and
//! a subscriber that moves from one to the other resumes without a gap.
//!
//! Redis: `REALTIME_TEST_REDIS_URL`, default `redis://127.0.0.1:6379` (scripts/test starts
//! one when none answers). Each run uses its own key prefix.

#[path = "../../tests/common/hang_guard.rs"]
mod hang_guard;
#[path = "../../tests/common/redis.rs"]
mod redis_support;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures::StreamExt;
use hang_guard::within;
use realtime::client::{Client, ClientSubscription};
use realtime::{channel, Message, MessageId, SigningKey};
use serde::{Deserialize, Serialize};

const KEY: &str = "signkey-test-5eed5eed";

/// One step of a run.
#[derive(Debug, Serialize, Deserialize, schemars::JsonSchema)]
struct Step {
    n: u32,
}

#[channel(name = "job:<id>")]
struct Job {
    id: String,
    #[topic]
    step: Step,
}

/// A `realtime serve` process, killed on drop.
struct Node {
    child: Child,
    addr: String,
}

impl Node {
    fn start(prefix: &str) -> Node {
        let url = redis_support::url();
        let mut child = Command::new(env!("CARGO_BIN_EXE_realtime"))
            .args(["serve", "--addr", "127.0.0.1:0", "--signing-key", KEY])
            .args(["--redis", &url, "--redis-prefix", prefix])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start `realtime serve`");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    let _ = tx.send(addr.to_owned());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("the gateway printed `listening on`");
        Node { child, addr }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Publishes step `n` over HTTP with the signing key; the message id.
    async fn publish(&self, http: &reqwest::Client, job: &Job, n: u32) -> MessageId {
        let response = http
            .post(format!("{}/v1/realtime/publish", self.url()))
            .query(&[("channel", job.name().as_str()), ("topic", "step")])
            .bearer_auth(KEY)
            .json(&serde_json::json!({ "n": n }))
            .send()
            .await
            .expect("publish");
        assert_eq!(response.status(), 200, "publish through {}", self.addr);
        let body: serde_json::Value = response.json().await.expect("a JSON answer");
        body["id"].as_str().expect("an id").parse().expect("a message id")
    }

    async fn subscribe(&self, job: &Job, after: Option<MessageId>) -> ClientSubscription<Job> {
        let client = Client::new(&self.url()).expect("a client");
        let tokens = client.token_minter(SigningKey::new(KEY), job, [JobTopic::Step]);
        let mut builder = client.subscribe(job, tokens);
        if let Some(after) = after {
            builder = builder.after(after);
        }
        within(builder).await.expect("subscribed")
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn next_step(sub: &mut ClientSubscription<Job>) -> (MessageId, u32) {
    match within(sub.next()).await.expect("the stream goes on") {
        Ok(Message {
            id,
            data: JobMessage::Step(step),
            ..
        }) => (id, step.n),
        Ok(other) => panic!("expected a step, got {other:?}"),
        Err(err) => panic!("expected a step, got {err}"),
    }
}

fn prefix() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("multinode:{}:{nanos}:", std::process::id())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_gateways_share_channels_and_history_through_redis() {
    let prefix = prefix();
    let (a, b) = (Node::start(&prefix), Node::start(&prefix));
    assert_ne!(a.addr, b.addr);
    let http = reqwest::Client::new();
    let job = Job::new("j1");

    // Published through A, received on B: everything, in order.
    let mut on_b = b.subscribe(&job, None).await;
    let mut ids = Vec::new();
    for n in 0..200 {
        ids.push(a.publish(&http, &job, n).await);
    }
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(next_step(&mut on_b).await, (*id, n as u32));
    }

    // Both publish: B's subscriber sees one order with increasing ids.
    for n in 200..220 {
        let node = if n % 2 == 0 { &a } else { &b };
        ids.push(node.publish(&http, &job, n).await);
    }
    for (n, id) in ids.iter().enumerate().skip(200) {
        assert_eq!(next_step(&mut on_b).await, (*id, n as u32));
    }

    // The subscriber leaves B; messages go on through B; it resumes on A from the last id
    // it saw and gets exactly the missed ones, then live ones.
    let last = on_b.last_id().expect("it received messages");
    drop(on_b);
    for n in 220..240 {
        ids.push(b.publish(&http, &job, n).await);
    }
    let mut on_a = a.subscribe(&job, Some(last)).await;
    for (n, id) in ids.iter().enumerate().skip(220) {
        assert_eq!(next_step(&mut on_a).await, (*id, n as u32));
    }
    let live = b.publish(&http, &job, 240).await;
    assert_eq!(next_step(&mut on_a).await, (live, 240));
}
