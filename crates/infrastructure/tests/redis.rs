//! The Redis adapters against a real Redis (`TEST_REDIS_URL`, which
//! `make test` sets when Redis answers; `redis_*` tests are skipped by name
//! otherwise, and required when `CI=true`). Each test uses its own key
//! prefix, so tests share one server without seeing each other.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use keel_domain::events::{Event, EventBus, EventBusError, GAP_TOPIC};
use keel_domain::identity::LoginThrottle;
use keel_domain::limits::RateCounter;
use keel_infrastructure::redis::{Redis, RedisEventBus, RedisLoginThrottle, RedisWindowCounter};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

fn redis_url() -> String {
    std::env::var("TEST_REDIS_URL")
        .expect("the Redis tests need TEST_REDIS_URL (make test sets it when Redis answers)")
}

fn open(url: &str, prefix: &str) -> Redis {
    Redis::open(url, prefix).expect("a valid URL")
}

fn prefix() -> String {
    format!("keel-test-{}", uuid::Uuid::now_v7())
}

#[tokio::test]
async fn redis_events_reach_every_instance_in_order() {
    let (url, prefix) = (redis_url(), prefix());
    let a = RedisEventBus::start(open(&url, &prefix));
    let b = RedisEventBus::start(open(&url, &prefix));
    let other = RedisEventBus::start(open(&url, "another-deployment"));
    let (mut on_a, mut on_b, mut on_other) = (a.subscribe(), b.subscribe(), other.subscribe());
    // Subscriptions are made in the background: publish until one lands.
    let first = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            a.publish(&Event::new("probe", String::new()).unwrap())
                .await
                .unwrap();
            if let Ok(Some(e)) = tokio::time::timeout(Duration::from_millis(100), on_b.next()).await
            {
                return e;
            }
        }
    })
    .await
    .expect("the second instance subscribes");
    assert_eq!(first.topic, "probe");
    for n in 0..20 {
        a.publish(&Event::new("ws", n.to_string()).unwrap())
            .await
            .unwrap();
    }
    for stream in [&mut on_a, &mut on_b] {
        let got: Vec<String> = tokio::time::timeout(Duration::from_secs(10), async {
            let mut got = Vec::new();
            while got.len() < 20 {
                let e = stream.next().await.unwrap();
                if e.topic == "ws" {
                    got.push(e.payload);
                }
            }
            got
        })
        .await
        .expect("every event arrives");
        let expected: Vec<String> = (0..20).map(|n| n.to_string()).collect();
        assert_eq!(got, expected);
    }
    assert!(
        tokio::time::timeout(Duration::from_millis(300), on_other.next())
            .await
            .is_err(),
        "another prefix hears nothing"
    );
}

#[tokio::test]
async fn redis_the_login_throttle_is_shared_and_never_overshoots_under_parallel_guesses() {
    let (url, prefix) = (redis_url(), prefix());
    let window = chrono::Duration::minutes(15);
    let a = Arc::new(RedisLoginThrottle::new(open(&url, &prefix), 5, window));
    let b = Arc::new(RedisLoginThrottle::new(open(&url, &prefix), 5, window));
    let key = "203.0.113.1|victim@example.com";
    let guesses = (0..20).map(|n| {
        let t = if n % 2 == 0 { a.clone() } else { b.clone() };
        tokio::spawn(async move { t.acquire(key, Utc::now()).await })
    });
    let results = futures_util::future::join_all(guesses).await;
    let reserved = results
        .iter()
        .filter(|r| r.as_ref().unwrap().is_none())
        .count();
    assert_eq!(reserved, 5, "exactly the allowance, across both instances");
    let wait = b.acquire(key, Utc::now()).await.expect("locked");
    assert!((1..=900).contains(&wait), "{wait}");
    // A released attempt is given back; a reset forgets the key.
    a.release(key).await;
    assert_eq!(b.acquire(key, Utc::now()).await, None);
    assert!(a.acquire(key, Utc::now()).await.is_some());
    b.reset(key).await;
    assert_eq!(a.acquire(key, Utc::now()).await, None);
}

