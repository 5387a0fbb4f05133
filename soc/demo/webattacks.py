"""Injected web incidents, modelled on what hit Vietnamese provincial portals (see shared/domain/egov-systems.md)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from soc.demo.common import BROWSERS, GOOGLEBOT, GOOGLEBOT_IPS, MOBILE, PORTAL_VHOST, Line, at
from soc.demo.pii import bulk_export, record_scraping
from soc.demo.web import Formatter, combined, dvc_json, record_code

SQLMAP = "sqlmap/1.7.2#stable (https://sqlmap.org)"
NIKTO = "Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:{n:06d})"
NUCLEI = "Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))"

# Attackers live in the documentation ranges (RFC 5737): nothing here points at a real network.
ATTACKERS = ("203.0.113.45", "203.0.113.77", "198.51.100.23", "198.51.100.140", "192.0.2.66", "192.0.2.201")

Request = tuple[str, str, int, int]  # method, uri, status, size


def _emit(
    kind: str,
    fmt: Formatter,
    t: datetime,
    ip: str,
    ua: str,
    reqs: list[Request],
    rng: random.Random,
    gap: tuple[int, int] = (300, 2_500),
    ref: str = "",
) -> list[Line]:
    out = []
    for method, uri, status, size in reqs:
        out.append(Line(t, fmt(t, ip, method, uri, status, size, ref, ua), kind))
        t += timedelta(milliseconds=rng.randint(*gap))
    return out


def sensitive_files(rng: random.Random, t: datetime, fmt: Formatter, ip: str) -> list[Line]:
    """Probing for leaked repositories, secrets and backups; several are served (200)."""
    reqs: list[Request] = [
        ("GET", "/.git/HEAD", 200, 23),
        ("GET", "/.git/config", 200, 318),
        ("GET", "/.env", 200, 1_024),
        ("GET", "/.env.bak", 404, 548),
        ("GET", "/backup.sql", 200, 18_735_112),
        ("GET", "/backup.zip", 200, 52_114_903),
        ("GET", "/db.sql", 404, 548),
        ("GET", "/.git/index", 200, 88_301),
    ]
    return _emit("sensitive-file", fmt, t, ip, rng.choice(BROWSERS), reqs, rng)


def path_traversal(rng: random.Random, t: datetime, fmt: Formatter, ip: str, dvc: bool) -> list[Line]:
    base = "/api/tep-tin/tai-xuong/" if dvc else "/o/demo-theme/images/"
    reqs: list[Request] = [
        ("GET", "/web/guest/../../etc/passwd", 400, 157),
        ("GET", f"{base}..%2f..%2f..%2f..%2fetc%2fpasswd", 404, 548),
        ("GET", f"{base}%2e%2e/%2e%2e/%2e%2e/etc/shadow", 404, 548),
        ("GET", "/documents/20182/0/?file=../../../../etc/passwd", 200, 2_318),
    ]
    return _emit("path-traversal", fmt, t, ip, rng.choice(BROWSERS), reqs, rng)


def sql_injection(rng: random.Random, t: datetime, fmt: Formatter, ip: str, dvc: bool) -> list[Line]:
    """Hand-typed SQL injection in query strings (raw, +-encoded and %-encoded)."""
    if dvc:
        reqs: list[Request] = [
            ("GET", "/api/hoso/tra-cuu?maHoSo=1'%20OR%201=1--", 500, 312),
            ("GET", "/api/hoso/tra-cuu?maHoSo=1%27%20OR%20%271%27%3D%271", 500, 312),
            (
                "GET",
                "/api/hoso/tra-cuu?maHoSo=-1%27%20UNION%20SELECT%20NULL,username,password%20FROM%20users--",
                200,
                4_812,
            ),
            ("GET", "/api/thu-tuc?linhVuc=tu-phap%27)%20AND%20SLEEP(5)--%20-&page=0", 200, 9_101),
        ]
    else:
        reqs = [
            ("GET", "/web/guest/tim-kiem?q=1'+OR+1=1--", 200, 31_442),
            ("GET", "/web/guest/tim-kiem?q=%27%20OR%201%3D1--", 200, 31_442),
            (
                "GET",
                "/web/guest/tin-tuc?id=1+UNION+SELECT+null,screenName,password_+FROM+User_--",
                500,
                6_870,
            ),
            ("GET", "/web/guest/tin-tuc?id=1%20union%20all%20select%201,2,3,version()--", 500, 6_870),
        ]
    return _emit("sqli", fmt, t, ip, rng.choice(BROWSERS), reqs, rng, gap=(4_000, 20_000))


def sqlmap_run(rng: random.Random, t: datetime, ip: str, day: date) -> list[Line]:
    """An sqlmap run against the dossier lookup API of the public-service portal."""
    code = record_code(rng, day)
    payloads = (
        "",
        "'",
        "%27%20AND%201%3D1--%20-",
        "%27%20AND%201%3D2--%20-",
        "%27%20AND%20SLEEP(5)--%20-",
        "%27%20UNION%20ALL%20SELECT%20NULL--%20-",
        "%27%20UNION%20ALL%20SELECT%20NULL,NULL--%20-",
        "%27%20UNION%20ALL%20SELECT%20NULL,NULL,NULL--%20-",
        "%27%3B%20SELECT%20PG_SLEEP(5)--",
        ")%20AND%203342%3D3342%20AND%20(5321%3D5321",
    )
    reqs: list[Request] = []
    for _ in range(rng.randint(3, 5)):
        reqs += [
            ("GET", f"/api/hoso/tra-cuu?maHoSo={code}{p}", rng.choice((200, 500)), rng.randint(61, 3_000))
            for p in payloads
        ]
    return _emit("scanner-ua", dvc_json, t, ip, SQLMAP, reqs, rng, gap=(150, 900))


def nikto_scan(rng: random.Random, t: datetime, ip: str) -> list[Line]:
    """A Nikto sweep of the portal: mostly 404, the scanner's name in every user agent."""
    paths = (
        "/",
        "/admin/",
        "/phpmyadmin/",
        "/wp-login.php",
        "/cgi-bin/test.cgi",
        "/server-status",
        "/.htaccess",
        "/config.php.bak",
        "/manager/html",
        "/web/guest/trang-chu",
        "/jmx-console/",
        "/console/",
        "/api/jsonws",
        "/c/portal/login",
        "/solr/admin/",
        "/icons/README",
        "/test.php",
        "/info.php",
    )
    out: list[Line] = []
    for p in paths:
        for _ in range(rng.randint(1, 3)):
            status = 200 if p in ("/", "/web/guest/trang-chu", "/c/portal/login") else 404
            ua = NIKTO.format(n=len(out) + 1)
            out.append(Line(t, combined(t, ip, "GET", p, status, 548, "", ua), "scanner-ua"))
            t += timedelta(milliseconds=rng.randint(40, 400))
    return out


