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

use std::fs::{self, File};
use std::io;
use std::net::Ipv4Addr;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

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
    InterfaceControl::new()?.bring_up("lo")
}

/// A datagram socket of the calling thread's network namespace, for the interface ioctls.
struct InterfaceControl(OwnedFd);

impl InterfaceControl {
    fn new() -> io::Result<InterfaceControl> {
        // SAFETY: socket takes integers only; the descriptor is owned from here on.
        let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd was just opened and nothing else owns it.
        Ok(InterfaceControl(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    /// An `ifreq` naming `name`.
    fn request(name: &str) -> io::Result<libc::ifreq> {
        // SAFETY: ifreq is plain data; all zero is a valid value.
        let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
        if name.len() >= req.ifr_name.len() || name.contains('\0') {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("bad interface name {name:?}"),
            ));
        }
        for (dst, src) in req.ifr_name.iter_mut().zip(name.bytes()) {
            *dst = src as libc::c_char;
        }
        Ok(req)
    }

    fn ioctl(&self, op: libc::Ioctl, req: &mut libc::ifreq) -> io::Result<()> {
        // SAFETY: the socket is open; req is a valid ifreq the kernel reads or fills.
        if unsafe { libc::ioctl(self.0.as_raw_fd(), op, req as *mut libc::ifreq) } < 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// Sets IFF_UP on the interface.
    fn bring_up(&self, name: &str) -> io::Result<()> {
        let mut req = Self::request(name)?;
        self.ioctl(libc::SIOCGIFFLAGS as libc::Ioctl, &mut req)?;
        // SAFETY: SIOCGIFFLAGS filled the flags member of the union.
        unsafe { req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short };
        self.ioctl(libc::SIOCSIFFLAGS as libc::Ioctl, &mut req)
    }

    /// Gives a point-to-point interface its address and its peer's (which also makes the
    /// route to the peer).
    fn set_point_to_point(&self, name: &str, local: Ipv4Addr, peer: Ipv4Addr) -> io::Result<()> {
        for (op, addr) in [(libc::SIOCSIFADDR, local), (libc::SIOCSIFDSTADDR, peer)] {
            let mut req = Self::request(name)?;
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: 0,
                sin_addr: libc::in_addr {
                    s_addr: u32::from(addr).to_be(),
                },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_in fits in the union's sockaddr, as the kernel expects for
            // these requests.
            unsafe {
                std::ptr::write_unaligned(
                    std::ptr::addr_of_mut!(req.ifr_ifru.ifru_addr).cast::<libc::sockaddr_in>(),
                    sin,
                )
            };
            self.ioctl(op as libc::Ioctl, &mut req)?;
        }
        Ok(())
    }
}

/// A TUN device: a network interface whose packets (whole IP packets, no link header) are
/// read from and written to a file. It lives in the network namespace it was made in, and
/// goes away when the file is closed.
#[derive(Debug)]
pub struct Tun {
    pub name: String,
    pub file: File,
}

/// Makes a TUN device named `name` in the calling thread's network namespace, with the
/// point-to-point addresses `local` and `peer`, and brings it up (and `lo` too). Needs
/// CAP_NET_ADMIN over that namespace, which root in the private namespace has.
pub fn create_tun(name: &str, local: Ipv4Addr, peer: Ipv4Addr) -> io::Result<Tun> {
    let context = |what: &str, e: io::Error| io::Error::new(e.kind(), format!("{what}: {e}"));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/net/tun")
        .map_err(|e| match e.kind() {
            io::ErrorKind::PermissionDenied => io::Error::new(
                e.kind(),
                "/dev/net/tun is not open to this user (most systems let everyone open it: \
                 sudo chmod 0666 /dev/net/tun); or run with sudo",
            ),
            _ => context("/dev/net/tun", e),
        })?;
    let mut req = InterfaceControl::request(name)?;
    req.ifr_ifru.ifru_flags = (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short;
    // SAFETY: the file is /dev/net/tun; req a valid ifreq with the name and the flags.
    if unsafe {
        libc::ioctl(
            file.as_raw_fd(),
            libc::TUNSETIFF,
            &mut req as *mut libc::ifreq,
        )
    } < 0
    {
        return Err(context(
            "creating the TUN device",
            io::Error::last_os_error(),
        ));
    }
    let control = InterfaceControl::new()?;
    control
        .set_point_to_point(name, local, peer)
        .map_err(|e| context(&format!("addressing {name}"), e))?;
    control
        .bring_up(name)
        .map_err(|e| context(&format!("bringing up {name}"), e))?;
    control
        .bring_up("lo")
        .map_err(|e| context("bringing up lo", e))?;
    Ok(Tun {
        name: name.to_owned(),
        file,
    })
}

/// Runs `make` in a new network namespace, then comes back to the calling thread's own: what
/// `make` creates there (a device, a bound socket) stays in the new namespace, which lives as
/// long as they do. Needs CAP_SYS_ADMIN over the current namespace (root in the private one).
pub fn in_new_netns<T>(make: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
    let home = File::open("/proc/thread-self/ns/net")?;
    // SAFETY: unshare takes flags only; it moves this thread alone into a new namespace.
    if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let made = make();
    // SAFETY: home is an open namespace file; setns moves this thread back into it.
    if unsafe { libc::setns(home.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        // This thread is stranded in the new namespace: nothing after this can be trusted.
        return Err(io::Error::other(format!(
            "cannot return to the first network namespace: {}",
            io::Error::last_os_error()
        )));
    }
    made
}
