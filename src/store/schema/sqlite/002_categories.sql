-- 002_categories.sql - schema version 2: incident categories as data.
--
-- The defaults are MISSION.md's list ("Incident categories"); administrators add
-- more through the API. A category is never deleted, since incidents will refer
-- to it: it is deactivated (is_active = 0) and then offered for no new incident.
--
-- lead_force is only the category's default lead; issue 3's routing rules (by
-- category, severity, area and area kind) decide who leads an actual incident.
-- NULL means the category has no default: the area's rules decide.
--
-- name_folded is the search key kept by the caller: text_fold(name_vi) || ' ' ||
-- text_fold(name_en) (util/text.h), so that "ma tuy" and "drugs" both find
-- "ma túy". The seeded values below are written out folded the same way (the unit
-- tests search every seeded name to keep them honest).
-- sort_order is the order in which user interfaces offer the categories; lists
-- through the API are in id order (keyset paging), which for the defaults is the
-- same.
CREATE TABLE categories (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name_vi TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    default_severity INTEGER NOT NULL CHECK (default_severity BETWEEN 1 AND 4),
    lead_force TEXT REFERENCES forces (code),
    is_active INTEGER NOT NULL DEFAULT 1 CHECK (is_active IN (0, 1)),
    sort_order INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Times are UTC ms (001's convention); julianday keeps this portable to SQLite
-- versions without unixepoch('subsec').
INSERT INTO categories (code, name_vi, name_en, name_folded, default_severity, lead_force,
                        sort_order, created_at, updated_at)
SELECT column1, column2, column3, column4, column5, column6, column7,
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
-- Columns: code, name_vi, name_en, name_folded, default_severity, lead_force,
-- sort_order.
FROM (VALUES
    ('crime', 'tội phạm hình sự', 'Crime', 'toi pham hinh su crime', 3, 'police', 10),
    ('drugs', 'ma túy', 'Drugs', 'ma tuy drugs', 3, 'police', 20),
    ('smuggling', 'buôn lậu, gian lận thương mại', 'Smuggling and trade fraud',
     'buon lau, gian lan thuong mai smuggling and trade fraud', 2, 'border_guard', 30),
    ('illegal_border_crossing', 'xuất nhập cảnh trái phép', 'Illegal border crossing',
     'xuat nhap canh trai phep illegal border crossing', 2, 'border_guard', 40),
    ('illegal_fishing', 'khai thác thủy sản trái phép, IUU', 'Illegal fishing (IUU)',
     'khai thac thuy san trai phep, iuu illegal fishing (iuu)', 2, 'border_guard', 50),
    ('public_order', 'trật tự công cộng', 'Public order',
     'trat tu cong cong public order', 1, 'police', 60),
    ('mass_gathering', 'tụ tập đông người, khiếu kiện', 'Mass gathering and complaints',
     'tu tap dong nguoi, khieu kien mass gathering and complaints', 2, 'police', 70),
    ('political_security', 'an ninh chính trị', 'Political security',
     'an ninh chinh tri political security', 3, 'police', 80),
    ('natural_disaster', 'thiên tai', 'Natural disaster',
     'thien tai natural disaster', 3, 'military', 90),
    ('search_rescue', 'tìm kiếm cứu nạn', 'Search and rescue',
     'tim kiem cuu nan search and rescue', 3, 'military', 100),
    ('epidemic', 'dịch bệnh', 'Epidemic', 'dich benh epidemic', 3, NULL, 110),
    ('fire_explosion', 'cháy nổ', 'Fire and explosion',
     'chay no fire and explosion', 3, NULL, 120),
    ('accident', 'tai nạn', 'Accident', 'tai nan accident', 2, NULL, 130),
    ('maritime', 'sự cố trên biển', 'Maritime incident',
     'su co tren bien maritime incident', 3, 'border_guard', 140),
    ('other', 'khác', 'Other', 'khac other', 1, NULL, 150)
)
ORDER BY column7;
