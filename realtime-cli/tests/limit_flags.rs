//! `realtime serve`'s limit flags: each one reaches the gateway's [`Limits`], an absent one
//! leaves its default, and a malformed one is refused with the reason.

use std::time::Duration;

use clap::Parser;
use realtime::gateway::{Limits, RateLimit, RateLimits};
use realtime_cli::{Cli, Command, ServeArgs};

fn serve(flags: &[&str]) -> Result<ServeArgs, clap::Error> {
    let args = ["realtime", "serve"].iter().chain(flags);
    match Cli::try_parse_from(args)?.command {
        Command::Serve(args) => Ok(args),
        other => panic!("parsed as {other:?}"),
    }
}

#[test]
fn without_flags_the_limits_are_the_defaults() {
    assert_eq!(serve(&[]).unwrap().limits(), Limits::default());
}

#[test]
fn each_limit_flag_reaches_the_gateway() {
    let args = serve(&[
        "--connect-rate-ip",
        "5/s",
        "--connect-rate-key",
        "off",
        "--token-rate-ip",
        "60/m:10",
        "--token-rate-key",
        "1/h",
        "--publish-rate-ip",
        "off",
        "--publish-rate-key",
        "100/s:1",
        "--max-subscriptions",
        "3",
        "--head-timeout-secs",
        "4",
        "--max-head-bytes",
        "9000",
        "--max-frame-bytes",
        "2048",
        "--trusted-proxy",
        "10.0.0.1,::1",
        "--trusted-proxy",
        "10.0.0.2",
    ])
    .unwrap();
    let limits = args.limits();
    assert_eq!(
        limits.rates,
        RateLimits {
            connect_per_ip: Some(RateLimit::per_second(5)),
            connect_per_key: None,
            token_per_ip: Some(RateLimit::per_minute(60).with_burst(10)),
            token_per_key: Some("1/h".parse().unwrap()),
            publish_per_ip: None,
            publish_per_key: Some(RateLimit::per_second(100).with_burst(1)),
        }
    );
    assert_eq!(
        (
            limits.max_subscriptions,
            limits.head_timeout,
            limits.max_head_bytes,
            limits.max_frame_bytes
        ),
        (3, Duration::from_secs(4), 9000, 2048)
    );
    let proxies: Vec<std::net::IpAddr> = ["10.0.0.1", "::1", "10.0.0.2"]
        .iter()
        .map(|ip| ip.parse().unwrap())
        .collect();
    assert_eq!(limits.trusted_proxies, proxies);
    assert_eq!(args.gateway_config().limits, limits);
}

#[test]
fn no_rate_limits_turns_every_rate_off() {
    let args = serve(&["--no-rate-limits", "--publish-rate-ip", "5/s"]).unwrap();
    assert_eq!(args.limits().rates, RateLimits::off());
}

#[test]
fn malformed_limit_flags_are_refused_with_the_reason() {
    let error = serve(&["--publish-rate-ip", "5 a second"]).unwrap_err();
    assert!(error.to_string().contains("no `/`"), "{error}");
    let error = serve(&["--connect-rate-key", "0/s"]).unwrap_err();
    assert!(error.to_string().contains("1 or more"), "{error}");
    for (flag, value) in [
        ("--max-head-bytes", "100"),
        ("--max-subscriptions", "0"),
        ("--head-timeout-secs", "0"),
        ("--max-frame-bytes", "0"),
        ("--trusted-proxy", "10.0.0.0/8"),
    ] {
        assert!(serve(&[flag, value]).is_err(), "{flag} {value}");
    }
}