def nuclei_scan(rng: random.Random, t: datetime, fmt: Formatter, ip: str) -> list[Line]:
    paths = (
        "/api/jsonws/invoke",
        "/c/portal/layout",
        "/o/",
        "/actuator/env",
        "/actuator/health",
        "/swagger-ui.html",
        "/v2/api-docs",
        "/graphql",
        "/owa/",
        "/remote/login",
        "/vpn/index.html",
        "/.DS_Store",
    )
    reqs: list[Request] = [
        (rng.choice(("GET", "GET", "POST")), p, rng.choice((404, 404, 403, 200)), 548)
        for p in paths
        for _ in range(2)
    ]
    return _emit("scanner-ua", fmt, t, ip, NUCLEI, reqs, rng, gap=(30, 250))


GAMBLING_PAGES = (
    "/upload/2026/11/no-hu-doi-thuong-uy-tin-nhat-2026.html",
    "/upload/files/tai-xiu-online-uy-tin.html",
    "/web/guest/-/casino-truc-tuyen-nha-cai-uy-tin",
    "/upload/seo/nha-cai-uy-tin-so-1-viet-nam.html",
    "/upload/2026/11/game-bai-doi-thuong-no-hu-tai-xiu.html",
)


def seo_gambling(rng: random.Random, t: datetime, pages: int = 3) -> list[Line]:
    """Injected gambling pages on the portal, served 200 to Googlebot and to visitors arriving from a search."""
    out: list[Line] = []
    for uri in rng.sample(GAMBLING_PAGES, pages):
        bot = rng.choice(GOOGLEBOT_IPS)
        out.append(
            Line(
                t,
                combined(t, bot, "GET", uri, 200, rng.randint(18_000, 60_000), "", GOOGLEBOT),
                "seo-gambling",
            )
        )
        for _ in range(rng.randint(1, 3)):
            t += timedelta(seconds=rng.randint(60, 900))
            ip = f"27.{rng.randint(64, 79)}.{rng.randint(1, 254)}.{rng.randint(1, 254)}"
            ref = "https://www.google.com/search?q=n%E1%BB%95+h%C5%A9+uy+t%C3%ADn"
            out.append(
                Line(
                    t,
                    combined(t, ip, "GET", uri, 200, rng.randint(18_000, 60_000), ref, rng.choice(MOBILE)),
                    "seo-gambling",
                )
            )
        t += timedelta(minutes=rng.randint(5, 60))
    return out


