//! The TypeScript export of every channel in this test binary (the ones below), checked here for its shape and written to `target/realtime-export/channels.ts`
//! (the declarations) and `target/realtime-export/client.ts` (the client bindings) for
//! `tests/js/typescript.test.mjs`, which type-checks consumers against them with `tsc`.

use std::path::PathBuf;

use realtime::channel;

#[path = "common/demo_channel.rs"]
mod demo_channel;
use realtime::core::export::typescript::{bindings, declarations, ClientOptions};
use realtime::core::ChannelRegistry;
use serde::{Deserialize, Serialize};

/// Which step a run is at.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Status {
    /// What is happening, for people.
    pub message: String,
    /// The step, once known.
    pub step: Option<Step>,
    /// Percent done.
    pub percent: u8,
}

/// A step of a run.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Step {
    pub name: String,
    pub index: u32,
}

/// Tokens streamed from a model.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Token {
    pub text: String,
    pub finish: Option<FinishReason>,
}

#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    Stop,
    Length,
}

/// An event with a tag, as an internally tagged enum.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    Started { at: String },
    Failed { error: String, retries: u32 },
}

/// The progress of one pipeline run.
#[channel(name = "pipeline:<run_id>")]
pub struct Pipeline {
    pub run_id: String,
    /// Progress of the run.
    #[topic]
    status: Status,
    #[topic(name = "llm_tokens")]
    tokens: Token,
}

#[channel(name = "job:<job>/attempt:<attempt>")]
pub struct Job {
    pub job: String,
    pub attempt: u32,
    #[topic]
    events: Event,
    #[topic]
    tags: Vec<String>,
}

/// A channel whose declarations would collide with the shared run lifecycle types.
#[channel(name = "lifecycle:<id>")]
pub struct RunLifecycle {
    pub id: String,
    #[topic]
    note: String,
}

/// The output of a build, with topics that are deprecated.
#[channel(name = "build:<id>")]
pub struct Build {
    pub id: String,
    /// Lines of output.
    #[topic]
    lines: Vec<String>,
    /// One line per message.
    #[topic(deprecated = "use `lines` instead")]
    line: String,
    #[topic(deprecated)]
    raw: String,
}

fn registry() -> ChannelRegistry {
    ChannelRegistry::discovered()
}

#[test]
fn the_export_declares_every_channel_and_is_written_for_tsc() {
    let ts = declarations(&registry());
    for expected in [
        "export interface Envelope<Topic extends string = string, Data = unknown, Kind extends MessageKind = MessageKind> {",
        "export type PipelineTopic = \"llm_tokens\" | \"status\";",
        "export interface PipelineTopics {\n  llm_tokens: PipelineLlmTokens;\n  /** Progress of the run. */\n  status: PipelineStatus;\n}",
        "export type PipelineMessage = { [T in PipelineTopic]: Envelope<T, PipelineTopics[T], \"data\" | \"chunk\"> }[PipelineTopic];",
        "export type PipelineChannelName = `pipeline:${string}`;",
        "export function pipelineChannel(params: { run_id: string }): PipelineChannelName {\n  return `pipeline:${params.run_id}`;\n}",
        "export type JobChannelName = `job:${string}/attempt:${number}`;",
        "export function jobChannel(params: { job: string; attempt: number }): JobChannelName {",
        "  percent: number;",
        "  step?: Step | null;",
        "export interface Step {",
        "export type FinishReason = \"stop\" | \"length\";",
        "export type JobTags = string[];",
        "export type PipelineEvent = PipelineMessage | RunLifecycleMessage | DatastreamStartMessage<PipelineTopic> | DatastreamEndMessage<PipelineTopic>;",
        "export type RunLifecycleMessage = Envelope<\"run\", RunLifecycleUpdate, \"run\">;",
        "export type RunLifecycleStatus = \"started\" | \"completed\" | \"failed\" | \"cancelled\";",
        "export type DatastreamStartMessage<Topic extends string = string> = Envelope<Topic, string, \"datastream-start\"> & {",
        "  stream_id?: string;",
        // Renamed, as two channels of one name are, not to collide with the shared types.
        "export type RunLifecycle2Message = { [T in RunLifecycle2Topic]: Envelope<T, RunLifecycle2Topics[T], \"data\" | \"chunk\"> }[RunLifecycle2Topic];",
    ] {
        assert!(ts.contains(expected), "missing {expected:?} in:\n{ts}");
    }
    assert_eq!(ts.matches("export type RunLifecycleMessage ").count(), 1);
    // A deprecated topic's member and payload type carry the JSDoc tag, with the note.
    for expected in [
        "export interface BuildTopics {\n  /**\n   * One line per message.\n   *\n   * @deprecated use `lines` instead\n   */\n  line: BuildLine;\n  /** Lines of output. */\n  lines: BuildLines;\n  /** @deprecated */\n  raw: BuildRaw;\n}",
        "/**\n * One line per message.\n *\n * @deprecated use `lines` instead\n */\nexport type BuildLine = string;",
        "/** @deprecated */\nexport type BuildRaw = string;",
        "/** Lines of output. */\nexport type BuildLines = string[];",
    ] {
        assert!(ts.contains(expected), "missing {expected:?} in:\n{ts}");
    }
    assert_eq!(ts.matches("@deprecated").count(), 4, "{ts}");
    assert_eq!(ts, declarations(&registry()), "the output is deterministic");

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/realtime-export");
    std::fs::create_dir_all(&dir).expect("create target/realtime-export");
    std::fs::write(dir.join("channels.ts"), &ts).expect("write channels.ts");
}

