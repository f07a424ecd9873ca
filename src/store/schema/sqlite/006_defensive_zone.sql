-- 006_defensive_zone.sql - schema version 6: defensive-zone matters (khu vực
-- phòng thủ) as a default category, led by the Military Command.
--
-- MISSION.md's routing defaults name three kinds of matter the Military Command
-- leads: disasters, search and rescue, and defensive-zone matters (the provincial
-- defensive zone of Decree 21/2019: its works, military land, the militia's
-- combat posts). 002 seeded the first two as categories; this adds the third and
-- its rule, with the other two forces informed, like every seeded rule. A
-- database whose administrator already made a category with this code keeps it
-- (INSERT OR IGNORE), and the rule then routes that category.

INSERT OR IGNORE INTO categories (code, name_vi, name_en, name_folded, default_severity,
                                  lead_force, sort_order, created_at, updated_at)
VALUES ('defensive_zone', 'khu vực phòng thủ', 'Defensive zone',
        'khu vuc phong thu defensive zone', 2, 'military', 160,
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
        CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));

-- Between search and rescue (210) and the border guard's rules (300): border belt
-- and sea (10, 20) still come first, as for every category.
INSERT INTO routing_rules (name, priority, category_id, lead_force, report_deadline_min,
                           ack_deadline_min, verify_deadline_min, created_at, updated_at)
SELECT 'Khu vực phòng thủ: Quân sự chủ trì', 220, c.id, 'military', 60, 30, 120,
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER),
       CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
FROM categories AS c WHERE c.code = 'defensive_zone';

INSERT INTO routing_rule_forces (rule_id, pos, force)
SELECT r.id, f.pos, f.code
FROM routing_rules AS r,
     (SELECT column1 AS code, column2 AS pos
      FROM (VALUES ('police', 1), ('border_guard', 2))) AS f
WHERE r.name = 'Khu vực phòng thủ: Quân sự chủ trì'
  AND r.id = (SELECT max(id) FROM routing_rules);
