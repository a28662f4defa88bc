//! A TCP relay on loopback between a browser and the server, to play the networks
//! reporters work on: a working link (with latency and a bandwidth), a cut one (nothing
//! connects) and a stalled one (a captive portal or one bar of signal: connections are
//! accepted and read, and nothing ever comes back).
//!
//! Switching the mode acts on connections already open too: cutting resets them,
//! stalling freezes them in both directions, passing again lets new connections through
//! (the frozen ones stay frozen, as a dead link's do).

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// What the relay does with traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Bytes go through, shaped by the relay's [`Link`].
    Pass,
    /// Nothing connects; open connections are reset.
    Cut,
    /// Connections are accepted and read, and nothing is ever answered.
    Stall,
}

/// The shape of a working link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Link {
    /// Round-trip time added: each direction is delayed by half of it.
    pub latency: Duration,
    /// Bits per second in each direction; `None` is as fast as loopback.
    pub bits_per_second: Option<u64>,
}

impl Link {
    /// Loopback as it is.
    pub const FAST: Link = Link {
        latency: Duration::ZERO,
        bits_per_second: None,
    };

    pub fn new(latency_ms: u64, kbps: u64) -> Link {
        Link {
            latency: Duration::from_millis(latency_ms),
            bits_per_second: Some(kbps * 1_000),
        }
    }
}

/// The relay: listens on its own loopback port and forwards to `upstream`. It stops
/// when dropped (with the runtime's tasks).
pub struct Relay {
    addr: SocketAddr,
    mode: watch::Sender<Mode>,
    link: watch::Sender<Link>,
    task: tokio::task::JoinHandle<()>,
}

impl Relay {
    pub async fn start(upstream: SocketAddr, link: Link) -> anyhow::Result<Relay> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (mode, _) = watch::channel(Mode::Pass);
        let (link, _) = watch::channel(link);
        let (modes, links) = (mode.clone(), link.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (mode, link) = (modes.subscribe(), links.subscribe());
                tokio::spawn(serve(client, upstream, mode, link));
            }
        });
        Ok(Relay {
            addr,
            mode,
            link,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:port/path` through the relay.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn set(&self, mode: Mode) {
        self.mode.send_replace(mode);
    }

    /// Changes the link's shape for connections made from now on.
    pub fn shape(&self, link: Link) {
        self.link.send_replace(link);
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    mut mode: watch::Receiver<Mode>,
    link: watch::Receiver<Link>,
) {
    let now = *mode.borrow_and_update();
    match now {
        // Dropped at once: the browser sees a reset, as with no network.
        Mode::Cut => return,
        Mode::Stall => return swallow(client, mode).await,
        Mode::Pass => {}
    }
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let link = *link.borrow();
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let up = pipe(client_read, server_write, link, mode.clone());
    let down = pipe(server_read, client_write, link, mode.clone());
    tokio::select! {
        _ = async { tokio::join!(up, down) } => {}
        // A cut resets the connection (both halves are dropped here).
        _ = mode.wait_for(|m| *m == Mode::Cut) => {}
    }
}

/// A stalled connection: read and forget until the relay is cut.
async fn swallow(mut client: TcpStream, mut mode: watch::Receiver<Mode>) {
    let mut sink = [0u8; 16 * 1024];
    loop {
        tokio::select! {
            read = client.read(&mut sink) => match read {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            },
            _ = mode.wait_for(|m| *m == Mode::Cut) => return,
        }
    }
}

/// One direction of a connection: each chunk is delivered half the latency after it
/// was read, no faster than the bandwidth, and nothing moves while the relay stalls.
async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    link: Link,
    mode: watch::Receiver<Mode>,
) {
    // Small chunks so a slow link delivers steadily, as a real one does.
    let chunk = match link.bits_per_second {
        Some(_) => 1_460,
        None => 64 * 1024,
    };
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let mut reading_mode = mode.clone();
    let reader = async move {
        let mut buf = vec![0u8; chunk];
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            // While stalled, what was read is kept back for good: the link is dead.
            if *reading_mode.borrow_and_update() == Mode::Stall {
                let _ = reading_mode.wait_for(|m| *m == Mode::Cut).await;
                break;
            }
            if tx.send((Instant::now(), buf[..n].to_vec())).is_err() {
                break;
            }
        }
    };
    let mut writing_mode = mode;
    let writer = async move {
        let mut free_at = Instant::now();
        while let Some((read_at, bytes)) = rx.recv().await {
            tokio::time::sleep_until(read_at + link.latency / 2).await;
            if let Some(bps) = link.bits_per_second {
                let wire = Duration::from_secs_f64(bytes.len() as f64 * 8.0 / bps as f64);
                free_at = free_at.max(Instant::now()) + wire;
                tokio::time::sleep_until(free_at).await;
            }
            if *writing_mode.borrow_and_update() == Mode::Stall {
                let _ = writing_mode.wait_for(|m| *m == Mode::Cut).await;
                return;
            }
            if to.write_all(&bytes).await.is_err() {
                return;
            }
        }
        let _ = to.shutdown().await;
    };
    tokio::join!(reader, writer);
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn echo_server() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    while let Ok(n) = s.read(&mut buf).await {
                        if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        addr
    }

    async fn round_trip(s: &mut TcpStream, bytes: &[u8]) -> std::io::Result<Vec<u8>> {
        s.write_all(bytes).await?;
        let mut back = vec![0u8; bytes.len()];
        s.read_exact(&mut back).await?;
        Ok(back)
    }

    #[tokio::test]
    async fn passes_stalls_open_connections_and_cuts_them() {
        let relay = Relay::start(echo_server().await, Link::FAST)
            .await
            .expect("relay");
        let mut open = TcpStream::connect(relay.addr()).await.expect("connect");
        assert_eq!(
            round_trip(&mut open, b"hello").await.expect("echo"),
            b"hello"
        );

        relay.set(Mode::Stall);
        let stalled =
            tokio::time::timeout(Duration::from_millis(300), round_trip(&mut open, b"again")).await;
        assert!(stalled.is_err(), "an open connection stalls too");
        let mut fresh = TcpStream::connect(relay.addr()).await.expect("accepted");
        let stalled =
            tokio::time::timeout(Duration::from_millis(300), round_trip(&mut fresh, b"x")).await;
        assert!(
            stalled.is_err(),
            "a new connection is accepted, never answered"
        );

        relay.set(Mode::Cut);
        let mut buf = [0u8; 8];
        let ended = tokio::time::timeout(Duration::from_secs(2), open.read(&mut buf))
            .await
            .expect("a cut ends open connections");
        assert!(matches!(ended, Ok(0) | Err(_)));

        relay.set(Mode::Pass);
        let mut again = TcpStream::connect(relay.addr()).await.expect("connect");
        assert_eq!(
            round_trip(&mut again, b"back").await.expect("echo"),
            b"back"
        );
    }

    #[tokio::test]
    async fn a_slow_link_delays_and_paces() {
        let relay = Relay::start(echo_server().await, Link::new(200, 80))
            .await
            .expect("relay");
        let mut s = TcpStream::connect(relay.addr()).await.expect("connect");
        let started = Instant::now();
        // 2,000 bytes each way at 80 kbit/s: 0.2 s on the wire each way, plus 0.2 s RTT.
        let back = round_trip(&mut s, &[7u8; 2_000]).await.expect("echo");
        assert_eq!(back.len(), 2_000);
        let took = started.elapsed();
        assert!(took >= Duration::from_millis(500), "too fast: {took:?}");
        assert!(took < Duration::from_secs(3), "too slow: {took:?}");
    }
}
