"""The SSH bastion's auth.log (sshd, sudo, cron, systemd-logind) with brute force, spraying and root shells."""

from __future__ import annotations

import base64
import random
from datetime import date, datetime, timedelta

from soc.demo.common import BASTION, Line, at, random_time, syslog_time

# user -> (workstation IP, login method, uses sudo)
STAFF = {
    "admin": ("10.10.1.5", "publickey", True),
    "vanhanh": ("10.10.1.6", "publickey", True),
    "tuan.nv": ("10.10.1.23", "password", True),
    "hoa.lt": ("10.10.1.24", "password", False),
    "backup": ("10.10.1.20", "publickey", False),
}
UIDS = {"admin": 1000, "vanhanh": 1001, "tuan.nv": 1002, "hoa.lt": 1003, "backup": 1004}
SUDO_COMMANDS = (
    "/usr/bin/systemctl restart nginx",
    "/usr/bin/systemctl status nginx",
    "/usr/sbin/nginx -t",
    "/usr/bin/tail -n 200 /var/log/nginx/error.log",
    "/usr/bin/journalctl -u nginx --since today",
    "/usr/bin/apt-get update",
    "/usr/bin/df -h",
    "/usr/bin/systemctl reload nginx",
    "/usr/bin/less /var/log/syslog",
)
SPRAY_USERS = (
    ("test", "oracle", "ubuntu", "postgres", "git", "ftpuser", "support", "guest"),
    ("root", "admin", "user", "administrator", "demo", "deploy", "jenkins", "pi"),
)
LOGIND = "systemd-logind[812]"