#[tokio::test]
async fn redis_rate_windows_are_counted_by_every_instance_together() {
    let (url, prefix) = (redis_url(), prefix());
    let a = RedisWindowCounter::new(open(&url, &prefix));
    let b = RedisWindowCounter::new(open(&url, &prefix));
    let window = Duration::from_secs(60);
    assert_eq!(a.hit("user:1", window).await.count, 1);
    assert_eq!(b.hit("user:1", window).await.count, 2);
    let third = a.hit("user:1", window).await;
    assert_eq!(third.count, 3);
    assert!(third.resets_in <= window && third.resets_in > Duration::from_secs(50));
    assert_eq!(b.hit("user:2", window).await.count, 1);
}

/// A TCP forwarder to Redis that can be cut and restored on the same port,
/// as a network partition would.
struct Cable {
    port: u16,
    task: Option<JoinHandle<()>>,
}

impl Cable {
    async fn connect(target: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut cable = Self { port, task: None };
        cable.serve(listener, target);
        cable
    }

    fn serve(&mut self, listener: TcpListener, target: String) {
        self.task = Some(tokio::spawn(async move {
            // Aborting this task drops the set, which aborts every pipe.
            let mut pipes = tokio::task::JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                pipes.spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        }));
    }

    /// Cuts every connection and stops answering.
    fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    async fn restore(&mut self, target: String) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener, target);
    }
}

#[tokio::test]
async fn redis_an_outage_falls_back_to_this_instance_and_recovers_by_itself() {
    let (url, prefix) = (redis_url(), prefix());
    let target = url
        .trim_start_matches("redis://")
        .split('/')
        .next()
        .unwrap()
        .to_owned();
    let mut cable = Cable::connect(target.clone()).await;
    let redis = open(&format!("redis://127.0.0.1:{}", cable.port), &prefix);
    assert!(redis.ping().await);
    let bus = RedisEventBus::start(redis.clone());
    let throttle = RedisLoginThrottle::new(redis.clone(), 2, chrono::Duration::minutes(1));
    let mut events = bus.subscribe();
    // Wait until subscribed.
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            bus.publish(&Event::new("probe", String::new()).unwrap())
                .await
                .unwrap();
            if let Ok(Some(_)) =
                tokio::time::timeout(Duration::from_millis(100), events.next()).await
            {
                break;
            }
        }
    })
    .await
    .expect("subscribed");

    cable.cut();
    // Redis is away: requests keep working on this instance.
    let outage = Event::new("ws", "during".into()).unwrap();
    assert!(matches!(
        bus.publish(&outage).await,
        Err(EventBusError::Unavailable(_))
    ));
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), async {
        while !seen.iter().any(|e: &Event| e.payload == "during") {
            seen.push(events.next().await.unwrap());
        }
    })
    .await
    .expect("this instance's subscribers still get its events");
    assert!(!redis.ping().await);
    let key = "198.51.100.9|someone@example.com";
    assert_eq!(throttle.acquire(key, Utc::now()).await, None);
    assert_eq!(throttle.acquire(key, Utc::now()).await, None);
    assert!(
        throttle.acquire(key, Utc::now()).await.is_some(),
        "the per-instance throttle holds the line meanwhile"
    );

    cable.restore(target).await;
    let mut gap = seen.iter().any(|e| e.topic == GAP_TOPIC);
    let back = tokio::time::timeout(Duration::from_secs(15), async {
        loop {
            if bus
                .publish(&Event::new("ws", "after".into()).unwrap())
                .await
                .is_ok()
            {
                while let Ok(Some(e)) =
                    tokio::time::timeout(Duration::from_millis(200), events.next()).await
                {
                    gap |= e.topic == GAP_TOPIC;
                    if e.payload == "after" {
                        return true;
                    }
                }
            } else {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    })
    .await
    .expect("publishing and the subscription come back by themselves");
    assert!(back);
    assert!(gap, "subscribers were told that events may have been lost");
    assert!(redis.ping().await);
}
