//! `realtime schema`: the `realtime` binary itself (whose channel is the demo's), run as a
//! process, and the command line of an application (`examples/app_cli.rs`, compiled into
//! this test), run through `realtime_cli::run_with`.

#[allow(dead_code)]
#[path = "../examples/app_cli.rs"]
mod app_cli;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};

use realtime_cli::schema::{self, SchemaArgs};
use realtime_cli::{channels, run_with, Cli};
use serde_json::Value;

/// A fresh, empty scratch directory for `name`.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("schema-cli-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Runs the `realtime` binary with `args`.
fn realtime(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_realtime"))
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run the realtime binary")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// Reads `path`, which must end with a newline.
fn read(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(text.ends_with('\n'), "{} ends with a newline", path.display());
    text
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{} is JSON: {e}", path.display()))
}

/// The names of the files in `dir`, sorted.
fn file_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("list the output directory")
        .map(|entry| {
            entry
                .expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn out_without_format_writes_every_format_for_the_demo_channel() {
    let dir = scratch("all");
    let output = realtime(&["schema", "--out", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        file_names(&dir),
        [
            "Demo.schema.json",
            "asyncapi.json",
            "channels.schema.json",
            "channels.ts"
        ]
    );
    let printed: Vec<PathBuf> = stdout(&output).lines().map(PathBuf::from).collect();
    assert_eq!(
        printed,
        [
            "channels.schema.json",
            "Demo.schema.json",
            "asyncapi.json",
            "channels.ts"
        ]
        .map(|f| dir.join(f)),
        "the paths written are printed, in order"
    );

    let bundle = read_json(&dir.join("channels.schema.json"));
    assert_eq!(bundle["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(bundle["x-realtime"]["channels"][0]["name"], "Demo");
    assert_eq!(bundle["x-realtime"]["channels"][0]["pattern"], "demo:<run_id>");
    assert_eq!(bundle["x-realtime"]["channels"].as_array().map(Vec::len), Some(1));

    let demo = read_json(&dir.join("Demo.schema.json"));
    assert_eq!(demo["title"], "Demo");
    assert_eq!(demo["description"], "The channel of one demo run.");
    assert_eq!(demo["x-realtime"]["type"], "realtime::demo::Demo");
    assert!(
        demo["$defs"]["status"]["properties"]["percent"].is_object(),
        "{demo}"
    );

    let api = read_json(&dir.join("asyncapi.json"));
    assert_eq!(api["asyncapi"], "3.0.0");
    assert_eq!(api["channels"]["Demo"]["address"], "demo:{run_id}");
    assert_eq!(api["servers"]["gateway"]["host"], "127.0.0.1:8288");

    let ts = read(&dir.join("channels.ts"));
    assert!(ts.contains("export type DemoMessage = "), "{ts}");
    assert!(
        ts.contains("export type DemoTopic = \"log\" | \"status\" | \"summary\";"),
        "{ts}"
    );
}

#[test]
fn one_format_to_out_writes_only_its_files() {
    let dir = scratch("typescript-only");
    let output = realtime(&["schema", "--format", "typescript", "--out", dir.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(file_names(&dir), ["channels.ts"]);
    assert_eq!(
        stdout(&output).trim_end(),
        dir.join("channels.ts").display().to_string()
    );

    let dir = scratch("repeated");
    let output = realtime(&[
        "schema",
        "--format",
        "asyncapi",
        "--format",
        "jsonschema",
        "--format",
        "asyncapi",
        "--out",
        dir.join("nested/deeper").to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        file_names(&dir.join("nested/deeper")),
        ["Demo.schema.json", "asyncapi.json", "channels.schema.json"],
        "the directory is created; a repeated format is written once"
    );
}

#[test]
fn without_out_the_format_is_printed_and_matches_the_file() {
    let dir = scratch("compare");
    let written = realtime(&["schema", "--out", dir.to_str().unwrap()]);
    assert!(written.status.success(), "{}", stderr(&written));
    for (format, file) in [
        ("jsonschema", "channels.schema.json"),
        ("asyncapi", "asyncapi.json"),
        ("typescript", "channels.ts"),
    ] {
        let output = realtime(&["schema", "--format", format]);
        assert!(output.status.success(), "{format}: {}", stderr(&output));
        let printed = stdout(&output);
        assert_eq!(
            printed,
            read(&dir.join(file)),
            "stdout of --format {format} is {file}"
        );
        if file.ends_with(".json") {
            let value: Value = serde_json::from_str(&printed).expect("valid JSON");
            assert!(value.is_object());
            assert!(printed.starts_with("{\n  \""), "pretty-printed: {printed:.40}");
        }
    }
}

#[test]
fn host_title_and_secure_reach_the_asyncapi_document() {
    let output = realtime(&[
        "schema",
        "--format",
        "asyncapi",
        "--host",
        "realtime.example.com:443",
        "--title",
        "Demo API",
        "--secure",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let api: Value = serde_json::from_str(&stdout(&output)).expect("valid JSON");
    assert_eq!(api["info"]["title"], "Demo API");
    assert_eq!(api["servers"]["gateway"]["host"], "realtime.example.com:443");
    assert_eq!(api["servers"]["gateway"]["protocol"], "wss");
    assert_eq!(api["servers"]["publish"]["protocol"], "https");
}

#[test]
fn an_unknown_format_is_a_usage_error() {
    let output = realtime(&["schema", "--format", "yaml"]);
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let err = stderr(&output);
    assert!(
        err.contains("invalid value 'yaml' for '--format <FORMAT>'"),
        "{err}"
    );
    assert!(
        err.contains("[possible values: jsonschema, asyncapi, typescript, client]"),
        "{err}"
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn several_formats_or_none_without_out_are_refused() {
    let output = realtime(&["schema", "--format", "jsonschema", "--format", "typescript"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(
        err.contains("2 formats given (jsonschema, typescript) but only one can be printed"),
        "{err}"
    );
    assert!(stdout(&output).is_empty());

    let output = realtime(&["schema"]);
    assert_eq!(output.status.code(), Some(2), "a usage error");
    let err = stderr(&output);
    assert!(err.contains("--format <FORMAT>"), "{err}");
}

#[test]
fn an_unwritable_out_is_an_error_naming_the_path() {
    let dir = scratch("blocked");
    std::fs::create_dir_all(&dir).unwrap();
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, "not a directory").unwrap();
    let output = realtime(&["schema", "--out", blocker.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.starts_with("error: cannot create the directory"), "{err}");
    assert!(err.contains("a-file"), "{err}");
}

#[test]
fn schema_help_lists_the_formats() {
    let output = realtime(&["schema", "--help"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let help = stdout(&output);
    for expected in [
        "--format <FORMAT>",
        "jsonschema",
        "asyncapi",
        "typescript",
        "client",
        "--client-import <SPECIFIER>",
        "--out <DIR>",
        "--host",
    ] {
        assert!(help.contains(expected), "{expected} in:\n{help}");
    }
}

/// An application's command line knows its own channels only (`app_cli::Chat`): the demo's
/// channel belongs to the `realtime` binary and is never linked into an application.
#[test]
fn an_application_exports_its_own_channels() {
    let registry = channels();
    let types: Vec<&str> = registry.iter().map(|d| d.type_name).collect();
    assert_eq!(types, ["schema_cli::app_cli::Chat"]);
    assert_eq!(app_cli::Chat::new("lobby").name(), "chat:lobby");

    let dir = scratch("app");
    let code = run_with(["my-app", "schema", "--out", dir.to_str().unwrap()]);
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(
        file_names(&dir),
        [
            "Chat.schema.json",
            "asyncapi.json",
            "channels.schema.json",
            "channels.ts"
        ]
    );
    let chat = read_json(&dir.join("Chat.schema.json"));
    assert_eq!(chat["x-realtime"]["pattern"], "chat:<room>");
    assert_eq!(chat["x-realtime"]["topics"][1]["validated"], false);
    let api = read_json(&dir.join("asyncapi.json"));
    assert_eq!(api["channels"]["Chat"]["address"], "chat:{room}");
    assert!(api["channels"].get("Demo").is_none(), "{api}");
    let ts = read(&dir.join("channels.ts"));
    assert!(ts.contains("export type ChatMessage = "), "{ts}");
    assert!(ts.contains("export function chatChannel(params: { room: string }): ChatChannelName {"));
    assert!(!ts.contains("Demo"), "{ts}");
}

#[test]
fn the_schema_command_prints_to_any_writer() {
    use clap::Parser;

    let cli = Cli::try_parse_from(["my-app", "schema", "--format", "jsonschema"]).expect("valid arguments");
    let realtime_cli::Command::Schema(args) = cli.command else {
        panic!("parsed as schema: {cli:?}");
    };
    let args: SchemaArgs = args;
    let mut out = Vec::new();
    schema::run(&args, &channels(), &mut out).expect("export");
    let bundle: Value = serde_json::from_slice(&out).expect("valid JSON");
    assert_eq!(bundle["x-realtime"]["channels"][0]["name"], "Chat");
    assert_eq!(bundle["$defs"]["Chat.posts"]["required"][0], "author");

    let err = Cli::try_parse_from(["my-app", "schema", "--format", "protobuf"]).unwrap_err();
    assert_eq!(err.kind(), clap::error::ErrorKind::InvalidValue);
}

#[test]
fn the_client_format_writes_typed_bindings_only_when_asked_for() {
    let output = realtime(&["schema", "--format", "client"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let ts = stdout(&output);
    for expected in [
        "// Regenerate with `realtime schema --format client`.",
        "import * as realtimeClient from \"typed-realtime-client\";",
        "export type DemoTopic = \"log\" | \"status\" | \"summary\";",
        "export type DemoChannelParams = { run_id: string };",
        "export function subscribeDemo<T extends DemoTopic, V extends DemoValidators | undefined = undefined>(\n  channel: DemoChannelName | DemoChannelParams,\n  options: DemoSubscribeOptions<T, V>,\n): BoundSubscription<DemoTopics, T, V> {",
    ] {
        assert!(ts.contains(expected), "missing {expected:?} in:\n{ts}");
    }

    let dir = scratch("client");
    let output = realtime(&[
        "schema",
        "--format",
        "client",
        "--client-import",
        "./vendor/realtime-client.js",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(file_names(&dir), ["client.ts"]);
    let ts = read(&dir.join("client.ts"));
    assert!(
        ts.contains("import * as realtimeClient from \"./vendor/realtime-client.js\";"),
        "{ts}"
    );
    assert!(!ts.contains("typed-realtime-client\";"), "{ts}");
}
