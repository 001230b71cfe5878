//! A 3-master Redis Cluster of throwaway servers: three cluster-enabled
//! `redis-server`s on free ports whose bus ports (+10000) are free too,
//! joined with `redis-cli --cluster create ... --cluster-replicas 0`.

use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use super::{connect, free_port, require, DumpedKey, RedisServer, HOST};

const CLUSTER_TIMEOUT: Duration = Duration::from_secs(60);

/// A free port `p <= 55535` whose cluster bus port `p + 10000` is free too.
fn free_cluster_port() -> u16 {
    for _ in 0..200 {
        let port = free_port();
        if port <= 55_535 && TcpListener::bind((HOST, port + 10_000)).is_ok() {
            return port;
        }
    }
    panic!("no free port pair (p, p+10000) for a cluster node");
}

/// A 3-master Redis Cluster (no replicas).
pub struct RedisCluster {
    nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// Starts three cluster-enabled servers, joins them with
    /// `redis-cli --cluster create` and waits for `cluster_state:ok`.
    pub fn start() -> RedisCluster {
        require("redis-server");
        require("redis-cli");
        let cluster_args = [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "5000",
        ];
        let nodes: Vec<RedisServer> = (0..3)
            .map(|_| {
                RedisServer::start_with(
                    cluster_args.iter().map(|s| s.to_string()).collect(),
                    free_cluster_port,
                )
            })
            .collect();
        let output = Command::new("redis-cli")
            .arg("--cluster")
            .arg("create")
            .args(nodes.iter().map(|n| format!("{HOST}:{}", n.port())))
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdin(Stdio::null())
            .output()
            .expect("run redis-cli --cluster create");
        assert!(
            output.status.success(),
            "redis-cli --cluster create failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let deadline = Instant::now() + CLUSTER_TIMEOUT;
        loop {
            let all_ok = nodes.iter().all(|node| {
                connect(&node.url())
                    .and_then(|mut c| redis::cmd("CLUSTER").arg("INFO").query::<String>(&mut c))
                    .map(|info| info.contains("cluster_state:ok"))
                    .unwrap_or(false)
            });
            if all_ok {
                return RedisCluster { nodes };
            }
            assert!(
                Instant::now() < deadline,
                "the cluster did not reach cluster_state:ok within {CLUSTER_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The seed URLs (every node).
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The nodes.
    pub fn nodes(&self) -> &[RedisServer] {
        &self.nodes
    }

    /// The hash slot of `key` (CLUSTER KEYSLOT).
    pub fn slot_of(&self, key: &str) -> u16 {
        let mut c = connect(&self.nodes[0].url()).expect("connect to a cluster node");
        redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut c)
            .expect("CLUSTER KEYSLOT")
    }

    /// Index of the node serving `slot` (from CLUSTER SHARDS' ranges via CLUSTER NODES).
    pub fn node_of_slot(&self, slot: u16) -> usize {
        for (i, node) in self.nodes.iter().enumerate() {
            let mut c = connect(&node.url()).expect("connect to a cluster node");
            let nodes: String = redis::cmd("CLUSTER")
                .arg("NODES")
                .query(&mut c)
                .expect("CLUSTER NODES");
            let Some(myself) = nodes.lines().find(|l| l.contains("myself")) else {
                continue;
            };
            let serves =
                myself
                    .split_whitespace()
                    .skip(8)
                    .any(|range| match range.split_once('-') {
                        Some((lo, hi)) => {
                            lo.parse::<u16>().is_ok_and(|lo| lo <= slot)
                                && hi.parse::<u16>().is_ok_and(|hi| slot <= hi)
                        }
                        None => range.parse::<u16>() == Ok(slot),
                    });
            if serves {
                return i;
            }
        }
        panic!("no node serves slot {slot}");
    }

    /// Every key of every node.
    pub fn dump_all(&self) -> Vec<DumpedKey> {
        self.nodes.iter().flat_map(RedisServer::dump_all).collect()
    }
}

/// The cluster shared by the tests of one binary, started on first use.
pub fn shared_cluster() -> &'static RedisCluster {
    static CLUSTER: OnceLock<RedisCluster> = OnceLock::new();
    CLUSTER.get_or_init(RedisCluster::start)
}
