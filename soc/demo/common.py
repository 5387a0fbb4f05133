"""Shared pieces of the synthetic province: log lines, clocks, client IPs and user agents."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

PROVINCE = "Tỉnh Demo"
DOMAIN = "demo.gov.vn"
PORTAL_VHOST = f"www.{DOMAIN}"
DVC_VHOST = f"dichvucong.{DOMAIN}"
BASTION = "bastion"

# Share of traffic per local hour (a provincial portal: office hours, a lunch dip, quiet nights).
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 4, 8, 12, 13, 12, 9, 6, 8, 12, 13, 11, 8, 6, 6, 5, 4, 3, 2)

# Plausible Vietnamese ISP ranges (VNPT, Viettel, FPT) for citizens; documentation ranges for attackers.
VN_PREFIXES = ("14.{}", "113.{}", "27.{}", "171.{}", "116.{}", "1.{}", "42.{}", "123.{}")
VN_SECOND = {
    "14.{}": (160, 191),
    "113.{}": (160, 191),
    "27.{}": (64, 79),
    "171.{}": (224, 255),
    "116.{}": (96, 111),
    "1.{}": (52, 55),
    "42.{}": (112, 119),
    "123.{}": (16, 31),
}
GOOGLEBOT_IPS = tuple(f"66.249.66.{n}" for n in (1, 3, 15, 34, 71, 102, 160, 199))
COCCOCBOT_IPS = tuple(f"123.30.175.{n}" for n in (2, 3, 4, 21))
OFFICE_IPS = ("113.160.92.10", "113.160.92.11", "14.160.33.90")  # the provincial offices' NAT addresses

BROWSERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) coc_coc_browser/131.0.214 "
    "Chrome/130.0.6723.214 Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 "
    "Safari/537.36 Edg/130.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 "
    "Safari/605.1.15",
)
MOBILE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.6 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; SM-A556E) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.39 "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; CPH2481) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.6723.102 "
    "Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 12; Redmi Note 11) AppleWebKit/537.36 (KHTML, like Gecko) "
    "coc_coc_browser/131.0.1 Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 Zalo iOS/456 ZaloTheme/light ZaloLanguage/vn",
    "Mozilla/5.0 (Linux; Android 14; 23053RN02Y Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/130.0.6723.107 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/487.0.0.54.75;]",
)
GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
COCCOCBOT = "Mozilla/5.0 (compatible; coccocbot-web/1.0; +http://help.coccoc.com/searchengine)"
BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"


@dataclass(frozen=True)
class Line:
    """One log line with its local time; ``incident`` names the injected attack it belongs to (None = benign)."""

    ts: datetime
    text: str
    incident: str | None = None


@dataclass(frozen=True)
class Client:
    ip: str
    ua: str
    bot: bool = False


def day_list(end: date, days: int) -> list[date]:
    """The ``days`` local dates ending with ``end``, oldest first."""
    if days < 1:
        raise ValueError("days must be at least 1")
    return [end - timedelta(days=days - 1 - i) for i in range(days)]


def at(day: date, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute, second), TZ)


def random_time(rng: random.Random, day: date, weights: tuple[int, ...] = HOUR_WEIGHTS) -> datetime:
    """A local time on ``day`` following the diurnal ``weights``."""
    hour = rng.choices(range(24), weights=weights)[0]
    return at(day, hour, rng.randrange(60), rng.randrange(60)) + timedelta(
        microseconds=rng.randrange(1_000_000)
    )


def vn_ip(rng: random.Random) -> str:
    prefix = rng.choice(VN_PREFIXES)
    lo, hi = VN_SECOND[prefix]
    return f"{prefix.format(rng.randint(lo, hi))}.{rng.randint(1, 254)}.{rng.randint(1, 254)}"


def citizens(rng: random.Random, n: int) -> list[Client]:
    """``n`` distinct Vietnamese clients, each keeping one browser (60% mobile)."""
    seen: dict[str, Client] = {}
    while len(seen) < n:
        ip = vn_ip(rng)
        ua = rng.choice(MOBILE) if rng.random() < 0.6 else rng.choice(BROWSERS)
        seen.setdefault(ip, Client(ip, ua))
    return list(seen.values())


def token(rng: random.Random, n: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def hexstr(rng: random.Random, n: int) -> str:
    return token(rng, n, "0123456789abcdef")


def uuid_like(rng: random.Random) -> str:
    h = hexstr(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def time_local(ts: datetime) -> str:
    """nginx ``$time_local``: ``24/Nov/2026:10:00:01 +0700``."""
    return f"{ts.day:02d}/{MONTHS[ts.month - 1]}/{ts.year}:{ts.strftime('%H:%M:%S %z')}"


def time_iso(ts: datetime) -> str:
    """nginx ``$time_iso8601``: ``2026-11-24T10:00:01+07:00``."""
    return ts.replace(microsecond=0).isoformat()


def syslog_time(ts: datetime) -> str:
    """Traditional syslog stamp as auth.log writes it, day space-padded: ``Nov  4 10:00:01``."""
    return f"{MONTHS[ts.month - 1]} {ts.day:>2} {ts.strftime('%H:%M:%S')}"


def incident_days(days: list[date], kind_no: int, count: int) -> list[date]:
    """Spread ``count`` occurrences of incident kind number ``kind_no`` over the days, round robin."""
    return [days[(kind_no + i) % len(days)] for i in range(count)]
