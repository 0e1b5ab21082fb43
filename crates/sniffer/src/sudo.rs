//! Under sudo: give root up once the capture is open, as `tcpdump -Z` does, so that every
//! file the demo writes belongs to the user who typed the command.

use std::io;

/// Under sudo: the invoking user's ids (SUDO_UID, SUDO_GID), when this process is root.
pub fn sudo_user() -> Option<(u32, u32)> {
    // SAFETY: a plain system call.
    if unsafe { libc::geteuid() } != 0 {
        return None;
    }
    let id = |name: &str| std::env::var(name).ok()?.parse::<u32>().ok();
    Some((id("SUDO_UID")?, id("SUDO_GID")?))
}

/// Gives up root for good, as `tcpdump -Z`: no supplementary groups, then the group, then
/// the user. Capture handles already open stay usable.
pub fn drop_privileges(uid: u32, gid: u32) -> io::Result<()> {
    // SAFETY: plain system calls; setgroups gets an empty list.
    unsafe {
        if libc::setgroups(0, std::ptr::null()) != 0
            || libc::setgid(gid) != 0
            || libc::setuid(uid) != 0
        {
            return Err(io::Error::last_os_error());
        }
        // Dropping must be irreversible.
        if libc::setuid(0) == 0 {
            return Err(io::Error::other(
                "could still regain root after dropping it",
            ));
        }
    }
    Ok(())
}
