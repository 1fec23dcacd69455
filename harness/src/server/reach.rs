//! Where a server under test reaches this machine: the address a mock service it must
//! call (the IndieAuth token endpoint) listens on.

use std::net::{IpAddr, Ipv4Addr, TcpListener};

use super::docker;
use super::spec::Kind;

impl Kind {
    /// A listener on a free port of an address a server of this kind can reach on
    /// this machine: the Docker bridge gateway for a container (a container's
    /// 127.0.0.1 is its own), 127.0.0.1 otherwise. The error says which address and
    /// why.
    pub(crate) async fn reachable_listener(self) -> Result<TcpListener, String> {
        let ip = match self {
            Kind::Container => tokio::task::spawn_blocking(docker::bridge_gateway)
                .await
                .map_err(|e| format!("cannot look up the Docker bridge gateway: {e}"))?
                .map_err(|e| format!("needs the Docker bridge gateway: {e}"))?,
            Kind::Process | Kind::Url => Ipv4Addr::LOCALHOST,
        };
        TcpListener::bind((IpAddr::V4(ip), 0)).map_err(|e| match self {
            Kind::Container => format!(
                "cannot bind on {ip}: {e} (the Docker bridge gateway: a container server \
                 needs a local engine to reach this machine)"
            ),
            Kind::Process | Kind::Url => format!("cannot bind on {ip}: {e}"),
        })
    }
}