class _Host:
    """Line factory for one host: syslog prefix, increasing PIDs, login-session numbers."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.pid = rng.randint(20_000, 30_000)
        self.session = rng.randint(100, 400)

    def next_pid(self) -> int:
        self.pid += self.rng.randint(3, 60)
        return self.pid

    def next_session(self) -> int:
        self.session += 1
        return self.session

    @staticmethod
    def line(t: datetime, prog: str, msg: str, incident: str | None = None) -> Line:
        return Line(t, f"{syslog_time(t)} {BASTION} {prog}: {msg}", incident)


def _fingerprint(user: str) -> str:
    digest = base64.b64encode((user * 32).encode()[:32]).decode().rstrip("=")
    return f"ED25519 SHA256:{digest}" if user == "backup" else f"RSA SHA256:{digest}"


def session(
    h: _Host,
    t: datetime,
    user: str,
    ip: str,
    method: str,
    sudo: list[str],
    minutes: float,
    typo: bool = False,
    incident: str | None = None,
    sudo_incident: str | None = None,
) -> list[Line]:
    """One SSH login on the bastion, its sudo commands, and its logout."""
    rng, out = h.rng, []
    pid, port, sid = h.next_pid(), rng.randint(32_768, 60_999), h.next_session()
    sshd = f"sshd[{pid}]"
    if typo:
        out.append(
            h.line(
                t,
                sshd,
                f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                f"ruser= rhost={ip}  user={user}",
                incident,
            )
        )
        out.append(
            h.line(
                t + timedelta(seconds=2),
                sshd,
                f"Failed password for {user} from {ip} port {port} ssh2",
                incident,
            )
        )
        t += timedelta(seconds=rng.randint(5, 12))
    suffix = f": {_fingerprint(user)}" if method == "publickey" else ""
    out.append(h.line(t, sshd, f"Accepted {method} for {user} from {ip} port {port} ssh2{suffix}", incident))
    out.append(
        h.line(t, sshd, f"pam_unix(sshd:session): session opened for user {user} by (uid=0)", incident)
    )
    out.append(h.line(t, LOGIND, f"New session {sid} of user {user}.", incident))
    tty = f"pts/{rng.randint(0, 3)}"
    for k, cmd in enumerate(sudo):
        ts = t + timedelta(seconds=30 + k * rng.randint(20, 200))
        tag = sudo_incident if cmd in ("/bin/bash", "/bin/sh") else incident
        out.append(
            h.line(ts, "sudo", f"  {user} : TTY={tty} ; PWD=/home/{user} ; USER=root ; COMMAND={cmd}", tag)
        )
        out.append(
            h.line(
                ts,
                "sudo",
                f"pam_unix(sudo:session): session opened for user root by {user}(uid={UIDS.get(user, 1000)})",
                incident,
            )
        )
        out.append(
            h.line(
                ts + timedelta(seconds=rng.randint(1, 40)),
                "sudo",
                "pam_unix(sudo:session): session closed for user root",
                incident,
            )
        )
    end = t + timedelta(minutes=minutes)
    out += [
        h.line(end, sshd, f"Received disconnect from {ip} port {port}:11: disconnected by user", incident),
        h.line(end, sshd, f"Disconnected from user {user} {ip} port {port}", incident),
        h.line(end, sshd, f"pam_unix(sshd:session): session closed for user {user}", incident),
        h.line(end, LOGIND, f"Session {sid} logged out. Waiting for processes to exit.", incident),
        h.line(end, LOGIND, f"Removed session {sid}.", incident),
    ]
    return out


def benign_day(h: _Host, day: date, volume: int) -> list[Line]:
    """A normal day on the bastion: cron every minute, a monitoring TCP check hourly, staff sessions."""
    rng, out = h.rng, []
    for minute in range(24 * 60):
        t = at(day, minute // 60, minute % 60, 1)
        pid = h.next_pid()
        out.append(
            h.line(t, f"CRON[{pid}]", "pam_unix(cron:session): session opened for user root by (uid=0)")
        )
        out.append(
            h.line(
                t + timedelta(seconds=1),
                f"CRON[{pid}]",
                "pam_unix(cron:session): session closed for user root",
            )
        )
    for hour in range(24):
        t = at(day, hour, 30, 12)
        out.append(
            h.line(
                t,
                f"sshd[{h.next_pid()}]",
                f"Connection closed by 10.10.1.30 port {rng.randint(32_768, 60_999)} [preauth]",
            )
        )
    t = at(day, 1, 15, rng.randrange(60))  # the nightly backup pull
    out += session(h, t, "backup", STAFF["backup"][0], "publickey", [], rng.uniform(4, 20))
    office = (0, 0, 0, 0, 0, 0, 0, 4, 10, 10, 8, 6, 1, 4, 10, 10, 8, 4, 1, 1, 0, 0, 0, 0)
    for _ in range(max(volume // 250, 6)):
        user = rng.choice(("admin", "vanhanh", "tuan.nv", "hoa.lt"))
        ip, method, can_sudo = STAFF[user]
        t = random_time(rng, day, office)
        if method == "password" and rng.random() < 0.03:  # a mistyped user name
            port = rng.randint(32_768, 60_999)
            sshd = f"sshd[{h.next_pid()}]"
            wrong = user.replace(".", "") if rng.random() < 0.5 else user + user[-1]
            out.append(h.line(t, sshd, f"Invalid user {wrong} from {ip} port {port}"))
            out.append(
                h.line(
                    t + timedelta(seconds=1),
                    sshd,
                    f"Connection closed by invalid user {wrong} {ip} port {port} [preauth]",
                )
            )
            t += timedelta(seconds=rng.randint(8, 30))
        sudo = rng.sample(SUDO_COMMANDS, rng.randint(0, 3)) if can_sudo else []
        typo = method == "password" and rng.random() < 0.08
        out += session(h, t, user, ip, method, sudo, rng.uniform(2, 90), typo=typo)
    return out


def brute_force(h: _Host, t: datetime, ip: str, user: str, attempts: int = 24) -> tuple[list[Line], datetime]:
    """``attempts`` wrong passwords from one IP in about 2–3 minutes, 6 per connection (MaxAuthTries)."""
    rng, out = h.rng, []
    per_try = 150 / attempts
    done = 0
    while done < attempts:
        pid, port = h.next_pid(), rng.randint(32_768, 60_999)
        sshd = f"sshd[{pid}]"
        out.append(
            h.line(
                t,
                sshd,
                f"pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                f"ruser= rhost={ip}  user={user}",
                "ssh-bruteforce",
            )
        )
        for _ in range(min(6, attempts - done)):
            out.append(
                h.line(t, sshd, f"Failed password for {user} from {ip} port {port} ssh2", "ssh-bruteforce")
            )
            done += 1
            t += timedelta(seconds=rng.uniform(0.6, 1.4) * per_try)
        out.append(
            h.line(
                t,
                sshd,
                f"Disconnecting authenticating user {user} {ip} port {port}: Too many "
                f"authentication failures [preauth]",
                "ssh-bruteforce",
            )
        )
    return out, t


def spray(h: _Host, t: datetime, ip: str, users: tuple[str, ...]) -> list[Line]:
    """One password per user name, many names, one source: ``len(users)`` failures in about 5 minutes."""
    rng, out = h.rng, []
    for user in users:
        sshd, port = f"sshd[{h.next_pid()}]", rng.randint(32_768, 60_999)
        if user in STAFF or user == "root":
            out.append(h.line(t, sshd, f"Failed password for {user} from {ip} port {port} ssh2", "ssh-spray"))
            out.append(
                h.line(
                    t,
                    sshd,
                    f"Connection closed by authenticating user {user} {ip} port {port} [preauth]",
                    "ssh-spray",
                )
            )
        else:
            out.append(h.line(t, sshd, f"Invalid user {user} from {ip} port {port}", "ssh-spray"))
            t += timedelta(seconds=2)
            out.append(
                h.line(
                    t,
                    sshd,
                    f"Failed password for invalid user {user} from {ip} port {port} ssh2",
                    "ssh-spray",
                )
            )
            out.append(
                h.line(
                    t,
                    sshd,
                    f"Connection closed by invalid user {user} {ip} port {port} [preauth]",
                    "ssh-spray",
                )
            )
        t += timedelta(seconds=rng.randint(20, 45))
    return out


def auth_log(rng: random.Random, days: list[date], volume: int) -> list[Line]:
    """The bastion's auth.log over ``days``, incidents included."""
    h = _Host(rng)
    out: list[Line] = []
    for day in days:
        out += benign_day(h, day, volume)

    def day_at(i: int, hour: int) -> datetime:
        return at(days[i % len(days)], hour, rng.randrange(60), rng.randrange(60))

    # brute force, then the attacker gets in and opens a root shell (twice); once without success
    for i, (ip, user, success) in enumerate(
        (("203.0.113.45", "admin", True), ("192.0.2.66", "root", False), ("203.0.113.77", "admin", True))
    ):
        lines, t = brute_force(h, day_at(i, (2, 13, 3)[i]), ip, user)
        out += lines
        if success:
            t += timedelta(seconds=rng.randint(90, 300))
            out += session(
                h,
                t,
                user,
                ip,
                "password",
                ["/usr/bin/id", "/bin/bash"],
                rng.uniform(10, 40),
                incident="ssh-bruteforce-success",
                sudo_incident="sudo-root-shell",
            )
    out += spray(h, day_at(1, 4), "198.51.100.23", SPRAY_USERS[0])
    out += spray(h, day_at(2, 23), "198.51.100.140", SPRAY_USERS[1])
    # an operator opening a root shell at night from the usual workstation
    out += session(
        h,
        day_at(1, 2),
        "vanhanh",
        STAFF["vanhanh"][0],
        "publickey",
        ["/bin/bash"],
        25,
        sudo_incident="sudo-root-shell",
    )
    return out
