//! Capture rights: held only until the capture is open, then given up for good.
//!
//! Opening a packet socket needs `CAP_NET_RAW` (and libpcap's ring setup `CAP_NET_ADMIN`).
//! A process gets them by running as root, under sudo, from file capabilities granted to its
//! binary (`setcap cap_net_raw,cap_net_admin=eip`), or as root of a private user namespace
//! ([`crate::netns`]). Whichever way it came, the right is needed for one thing: opening the
//! capture, whose BPF filter then decides what the process can ever see. Once it is open,
//! [`give_up`] drops everything, as Wireshark's dumpcap does and as `tcpdump -Z` does for
//! root:
//!
//! - under sudo, root itself: no supplementary groups, then the invoking user's group and user
//!   (files written later belong to whoever typed the command);
//! - every capability: the bounding set where the process may change it, then ambient,
//!   inheritable, effective and permitted;
//! - and `no_new_privs`, so that nothing the process runs afterwards can gain any back
//!   (not even from a setuid or file-capability binary).
//!
//! Capabilities belong to each thread, so [`give_up`] must run while the process has one
//! thread only: the threads started afterwards (the async runtime, the savefile writer)
//! inherit the empty sets. [`held`] reads what every thread of the process holds, from
//! `/proc/self/task/*/status`, so that a run can show it gave everything up.

use std::fs;
use std::io;

use caps::CapSet;

/// Why privileges could not be given up (the run stops rather than go on holding them).
#[derive(Debug, thiserror::Error)]
pub enum PrivilegeError {
    #[error("cannot give up root for user {uid} (SUDO_UID): {reason}")]
    User { uid: u32, reason: String },
    #[error("cannot give up the capture capabilities: {0}")]
    Capabilities(String),
    #[error("capture rights must be given up while the process has one thread ({0} are running)")]
    Threads(usize),
}

/// Whether this process may open a packet socket on its network namespace: `Ok(false)` when
/// the kernel says it lacks the right (no root, no `CAP_NET_RAW`).
///
/// Tried with a packet socket of protocol 0, which receives nothing: the check sees no
/// packet and costs no capture ring.
pub fn may_capture() -> io::Result<bool> {
    // SAFETY: plain system call; the descriptor is closed below.
    let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        let err = io::Error::last_os_error();
        return match err.raw_os_error() {
            Some(libc::EPERM) | Some(libc::EACCES) => Ok(false),
            _ => Err(err),
        };
    }
    // SAFETY: closing the socket opened above.
    unsafe { libc::close(fd) };
    Ok(true)
}

/// Under sudo: the invoking user's ids (SUDO_UID, SUDO_GID), when this process is root.
pub fn sudo_user() -> Option<(u32, u32)> {
    // SAFETY: a plain system call.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let id = |name: &str| std::env::var(name).ok()?.parse::<u32>().ok();
    Some((id("SUDO_UID")?, id("SUDO_GID")?))
}

/// Gives up every privilege for good, once the capture is open: becomes `user` (uid, gid)
/// when given (under sudo), drops every capability and sets `no_new_privs`. Capture handles
/// already open stay usable. Fails, rather than go on, if anything is still held afterwards.
pub fn give_up(user: Option<(u32, u32)>) -> Result<(), PrivilegeError> {
    let threads = thread_count();
    if threads > 1 {
        return Err(PrivilegeError::Threads(threads));
    }
    let cap_err = |e: caps::errors::CapsError| PrivilegeError::Capabilities(e.to_string());
    // The bounding set can only be emptied while CAP_SETPCAP is held (root, not file
    // capabilities); without it, no_new_privs below keeps anything from coming back.
    if caps::has_cap(None, CapSet::Effective, caps::Capability::CAP_SETPCAP).unwrap_or(false) {
        caps::clear(None, CapSet::Bounding).map_err(cap_err)?;
    }
    if let Some((uid, gid)) = user {
        become_user(uid, gid).map_err(|e| PrivilegeError::User {
            uid,
            reason: e.to_string(),
        })?;
    }
    caps::clear(None, CapSet::Ambient).map_err(cap_err)?;
    caps::clear(None, CapSet::Inheritable).map_err(cap_err)?;
    caps::clear(None, CapSet::Effective).map_err(cap_err)?;
    caps::clear(None, CapSet::Permitted).map_err(cap_err)?;
    // SAFETY: prctl with integer arguments only.
    if unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) } != 0 {
        return Err(PrivilegeError::Capabilities(format!(
            "no_new_privs: {}",
            io::Error::last_os_error()
        )));
    }
    let now = held().map_err(|e| PrivilegeError::Capabilities(e.to_string()))?;
    if now.effective != 0 || now.permitted != 0 || now.inheritable != 0 || now.ambient != 0 {
        return Err(PrivilegeError::Capabilities(format!(
            "still held after dropping them: {now:?}"
        )));
    }
    Ok(())
}

