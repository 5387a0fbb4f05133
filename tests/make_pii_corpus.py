"""Build tests/pii_corpus.jsonl: a labelled corpus for the personal-data detectors (run: python tests/make_pii_corpus.py).

Values are built from the published layouts (not from soc.enrich.pii, so the evaluation is not circular): 12-digit
numbers with a real province code and birth year, mobile numbers with real carrier prefixes, tax codes with the
check digit computed here, Luhn-valid card numbers. Hard negatives: order numbers, timestamps, phone-like invoice ids,
random 12-digit ids, landlines, versions, amounts. Each line: {"text": ..., "pii": [[type, value], ...]}.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from urllib.parse import quote

OUT = Path(__file__).with_name("pii_corpus.jsonl")
PROVINCES = ["001", "002", "004", "019", "022", "026", "031", "036", "038", "040", "046", "048", "056", "066",
             "074", "075", "079", "082", "089", "092", "096"]
CARRIERS = ["032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098", "070", "076", "077",
            "078", "079", "089", "090", "093", "081", "082", "083", "084", "085", "088", "091", "094", "052", "056",
            "058", "092", "059", "099", "055", "087"]
WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Hoàng Nam", "Phạm Thu Hà", "Võ Minh Tuấn", "Đặng Ngọc Lan"]
HOSTS = ["dichvucong.demo.gov.vn", "lgsp.demo.gov.vn", "portal.demo.gov.vn", "motcua.demo.gov.vn"]


def cccd(r: random.Random) -> str:
    g = r.choice("0123")
    yy = r.randint(30, 99) if g in "01" else r.randint(0, 20)
    return f"{r.choice(PROVINCES)}{g}{yy:02d}{r.randint(0, 999999):06d}"


def phone(r: random.Random) -> str:
    return r.choice(CARRIERS) + f"{r.randint(0, 9999999):07d}"


def tax(r: random.Random) -> str:
    while True:
        head = f"{r.randint(1, 96):02d}" + f"{r.randint(0, 9999999):07d}"
        check = 10 - sum(w * int(d) for w, d in zip(WEIGHTS, head, strict=True)) % 11
        if check < 10:
            return head + str(check)


def card(r: random.Random) -> str:
    prefix = r.choice(["4", "51", "53", "9704", "3530", "62"])
    body = prefix + "".join(str(r.randint(0, 9)) for _ in range(15 - len(prefix)))
    total = 0
    for i, d in enumerate(reversed(body)):
        n = int(d) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return body + str((10 - total % 10) % 10)


def email(r: random.Random) -> str:
    user = r.choice(["nguyenvanan", "tran.thi.bich", "le_hoang.nam", "phamthuha92", "vominhtuan", "dnlan"])
    return f"{user}{r.randint(1, 999)}@" + r.choice(["gmail.com", "yahoo.com.vn", "demo.gov.vn", "vnpt.vn"])


def nine(r: random.Random) -> str:
    return f"{r.randint(0, 999999999):09d}"


def ten(r: random.Random) -> str:
    return f"{r.randint(0, 9999999999):010d}"


def positives(r: random.Random) -> list[tuple[str, list[list[str]]]]:
    out = []
    for _ in range(60):
        c, p = cccd(r), phone(r)
        out.append((f"GET /tra-cuu-ho-so?cccd={c}&sdt={p}&lang=vi", [["cccd", c], ["phone", p]]))
        c = cccd(r)
        out.append((f"/api/v1/cong-dan/{c}/ho-so?page=1", [["cccd", c]]))
        c, e = cccd(r), email(r)
        out.append((json.dumps({"hoTen": r.choice(NAMES), "soDinhDanh": c, "email": e}, ensure_ascii=False),
                    [["cccd", c], ["email", e]]))
        n = nine(r)
        out.append((json.dumps({"ho_ten": r.choice(NAMES), "so_cmnd": n, "ngay_cap": "2015-06-01"},
                               ensure_ascii=False), [["cmnd", n]]))
        n = nine(r)
        out.append((f"Công dân cung cấp CMND số {n} tại bộ phận một cửa", [["cmnd", n]]))
        t = tax(r)
        out.append((f"GET /tra-cuu-doanh-nghiep?mst={t}", [["tax_code", t]]))
        branch = f"{tax(r)}-{r.randint(1, 999):03d}"
        out.append((f"/dkkd/chi-nhanh/{branch}/thong-tin", [["tax_code", branch]]))
        b = ten(r)
        out.append((f"SELECT * FROM bhxh.nguoi_tham_gia WHERE ma_so_bhxh = '{b}'", [["bhxh", b]]))
        c, p = cccd(r), phone(r)
        out.append((f"INSERT INTO cong_dan (ho_ten, cccd, dien_thoai) VALUES ('{r.choice(NAMES)}', '{c}', '{p}')",
                    [["cccd", c], ["phone", p]]))
        p = phone(r)
        intl = "+84" + p[1:]
        out.append((f"sdt={quote(intl)}&otp=1", [["phone", p]]))
        p = phone(r)
        spaced = f"{p[:4]} {p[4:7]} {p[7:]}"
        out.append((f"Liên hệ: {spaced} (chị Lan)", [["phone", p]]))
        k = card(r)
        out.append((f'{{"payment":{{"card_number":"{k}","amount":150000}}}}', [["bank_card", k]]))
        e = email(r)
        out.append((f"Subject: Hồ sơ của {r.choice(NAMES)} - {e}", [["email", e]]))
        e = email(r)
        out.append((f"/dang-ky?email={quote(e)}&ten=an", [["email", e]]))
        c = cccd(r)
        out.append((f"can_cuoc={quote(json.dumps({'so': c}))}", [["cccd", c]]))
        ids = [cccd(r) for _ in range(3)]
        out.append((json.dumps({"ds_cccd": ids}), [["cccd", c] for c in ids]))
        c, p = cccd(r), phone(r)
        out.append((f"{r.choice(NAMES)},{c},{p},Phường 1", [["cccd", c], ["phone", p]]))
        h = r.choice(["DN", "HC", "GD", "HS", "CB"]) + str(r.randint(1, 5)) + r.choice(PROVINCES)[1:] + ten(r)
        out.append((f'{{"ma_the_bhyt":"{h}"}}', [["bhyt", h]]))
    return out


def negatives(r: random.Random) -> list[tuple[str, list[list[str]]]]:
    out = []
    for _ in range(60):
        out.append((f"GET /don-hang?order_id={r.randint(10**11, 10**12 - 1)}&status=paid", []))
        out.append((f'{{"orderId": "{cccd(r)}", "total": 250000}}', []))  # looks like a CCCD, labelled an order
        out.append((f"/thanh-toan?ts={r.randint(1_600_000_000, 1_800_000_000)}&nonce={r.randint(10**8, 10**9)}", []))
        out.append((f"/api/log?timestamp={r.randint(1_600_000_000_000, 1_800_000_000_000)}", []))
        out.append((f"ma_hoa_don={phone(r)}&ky_hieu=1C24TAA", []))  # phone-like invoice number, labelled
        out.append((f"/hoa-don/HD{phone(r)}.pdf", []))  # invoice id glued to letters
        out.append((f"trace_id={r.randint(10**11, 10**12 - 1)}&span={r.randint(10**9, 10**10)}", []))
        out.append((f"/ho-so/{r.randint(0, 999):03d}.00.{r.randint(10, 99)}.H56-{r.randint(240101, 241231)}-"
                    f"{r.randint(1, 9999):04d}", []))
        out.append((f"Tổng thanh toán: {r.randint(10**9, 10**10):,} đồng".replace(",", "."), []))
        out.append((f"tel=024{r.randint(10**7, 10**8 - 1)}&fax=028{r.randint(10**7, 10**8 - 1)}", []))  # landlines
        out.append((f"/static/js/app.{r.randint(10**9, 10**10):x}.js?v={r.randint(10**9, 10**10)}", []))
        out.append((f"so_cong_van={nine(r)}/UBND-VX ngày 12/11/2024", []))  # 9 digits without a CMND label
        out.append((f"version=3.{r.randint(0, 9)}.{r.randint(10**8, 10**9)}&build={ten(r)}", []))
        out.append((f"/images/logo@2x.png?{r.randint(1, 99)}", []))
        out.append((f"SELECT count(*) FROM ho_so WHERE created_at > {r.randint(1_600_000_000, 1_800_000_000)}", []))
        out.append((f"imei={r.randint(10**14, 10**15 - 1)}&serial={r.randint(10**11, 10**12 - 1)}", []))
    # random zero-padded 12-digit record ids in paths, unlabelled: about 1.6 % fall in the CCCD layout by chance
    # and are counted as the false positives they are
    for _ in range(200):
        out.append((f"/files/{r.randint(0, 10**12 - 1):012d}/download", []))
    return out


def main() -> None:
    r = random.Random(20261124)
    rows = positives(r) + negatives(r)
    with OUT.open("w", encoding="utf-8") as fh:
        for text, labels in rows:
            fh.write(json.dumps({"text": text, "pii": labels}, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} lines to {OUT}")


if __name__ == "__main__":
    main()
