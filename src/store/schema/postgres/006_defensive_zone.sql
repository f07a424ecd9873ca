-- 006_defensive_zone.sql - PostgreSQL schema version 6, the twin of
-- schema/sqlite/006_defensive_zone.sql: defensive-zone matters (khu vực phòng
-- thủ) as a default category, led by the Military Command, and its routing
-- rule, with the other two forces informed.
--
-- Differences: INSERT OR IGNORE is ON CONFLICT DO NOTHING (which, unlike
-- SQLite, uses up an id when the row exists); times from now(), as in 002.
-- A database whose administrator already made a category with this code keeps
-- it, and the rule then routes that category.

INSERT INTO categories (code, name_vi, name_en, name_folded, default_severity,
                        lead_force, sort_order, created_at, updated_at)
VALUES ('defensive_zone', 'khu vực phòng thủ', 'Defensive zone',
        'khu vuc phong thu defensive zone', 2, 'military', 160,
        floor(extract(epoch FROM now()) * 1000)::bigint,
        floor(extract(epoch FROM now()) * 1000)::bigint)
ON CONFLICT DO NOTHING;

-- Between search and rescue (210) and the border guard's rules (300): border belt
-- and sea (10, 20) still come first, as for every category.
INSERT INTO routing_rules (name, priority, category_id, lead_force, report_deadline_min,
                           ack_deadline_min, verify_deadline_min, created_at, updated_at)
SELECT 'Khu vực phòng thủ: Quân sự chủ trì', 220, c.id, 'military', 60, 30, 120,
       floor(extract(epoch FROM now()) * 1000)::bigint,
       floor(extract(epoch FROM now()) * 1000)::bigint
FROM categories AS c WHERE c.code = 'defensive_zone';

INSERT INTO routing_rule_forces (rule_id, pos, force)
SELECT r.id, f.pos, f.code
FROM routing_rules AS r,
     (SELECT column1 AS code, column2 AS pos
      FROM (VALUES ('police', 1), ('border_guard', 2)) AS v) AS f
WHERE r.name = 'Khu vực phòng thủ: Quân sự chủ trì'
  AND r.id = (SELECT max(id) FROM routing_rules);
