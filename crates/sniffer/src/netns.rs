//! Running without capture privileges: a private user and network namespace.
//!
//! Capturing needs CAP_NET_RAW, which ordinary users lack. But `sniff-demo` only needs to see
//! its own traffic, so it can make a world of its own: a new *user namespace*, in which the
//! user is root (uid 0 inside maps to the real uid outside, so files it creates belong to the
//! user), together with a new *network namespace*, which has its own loopback interface and
//! nothing else. Root in that user namespace holds CAP_NET_RAW over that network namespace,
//! so the capture works; the server, the client and the capture all live there, and the
//! timeline is the same as on the host's `lo`. Nothing else on the machine can be seen, and
//! nothing collides with the host's port 12345.
//!
//! Linux allows `unshare(CLONE_NEWUSER)` only in a single-threaded process, so
//! [`enter_private_netns`] must run before any thread or async runtime starts.

use std::fs;
use std::io;

/// Why a private namespace could not be made, and what the user can do instead.
#[derive(Debug, thiserror::Error)]
pub enum NetnsError {
    #[error(
        "cannot capture without privileges, and this system does not allow user namespaces \
         ({reason}). Ways forward: run with sudo; or allow this program once: sudo setcap \
         cap_net_raw,cap_net_admin=eip {program}; or allow unprivileged user namespaces \
         (Debian: sudo sysctl -w kernel.unprivileged_userns_clone=1; Ubuntu 23.10 and later: \
         sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0; everywhere: \
         user.max_user_namespaces must be above 0)"
    )]
    Unavailable { reason: String, program: String },
    #[error("cannot set up the private namespace: {0}")]
    Setup(String),
    #[error("the private namespace must be made before any other thread starts ({0} running)")]
    Threads(usize),
}

/// Moves this process into a new user and network namespace, as root there, with the new
/// namespace's loopback interface up.
pub fn enter_private_netns() -> Result<(), NetnsError> {
    let running = crate::privileges::thread_count();
    if running > 1 {
        return Err(NetnsError::Threads(running));
    }
    // SAFETY: plain system calls with no pointers.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    // SAFETY: unshare takes flags only; the process is single-threaded (checked above).
    if unsafe { libc::unshare(libc::CLONE_NEWUSER | libc::CLONE_NEWNET) } != 0 {
        let err = io::Error::last_os_error();
        return Err(NetnsError::Unavailable {
            reason: format!("unshare: {err}"),
            program: std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "<path to this program>".to_owned()),
        });
    }
    let write = |file: &str, text: String| {
        fs::write(file, text).map_err(|e| NetnsError::Setup(format!("{file}: {e}")))
    };
    // An unprivileged process may map only its own ids, and only after giving up setgroups.
    write("/proc/self/setgroups", "deny".to_owned())?;
    write("/proc/self/uid_map", format!("0 {uid} 1"))?;
    write("/proc/self/gid_map", format!("0 {gid} 1"))?;
    bring_up_loopback().map_err(|e| NetnsError::Setup(format!("bringing up lo: {e}")))
}

/// Sets the IFF_UP flag of `lo` (a new network namespace starts with it down).
pub fn bring_up_loopback() -> io::Result<()> {
    // SAFETY: a datagram socket only used for the two ioctls below, closed at the end.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: ifreq is plain data; all zero is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, src) in req.ifr_name.iter_mut().zip(b"lo\0") {
        *dst = *src as libc::c_char;
    }
    // SAFETY: fd is a socket, req a valid ifreq naming "lo"; the kernel fills or reads flags.
    let result = unsafe {
        if libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req) < 0 {
            Err(io::Error::last_os_error())
        } else {
            req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
            if libc::ioctl(fd, libc::SIOCSIFFLAGS, &req) < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(())
            }
        }
    };
    // SAFETY: closing the socket opened above.
    unsafe { libc::close(fd) };
    result
}
