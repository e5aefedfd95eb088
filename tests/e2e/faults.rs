//! PostgreSQL unreachable under load: a TCP proxy between Terrasse and PostgreSQL is cut
//! (new connections refused, open ones dropped) and restored, without touching the server.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

use api::config::DatabaseConfig;
use tokio::{
    net::{TcpListener, TcpStream},
    sync::watch,
};

use crate::{
    harness::{Backend, TestApp},
    transport::{get, post},
};

/// A TCP proxy to `upstream` that can be cut and restored.
struct Proxy {
    addr: SocketAddr,
    up: Arc<AtomicBool>,
    cut: watch::Sender<u64>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let (cut, _) = watch::channel(0_u64);
        let (accepting, cuts) = (up.clone(), cut.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !accepting.load(Ordering::SeqCst) {
                    // Refused: closed at once.
                    drop(client);
                    continue;
                }
                let mut cut = cuts.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                    // Dropping both ends closes the connection on both sides.
                });
            }
        });
        Proxy { addr, up, cut }
    }

    /// Refuses new connections and drops the open ones.
    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        self.cut.send_modify(|generation| *generation += 1);
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

const LIST: &str = r#"{"query":"{ organisations(first: 5) { totalCount nodes { name } } }"}"#;

/// While PostgreSQL is unreachable, requests fail fast with a clear code and /readyz is 503;
/// once it is back, Terrasse recovers by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn requests_fail_fast_while_the_database_is_unreachable_and_recover_on_postgres() {
    let Some(app) = TestApp::spawn(Backend::Postgres).await else {
        return;
    };
    crate::organisations::write_association(&app.db).await;
    let upstream = app
        .database_url
        .split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap();
    let upstream: SocketAddr = upstream.replace("localhost", "127.0.0.1").parse().unwrap();
    let proxy = Proxy::start(upstream).await;
    let through_proxy = app.database_url.replace(&upstream.to_string(), &proxy.addr.to_string());
    assert_ne!(through_proxy, app.database_url);
    let mut database = DatabaseConfig::new(through_proxy, 4);
    database.db_acquire_timeout_ms = 500;
    let server = app
        .sibling_with(database, |serve| serve.request_timeout_secs = 10)
        .await;

    let ok = crate::harness::exchange(post(server, "application/json", None, LIST)).await;
    assert_eq!(ok.json()["data"]["organisations"]["totalCount"], 1, "{}", ok.body);
    assert_eq!(crate::harness::exchange(get(server, "/readyz", &[])).await.status, 200);

    proxy.cut();
    // Load while it is down: 8 clients, 5 requests each; none hangs.
    let clients: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for _ in 0..5 {
                    let started = Instant::now();
                    let answer = crate::harness::exchange(post(server, "application/json", None, LIST)).await;
                    seen.push((started.elapsed(), answer.status, answer.body));
                }
                seen
            })
        })
        .collect();
    for client in clients {
        for (elapsed, status, body) in client.await.unwrap() {
            assert!(
                elapsed < Duration::from_secs(3),
                "took {elapsed:?}, the request timeout is 10 s: {body}"
            );
            assert_eq!(status, 200, "{body}");
            let body: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "UNAVAILABLE", "{body}");
            assert!(
                body["errors"][0]["message"].as_str().unwrap().contains("database"),
                "{body}"
            );
        }
    }
    let started = Instant::now();
    let ready = crate::harness::exchange(get(server, "/readyz", &[])).await;
    assert_eq!((ready.status, ready.body.as_str()), (503, "database unreachable"));
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());

    proxy.restore();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let answer = crate::harness::exchange(post(server, "application/json", None, LIST)).await;
        if answer.json()["data"]["organisations"]["totalCount"] == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "not recovered: {}", answer.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(crate::harness::exchange(get(server, "/readyz", &[])).await.status, 200);
}