def webshell(rng: random.Random, t: datetime, ip: str) -> list[Line]:
    """A web shell dropped under /upload/ and driven through ``cmd=``."""
    ua = rng.choice(BROWSERS)
    reqs: list[Request] = [
        ("POST", "/upload/files/shell.php", 200, 12),
        ("GET", "/upload/files/shell.php?cmd=whoami", 200, 9),
        ("GET", "/upload/files/shell.php?cmd=id", 200, 54),
        ("GET", "/upload/files/shell.php?cmd=uname+-a", 200, 112),
        ("GET", "/upload/files/shell.php?cmd=ls+-la+/var/www/html/upload", 200, 1_877),
        ("GET", "/upload/files/cmd.jsp?cmd=whoami", 200, 8),
    ]
    return _emit(
        "webshell", combined, t, ip, ua, reqs, rng, gap=(3_000, 30_000), ref=f"https://{PORTAL_VHOST}/"
    )


def web_incidents(rng: random.Random, days: list[date]) -> tuple[list[Line], list[Line]]:
    """All injected web incidents spread over ``days``: (portal lines, public-service lines)."""
    portal: list[Line] = []
    dvc: list[Line] = []

    def when(i: int, hours: tuple[int, int] = (0, 23)) -> datetime:
        return at(days[i % len(days)], rng.randint(*hours), rng.randrange(60), rng.randrange(60))

    portal += sensitive_files(rng, when(0, (1, 5)), combined, ATTACKERS[1])
    dvc += sensitive_files(rng, when(1, (20, 23)), dvc_json, ATTACKERS[3])
    portal += path_traversal(rng, when(1, (9, 16)), combined, ATTACKERS[4], dvc=False)
    dvc += path_traversal(rng, when(2, (2, 4)), dvc_json, ATTACKERS[1], dvc=True)
    portal += sql_injection(rng, when(2, (10, 17)), combined, ATTACKERS[5], dvc=False)
    dvc += sql_injection(rng, when(0, (13, 18)), dvc_json, ATTACKERS[4], dvc=True)
    dvc += sqlmap_run(rng, when(1, (0, 3)), ATTACKERS[5], days[1 % len(days)])
    portal += nikto_scan(rng, when(0, (21, 23)), ATTACKERS[3])
    portal += nuclei_scan(rng, when(2, (4, 6)), combined, ATTACKERS[2])
    dvc += nuclei_scan(rng, when(2, (7, 8)), dvc_json, ATTACKERS[2])
    for i in range(3):
        portal += seo_gambling(rng, when(i, (6, 20)))
    portal += webshell(rng, when(0, (0, 3)), ATTACKERS[4])
    portal += webshell(rng, when(2, (22, 23)), ATTACKERS[4])
    dvc += record_scraping(rng, when(1, (1, 3)), ATTACKERS[0]) + bulk_export(rng, when(2, (1, 4)), ATTACKERS[0])
    return portal, dvc
