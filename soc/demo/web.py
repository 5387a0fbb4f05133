"""Benign web traffic: the provincial portal (Liferay behind nginx, combined log) and the public-service portal
(Cổng dịch vụ công behind nginx, one JSON object per line)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import date, datetime, timedelta
from urllib.parse import quote_plus

from soc.demo.common import (
    BINGBOT,
    BROWSERS,
    COCCOCBOT,
    COCCOCBOT_IPS,
    DVC_VHOST,
    GOOGLEBOT,
    GOOGLEBOT_IPS,
    OFFICE_IPS,
    PORTAL_VHOST,
    Client,
    Line,
    at,
    hexstr,
    random_time,
    time_iso,
    time_local,
    token,
    uuid_like,
)

# fmt(ts, ip, method, uri, status, size, referrer, user_agent) -> log line
Formatter = Callable[[datetime, str, str, str, int, int, str, str], str]


def combined(ts: datetime, ip: str, method: str, uri: str, status: int, size: int, ref: str, ua: str) -> str:
    """nginx ``combined``: ``$remote_addr - $remote_user [$time_local] "$request" $status ...``."""
    return f'{ip} - - [{time_local(ts)}] "{method} {uri} HTTP/1.1" {status} {size} "{ref or "-"}" "{ua}"'


def dvc_json(ts: datetime, ip: str, method: str, uri: str, status: int, size: int, ref: str, ua: str) -> str:
    """nginx ``log_format ... escape=json`` with every variable quoted, as most JSON access-log configs do."""
    api = uri.startswith(("/api/", "/sso/", "/dvc/"))
    # request_time derives from the status and size only, so a line stays the same whatever came before it
    rt = 0.002 + (size % 997) / 4000 + (0.35 if status >= 500 else 0.0) + (0.05 if api else 0.0)
    doc = {
        "time_iso8601": time_iso(ts),
        "remote_addr": ip,
        "remote_user": "",
        "request_method": method,
        "request_uri": uri,
        "server_protocol": "HTTP/1.1" if api else "HTTP/2.0",
        "status": str(status),
        "body_bytes_sent": str(size),
        "http_referer": ref,
        "http_user_agent": ua,
        "request_time": f"{rt:.3f}",
        "host": DVC_VHOST,
        "upstream_response_time": f"{max(rt - 0.001, 0):.3f}" if api else "",
    }
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


# -- the provincial portal (Liferay) --------------------------------------------------------------------------
SLUGS = (
    "hoi-nghi-tong-ket-cong-tac-chuyen-doi-so-nam-2026",
    "ubnd-tinh-trien-khai-ke-hoach-phat-trien-kinh-te-xa-hoi",
    "thong-bao-tuyen-dung-vien-chuc-nam-2026",
    "tang-cuong-cong-tac-phong-chong-thien-tai-mua-mua-lu",
    "ky-hop-thu-muoi-hoi-dong-nhan-dan-tinh-khoa-xi",
    "day-manh-thanh-toan-truc-tuyen-dich-vu-cong",
    "huong-dan-nop-ho-so-truc-tuyen-toan-trinh",
    "le-khoi-cong-du-an-duong-ven-bien-phia-dong",
    "tinh-hinh-giai-quyet-thu-tuc-hanh-chinh-thang-10",
    "cong-bo-danh-muc-thu-tuc-hanh-chinh-moi-ban-hanh",
    "phat-dong-phong-trao-thi-dua-yeu-nuoc-nam-2027",
    "trien-khai-de-an-06-ve-du-lieu-dan-cu",
    "chuong-trinh-muc-tieu-quoc-gia-xay-dung-nong-thon-moi",
    "lich-tiep-cong-dan-dinh-ky-cua-chu-tich-ubnd-tinh",
    "canh-giac-voi-cac-thu-doan-lua-dao-qua-mang-xa-hoi",
    "ngay-hoi-chuyen-doi-so-cap-xa-phuong",
    "ket-qua-chi-so-cai-cach-hanh-chinh-cap-tinh",
    "hoi-thao-xuc-tien-dau-tu-du-lich-nam-2026",
    "tiep-don-doan-cong-tac-cua-bo-cong-an",
    "phong-chong-dich-benh-tren-dan-gia-cam",
    "nong-dan-phan-khoi-vao-mua-thu-hoach-lua",
    "khanh-thanh-cau-qua-song-noi-hai-huyen",
    "to-chuc-ky-thi-tuyen-sinh-lop-10-an-toan-nghiem-tuc",
    "tuyen-truyen-pho-bien-luat-an-ninh-mang",
    "hop-bao-dinh-ky-quy-iv-nam-2026",
    "khai-mac-giai-chay-vi-suc-khoe-cong-dong",
    "dieu-chinh-quy-hoach-su-dung-dat-den-nam-2030",
    "bao-dam-an-toan-giao-thong-dip-cuoi-nam",
    "trao-tang-nha-tinh-nghia-cho-gia-dinh-chinh-sach",
    "cong-khai-ngan-sach-nha-nuoc-nam-2026",
)
SECTIONS = {
    "tin-tuc": "Xk8pQ2mN7rTz",
    "thong-bao": "Lp3vW9cB1sHd",
    "su-kien": "Rt6yU4iO0pAs",
    "van-ban-chi-dao-dieu-hanh": "Mn2bV5cX8zLk",
}
PAGES = (
    "/web/guest/trang-chu",
    "/web/guest/gioi-thieu",
    "/web/guest/co-cau-to-chuc",
    "/web/guest/lich-cong-tac",
    "/web/guest/lien-he",
    "/web/guest/thu-tuc-hanh-chinh",
    "/web/guest/van-ban-phap-luat",
    "/web/guest/tiep-cong-dan",
    "/web/guest/du-lich",
)
SEARCHES = (
    "thủ tục cấp giấy phép xây dựng",
    "lịch tiếp công dân",
    "tuyển dụng viên chức",
    "quy hoạch sử dụng đất",
    "học bổng",
    "giá đất năm 2026",
    "đăng ký kết hôn",
    "bảo hiểm y tế học sinh",
    "điểm thi lớp 10",
)
THEME = (
    "/o/demo-theme/css/main.css?browserId=other&themeId=demotheme_WAR_demotheme&minifierType=css"
    "&languageId=vi_VN&t={t}",
    "/o/demo-theme/js/main.js?browserId=other&minifierType=js&languageId=vi_VN&t={t}",
    "/o/frontend-js-web/loader/config.js?t={t}",
    "/o/frontend-js-aui-web/aui/aui/aui-min.js?t={t}",
    "/o/demo-theme/images/logo-tinh.png",
    "/o/demo-theme/images/quoc-huy.png",
    "/o/demo-theme/fonts/Roboto-Regular.woff2",
)
ASSET_PUB = "com_liferay_asset_publisher_web_portlet_AssetPublisherPortlet_INSTANCE_"
REFERRERS = (
    "",
    "https://www.google.com/",
    "https://www.google.com.vn/",
    "https://coccoc.com/search?query={q}",
    "https://www.facebook.com/",
    "https://l.facebook.com/",
    "https://zalo.me/",
)


def _portal_page(rng: random.Random) -> tuple[str, int]:
    """A page URI of the portal and its size."""
    r = rng.random()
    if r < 0.45:
        section = rng.choice(list(SECTIONS))
        uri = f"/web/guest/{section}/-/asset_publisher/{SECTIONS[section]}/content/{rng.choice(SLUGS)}"
        if rng.random() < 0.2:
            uri += f"?inheritRedirect=false&redirect=https%3A%2F%2F{PORTAL_VHOST}%2Fweb%2Fguest%2F{section}"
        return uri, rng.randint(38_000, 95_000)
    if r < 0.6:
        section = rng.choice(list(SECTIONS))
        inst = SECTIONS[section]
        return (
            f"/web/guest/{section}?p_p_id={ASSET_PUB}{inst}&p_p_lifecycle=0&p_p_state=normal&p_p_mode=view"
            f"&_{ASSET_PUB}{inst}_cur={rng.randint(2, 30)}&_{ASSET_PUB}{inst}_delta=10"
        ), rng.randint(40_000, 70_000)
    if r < 0.68:
        return f"/web/guest/tim-kiem?q={quote_plus(rng.choice(SEARCHES))}", rng.randint(30_000, 60_000)
    if r < 0.75:
        return (
            f"/documents/20182/0/{rng.randint(100, 4999)}-QD-UBND.pdf/{uuid_like(rng)}"
            f"?t={rng.randint(1_700_000_000_000, 1_760_000_000_000)}"
        ), rng.randint(120_000, 2_500_000)
    return rng.choice(PAGES), rng.randint(35_000, 80_000)


def _portal_visit(rng: random.Random, client: Client, t: datetime, fmt: Formatter) -> list[Line]:
    """One visitor's session: pages, and for browsers their images/CSS/JS (200 the first time, then 304)."""
    out: list[Line] = []
    ref = "" if client.bot else rng.choice(REFERRERS).format(q=quote_plus(rng.choice(SEARCHES)))
    stamp = rng.randint(1_760_000_000_000, 1_765_000_000_000)
    cached = False
    if not client.bot and rng.random() < 0.15:
        out.append(Line(t, fmt(t, client.ip, "GET", "/", 302, 0, ref, client.ua)))
        t += timedelta(milliseconds=rng.randint(40, 300))
    for _ in range(min(1 + int(rng.expovariate(0.45)), 10)):
        uri, size = _portal_page(rng)
        status = 404 if rng.random() < 0.01 else 200
        out.append(
            Line(t, fmt(t, client.ip, "GET", uri, status, size if status == 200 else 1_204, ref, client.ua))
        )
        if not client.bot:
            here = f"https://{PORTAL_VHOST}{uri}"
            for k, asset in enumerate(rng.sample(THEME, rng.randint(3, len(THEME)))):
                ta = t + timedelta(milliseconds=120 + 35 * k + rng.randint(0, 60))
                st, sz = (304, 0) if cached else (200, rng.randint(2_000, 240_000))
                out.append(
                    Line(ta, fmt(ta, client.ip, "GET", asset.format(t=stamp), st, sz, here, client.ua))
                )
            for k in range(rng.randint(0, 4)):
                ta = t + timedelta(milliseconds=400 + 50 * k + rng.randint(0, 80))
                img = f"/image/journal/article?img_id={rng.randint(100_000, 999_999)}&t={stamp}"
                out.append(
                    Line(
                        ta, fmt(ta, client.ip, "GET", img, 200, rng.randint(8_000, 300_000), here, client.ua)
                    )
                )
            if "iPhone" in client.ua and not cached and rng.random() < 0.3:
                out.append(
                    Line(t, fmt(t, client.ip, "GET", "/apple-touch-icon.png", 404, 548, "", client.ua))
                )
            cached = True
            ref = here
        t += timedelta(seconds=rng.uniform(4, 150))
    return out


