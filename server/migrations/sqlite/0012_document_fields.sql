-- The issuer's fields of a unit's report document (issue 19): its number, place, who signs
-- and how, who receives it. Kept by campaign and unit code, so that next year's campaign
-- offers what a unit of the same code saved (units are rows of one campaign each).
CREATE TABLE document_fields (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    unit_code   TEXT NOT NULL,
    fields      TEXT NOT NULL,
    updated_by  TEXT NOT NULL,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (campaign_id, unit_code)
);
