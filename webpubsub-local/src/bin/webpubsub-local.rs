//! `webpubsub-local --port N --access-key K [--host 127.0.0.1]`: runs the local Web PubSub
//! service, prints the connection string to use, and serves until Ctrl-C.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use webpubsub_local::Service;

const USAGE: &str = "usage: webpubsub-local [--port N] [--access-key KEY] [--host ADDRESS]
  --port N          port to listen on (default 8080; 0 picks a free port)
  --access-key KEY  AccessKey that signs tokens (default: a random key)
  --host ADDRESS    IP address to bind (default 127.0.0.1)";

struct Args {
    port: u16,
    access_key: Option<String>,
    host: IpAddr,
}

fn parse_args() -> Result<Option<Args>, String> {
    let mut args = Args {
        port: 8080,
        access_key: None,
        host: IpAddr::from([127, 0, 0, 1]),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        if name == "--help" || name == "-h" {
            return Ok(None);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name.as_str() {
            "--port" => {
                args.port = value()?
                    .parse()
                    .map_err(|_| "--port must be a number from 0 to 65535".to_string())?
            }
            "--access-key" => {
                let key = value()?;
                if key.is_empty() {
                    return Err("--access-key must not be empty".into());
                }
                args.access_key = Some(key);
            }
            "--host" => {
                args.host = value()?
                    .parse()
                    .map_err(|_| "--host must be an IP address".to_string())?
            }
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok(Some(args))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Some(args)) => args,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut builder = Service::builder();
    if let Some(key) = args.access_key {
        builder = builder.access_key(key);
    }
    let service = match builder
        .start_on(SocketAddr::new(args.host, args.port))
        .await
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("{}", service.connection_string());
    eprintln!(
        "webpubsub-local listening on {} (Ctrl-C to stop)",
        service.endpoint()
    );
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: cannot wait for Ctrl-C: {e}");
    }
    service.shutdown().await;
    ExitCode::SUCCESS
}