def portal_benign(rng: random.Random, day: date, volume: int, people: list[Client]) -> list[Line]:
    """About ``volume`` lines of ordinary portal traffic on local date ``day``."""
    lines: list[Line] = []
    bots = [Client(ip, GOOGLEBOT, True) for ip in GOOGLEBOT_IPS]
    bots += [Client(ip, COCCOCBOT, True) for ip in COCCOCBOT_IPS] + [Client("157.55.39.12", BINGBOT, True)]
    for minute in range(0, 24 * 60, 5):  # the in-house monitoring probe
        t = at(day, minute // 60, minute % 60, 7)
        lines.append(
            Line(t, combined(t, "10.10.1.30", "GET", "/web/guest/trang-chu", 200, 52_311, "", "Zabbix"))
        )
    for hour in (3, 15):
        t = at(day, hour, rng.randrange(60), rng.randrange(60))
        bot = rng.choice(bots)
        for uri, size in (("/robots.txt", 211), ("/sitemap.xml", 48_112)):
            lines.append(Line(t, combined(t, bot.ip, "GET", uri, 200, size, "", bot.ua)))
    while len(lines) < volume:
        client = rng.choice(bots) if rng.random() < 0.12 else rng.choice(people)
        lines.extend(_portal_visit(rng, client, random_time(rng, day), combined))
    return lines


# -- the public-service portal (Cổng dịch vụ công) -------------------------------------------------------------
FIELDS_OF_WORK = (
    "tu-phap",
    "dat-dai",
    "xay-dung",
    "giao-thong-van-tai",
    "giao-duc-dao-tao",
    "y-te",
    "lao-dong-thuong-binh-xa-hoi",
    "ke-hoach-dau-tu",
    "tai-nguyen-moi-truong",
    "cong-thuong",
)
DVC_ASSETS = (
    "/assets/js/main.8f3c2a91.js",
    "/assets/js/vendor.41be77d0.js",
    "/assets/css/styles.a1d9e4c2.css",
    "/assets/img/logo-tinh.svg",
    "/assets/fonts/Roboto-Regular.woff2",
    "/favicon.ico",
)


def _procedure(rng: random.Random) -> str:
    return f"{rng.choice((1, 2))}.00{rng.randint(1000, 9999)}"


def record_code(rng: random.Random, day: date) -> str:
    """A dossier number like ``000.00.05.H99-261124-0042`` (H99 = the demo province)."""
    back = day - timedelta(days=rng.randint(0, 40))
    return f"000.00.{rng.randint(1, 30):02d}.H99-{back.strftime('%y%m%d')}-{rng.randint(1, 2500):04d}"


def _dvc_visit(rng: random.Random, client: Client, t: datetime, day: date, staff: bool) -> list[Line]:
    """One session on the public-service portal: browse procedures, look up a dossier, sign in and submit."""
    home = f"https://{DVC_VHOST}/dvc/trang-chu"
    steps: list[tuple[str, str, int, int, str]] = [
        ("GET", "/dvc/trang-chu", 200, rng.randint(9_000, 14_000), "")
    ]
    steps += [("GET", a, 200, rng.randint(3_000, 400_000), home) for a in rng.sample(DVC_ASSETS, 4)]
    kind = "staff" if staff else rng.choices(("browse", "lookup", "submit", "download"), (45, 30, 15, 10))[0]
    field = rng.choice(FIELDS_OF_WORK)
    listing = f"/dvc/thu-tuc-hanh-chinh?linhVuc={field}&capThucHien=tinh"
    if kind in ("browse", "download"):
        code = _procedure(rng)
        steps += [
            ("GET", listing, 200, rng.randint(9_000, 14_000), home),
            (
                "GET",
                f"/api/thu-tuc?linhVuc={field}&page={rng.randint(0, 5)}&size=10",
                200,
                rng.randint(4_000, 20_000),
                f"https://{DVC_VHOST}{listing}",
            ),
            ("GET", f"/dvc/thu-tuc-hanh-chinh/chi-tiet/{code}", 200, rng.randint(9_000, 14_000), home),
            ("GET", f"/api/thu-tuc/{code}", 200, rng.randint(3_000, 15_000), home),
        ]
        if kind == "download":
            for _ in range(rng.randint(1, 3)):
                steps.append(
                    (
                        "GET",
                        f"/api/tep-tin/tai-xuong/{uuid_like(rng)}",
                        200,
                        rng.randint(30_000, 900_000),
                        f"https://{DVC_VHOST}/dvc/thu-tuc-hanh-chinh/chi-tiet/{code}",
                    )
                )
    elif kind == "lookup":
        page = f"https://{DVC_VHOST}/dvc/tra-cuu-ho-so"
        steps.append(("GET", "/dvc/tra-cuu-ho-so", 200, rng.randint(9_000, 14_000), home))
        for _ in range(rng.randint(1, 2)):
            found = rng.random() < 0.9
            steps.append(
                (
                    "GET",
                    f"/api/hoso/tra-cuu?maHoSo={record_code(rng, day)}",
                    200 if found else 404,
                    rng.randint(900, 3_500) if found else 61,
                    page,
                )
            )
    elif kind == "submit":
        state, code = hexstr(rng, 16), token(rng, 32)
        steps += [
            ("GET", "/dvc/dang-nhap", 200, rng.randint(9_000, 14_000), home),
            ("GET", "/sso/vneid/dang-nhap?redirect_uri=%2Fdvc%2Fca-nhan", 302, 0, home),
            ("GET", f"/sso/vneid/callback?code={code}&state={state}", 302, 0, "https://sso.vneid.gov.vn/"),
            ("GET", "/dvc/ca-nhan/ho-so-cua-toi", 200, rng.randint(9_000, 14_000), home),
            ("GET", f"/dvc/nop-ho-so/{_procedure(rng)}", 200, rng.randint(9_000, 14_000), home),
        ]
        steps += [
            ("POST", "/api/tep-tin/tai-len", 200, rng.randint(150, 400), home)
            for _ in range(rng.randint(1, 3))
        ]
        steps += [
            ("POST", "/api/hoso/nop", 200, rng.randint(300, 900), home),
            ("GET", "/api/hoso/cua-toi?page=0&size=10", 200, rng.randint(2_000, 9_000), home),
        ]
    else:  # a civil servant processing dossiers
        if rng.random() < 0.08:  # a mistyped password, once
            steps.append(("POST", "/api/auth/login", 401, 87, f"https://{DVC_VHOST}/can-bo/dang-nhap"))
        steps.append(("POST", "/api/auth/login", 200, 1_240, f"https://{DVC_VHOST}/can-bo/dang-nhap"))
        for _ in range(rng.randint(3, 12)):
            steps.append(
                (
                    "GET",
                    f"/api/can-bo/ho-so?trangThai=cho-xu-ly&linhVuc={field}&page={rng.randint(0, 3)}",
                    200,
                    rng.randint(5_000, 30_000),
                    f"https://{DVC_VHOST}/can-bo/ho-so",
                )
            )
            steps.append(
                (
                    "GET",
                    f"/api/can-bo/ho-so/{record_code(rng, day)}",
                    200,
                    rng.randint(3_000, 12_000),
                    f"https://{DVC_VHOST}/can-bo/ho-so",
                )
            )
    out = []
    for method, uri, status, size, ref in steps:
        out.append(Line(t, dvc_json(t, client.ip, method, uri, status, size, ref, client.ua)))
        t += timedelta(
            milliseconds=rng.randint(30, 400) if uri.startswith("/assets/") else rng.randint(800, 40_000)
        )
    return out


def dvc_benign(rng: random.Random, day: date, volume: int, people: list[Client]) -> list[Line]:
    """About ``volume`` lines of ordinary public-service portal traffic on local date ``day``."""
    lines: list[Line] = []
    staff = [
        Client(ip, BROWSERS[i % 3]) for i, ip in enumerate(OFFICE_IPS)
    ]  # office PCs: Chrome, Cốc Cốc, Edge
    office = (0, 0, 0, 0, 0, 0, 0, 6, 12, 12, 12, 8, 2, 6, 12, 12, 10, 4, 0, 0, 0, 0, 0, 0)
    for _ in range(max(volume // 400, 2)):
        lines.extend(_dvc_visit(rng, rng.choice(staff), random_time(rng, day, office), day, staff=True))
    while len(lines) < volume:
        lines.extend(_dvc_visit(rng, rng.choice(people), random_time(rng, day), day, staff=False))
    return lines