/// Gives up root for good, as `tcpdump -Z`: no supplementary groups, then the group, then
/// the user.
fn become_user(uid: u32, gid: u32) -> io::Result<()> {
    // SAFETY: plain system calls; setgroups gets an empty list.
    unsafe {
        if libc::setgroups(0, std::ptr::null()) != 0
            || libc::setgid(gid) != 0
            || libc::setuid(uid) != 0
        {
            return Err(io::Error::last_os_error());
        }
        // Dropping must be irreversible.
        if uid != 0 && libc::setuid(0) == 0 {
            return Err(io::Error::other(
                "could still regain root after dropping it",
            ));
        }
    }
    Ok(())
}

/// What the process holds: for each capability set, the union over all its threads, as the
/// kernel shows it in `/proc/self/task/*/status` (bit n is capability n, as in `capsh
/// --decode`).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Held {
    /// Real, effective, saved and filesystem user ids of the process.
    pub uids: [u32; 4],
    pub effective: u64,
    pub permitted: u64,
    pub inheritable: u64,
    pub ambient: u64,
    /// Whether every thread has `no_new_privs` set.
    pub no_new_privs: bool,
    /// Threads read.
    pub threads: usize,
}

/// Reads [`Held`] for every thread of this process.
pub fn held() -> io::Result<Held> {
    let mut held = Held {
        no_new_privs: true,
        ..Held::default()
    };
    for entry in fs::read_dir("/proc/self/task")? {
        let status = match fs::read_to_string(entry?.path().join("status")) {
            Ok(s) => s,
            // A thread that ended while we looked holds nothing any more.
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        held.threads += 1;
        for line in status.lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            let hex = || u64::from_str_radix(value, 16).unwrap_or(u64::MAX);
            match key {
                "CapEff" => held.effective |= hex(),
                "CapPrm" => held.permitted |= hex(),
                "CapInh" => held.inheritable |= hex(),
                "CapAmb" => held.ambient |= hex(),
                "NoNewPrivs" => held.no_new_privs &= value == "1",
                "Uid" => {
                    for (slot, id) in held.uids.iter_mut().zip(value.split_whitespace()) {
                        *slot = id.parse().unwrap_or(u32::MAX);
                    }
                }
                _ => {}
            }
        }
    }
    Ok(held)
}

/// Threads of this process, from /proc (1 when it cannot be read).
pub fn thread_count() -> usize {
    fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:"))
                .and_then(|n| n.trim().parse().ok())
        })
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_reads_every_thread_of_this_process() {
        let held = held().expect("read /proc/self/task");
        // The test harness runs this test on a thread of its own, besides the main thread.
        assert!(held.threads >= 2, "{held:?}");
        // SAFETY: a plain system call.
        assert_eq!(held.uids[0], unsafe { libc::getuid() });
    }

    #[test]
    fn give_up_refuses_a_process_with_threads() {
        // The harness's threads would keep their capabilities: refused before anything is
        // dropped, so this test process keeps its own.
        assert!(matches!(give_up(None), Err(PrivilegeError::Threads(n)) if n > 1));
    }
}