#[test]
fn the_client_bindings_hold_the_declarations_and_a_typed_subscribe_per_channel() {
    let ts = bindings(&registry(), &ClientOptions::default());
    let declared = declarations(&registry());
    // The declarations, as `channels.ts` has them, after the bindings' own header.
    let body = declared
        .split_once("\n\n")
        .map(|(_, rest)| rest)
        .unwrap_or_default();
    assert!(ts.contains(body), "client.ts holds the declarations");
    assert!(ts.starts_with("// Generated by realtime-rs"), "{ts}");
    for expected in [
        "// Regenerate with `realtime schema --format client`.",
        "import * as realtimeClient from \"typed-realtime-client\";",
        "export type PayloadValidator = ((data: unknown) => boolean) & { errors?: readonly unknown[] | null };",
        "export type PipelineChannelParams = { run_id: string };",
        "export type JobChannelParams = { job: string; attempt: number };",
        "export type PipelineValidators = TopicValidators<PipelineTopic>;",
        "export type PipelineSubscribeOptions<T extends PipelineTopic, V extends PipelineValidators | undefined = undefined> = BindingOptions<PipelineTopics, T, V>;",
        "export function subscribePipeline<T extends PipelineTopic, V extends PipelineValidators | undefined = undefined>(\n  channel: PipelineChannelName | PipelineChannelParams,\n  options: PipelineSubscribeOptions<T, V>,\n): BoundSubscription<PipelineTopics, T, V> {\n  return bind<PipelineTopics, T, V>(typeof channel === \"string\" ? channel : pipelineChannel(channel), options);\n}",
        "export function subscribeJob<T extends JobTopic, V extends JobValidators | undefined = undefined>(",
        "export function subscribeDemo<T extends DemoTopic, V extends DemoValidators | undefined = undefined>(",
        // The declarations in the bindings carry the deprecations too.
        "   * @deprecated use `lines` instead\n   */\n  line: BuildLine;",
        // Renamed like its declarations.
        "export function subscribeRunLifecycle2<T extends RunLifecycle2Topic, V extends RunLifecycle2Validators | undefined = undefined>(",
    ] {
        assert!(ts.contains(expected), "missing {expected:?} in:\n{ts}");
    }
    assert_eq!(
        ts,
        bindings(&registry(), &ClientOptions::default()),
        "the output is deterministic"
    );

    let vendored = bindings(
        &registry(),
        &ClientOptions {
            import: "../vendor/realtime-client/index.js".to_owned(),
        },
    );
    assert!(vendored.contains("import * as realtimeClient from \"../vendor/realtime-client/index.js\";"));
    assert!(!vendored.contains("typed-realtime-client\";"));

    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/realtime-export");
    std::fs::create_dir_all(&dir).expect("create target/realtime-export");
    std::fs::write(dir.join("client.ts"), &ts).expect("write client.ts");
}
